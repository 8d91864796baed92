"""Reports made from counts kept per office-year (``reports/cache.py``): after any write, by any path,
a report equals a fresh computation of the whole (``engine.compute_table``), for every report, filter
and scope; only the office-years whose tokens changed are counted again; counts are shared between
readers and filters only where they cannot differ; publication's suppression is applied as before."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casetracker.cases import services
from casetracker.cases.models import Incident, Measure, Victim
from casetracker.core.models import Office
from casetracker.reports import cache, suppression
from casetracker.reports.definitions import REPORT_LIST, REPORTS_BY_NAME
from casetracker.reports.engine import compute_table
from casetracker.reports.reporting import filtered_incidents, run_report
from tests.conftest import rows_kept
from tests.factories import ChannelFactory, UserFactory
from tests.reports.test_cache import committed, quoted, raw
from tests.reports.test_pages import build_cases
from tests.wipe import deletes_allowed

pytestmark = pytest.mark.django_db

FILTERS = {
    "none": {},
    "a year": {"date_from": "2023-01-01", "date_to": "2023-12-31"},
    "across years": {"date_from": "2022-06-01", "date_to": "2023-02-28"},
    "an office": {"office": "qc-two"},
    "a school level and a committee": {"school_level": "high", "committee_kind": "school_violence"},
}


@rows_kept
def cases():
    """Two offices, three years: six office-years (made once for the module's tests)."""
    build_cases(12)
    committed()
    return {code: Office.objects.get(code=code) for code in ("qc-one", "qc-two")}


def figures(tables) -> list:
    return [[(row.value, row.label, row.cells, row.kind) for row in table.rows] for table in tables]


def fresh(spec, user, data) -> list:
    """The report computed whole, as with no cache at all."""
    filters = filtered_incidents(user, data)
    return figures(compute_table(table, user, filters.qs) for table in spec.tables)


def a_measure(office: str) -> Measure:
    return Measure.objects.filter(committee_case__incident__office__code=office, number=1).first()


def write_by_service(offices):
    measure = a_measure("qc-one")
    new = Measure(
        committee_case=measure.committee_case,
        offender=measure.offender,
        law=measure.law,
        number=9,
        decided_on=measure.decided_on,
    )
    services.save_record(record=new, actor=UserFactory(office=offices["qc-one"]))


def write_by_queryset_delete(offices):
    victim = Victim.objects.filter(incident__office__code="qc-two", kind=Victim.Kind.TEACHER).first()
    Victim.objects.filter(pk=victim.pk).delete()


def write_by_raw_update(offices):
    raw(f"UPDATE {quoted(Measure)[0]} SET number = 7 WHERE id = %s", [a_measure("qc-two").pk])


def write_by_raw_delete(offices):
    with deletes_allowed():  # (which only the flush has: ``no_delete``)
        raw(f"DELETE FROM {quoted(Measure)[0]} WHERE id = %s", [a_measure("qc-one").pk])


def write_by_moving_an_incident(offices):
    incident = Incident.objects.filter(office=offices["qc-one"], report_date__year=2022).first()
    Incident.objects.filter(pk=incident.pk).update(report_date=datetime.date(2024, 1, 5), police_referred_on=None)


def write_a_channel(offices):
    Incident.objects.filter(office=offices["qc-two"]).first().channels.add(ChannelFactory())


WRITES = {
    "service": write_by_service,
    "queryset_delete": write_by_queryset_delete,
    "raw_update": write_by_raw_update,
    "raw_delete": write_by_raw_delete,
    "moved": write_by_moving_an_incident,
    "channel": write_a_channel,
}


def test_after_each_write_every_report_equals_a_fresh_computation(cases):
    """Each way of writing in turn, with every report kept beforehand (by the first pass, then by the
    check after the write before, which kept them again): each write starts from kept counts as it
    would from a cold cache's first pass, and that first pass is made once, not once per write."""
    readers = {
        "national": UserFactory(supervisor=True, office=None),
        "office": UserFactory(supervisor=True, office=cases["qc-two"]),
    }
    readers["local clerk"] = UserFactory(
        office=cases["qc-one"], local_office=cases["qc-one"].schools.first().local_office
    )
    # (The office filter offers a reader of one office that office only.)
    runs = [(who, name) for who in readers for name in FILTERS if who == "national" or name != "an office"]
    for who, name in runs:
        for spec in REPORT_LIST:
            run_report(spec, readers[who], FILTERS[name])  # every entry kept
    for path, write in WRITES.items():
        write(cases)
        committed()
        for who, name in runs:
            for spec in REPORT_LIST:
                mine = figures(run_report(spec, readers[who], FILTERS[name]).tables)  # (kept again)
                assert mine == fresh(spec, readers[who], FILTERS[name]), f"after {path}: {spec.name}, {who}, {name}"


def counted_parts(monkeypatch) -> list:
    """The office-years of each count the cache asks of the engine ([] for all of them)."""
    calls = []
    count_table = cache.count_table

    def spy(*args, only=(), **kwargs):
        calls.append(sorted(only))
        return count_table(*args, only=only, **kwargs)

    monkeypatch.setattr(cache, "count_table", spy)
    return calls


def test_a_write_in_one_office_year_counts_that_office_year_again_and_no_other(cases, monkeypatch):
    national = UserFactory(supervisor=True, office=None)
    spec = REPORTS_BY_NAME["offices"]
    before = run_report(spec, national, {}).tables
    calls = counted_parts(monkeypatch)
    write_by_service(cases)
    committed()
    after = run_report(spec, national, {}).tables
    assert calls == [[(cases["qc-one"].pk, 2022)]]  # (the fixture's first measure of number 1)
    total = {row.value: row.cells["measures"] for row in after[0].rows}
    assert total["total"] == {row.value: row.cells["measures"] for row in before[0].rows}["total"] + 1
    assert figures(after) == fresh(spec, national, {})


def test_counts_are_shared_by_the_filters_and_scopes_that_cannot_change_them(cases, monkeypatch):
    national = UserFactory(supervisor=True, office=None)
    for spec in REPORT_LIST:
        run_report(spec, national, {})
    calls = counted_parts(monkeypatch)
    office_reader = UserFactory(supervisor=True, office=cases["qc-two"])
    for data, user in [
        ({"date_from": "2023-01-01", "date_to": "2023-12-31"}, national),
        ({"office": "qc-one"}, national),
        ({"office": "qc-two", "date_from": "2022-01-01", "date_to": "2023-12-31"}, national),
        ({}, office_reader),
    ]:
        for spec in REPORT_LIST:
            assert figures(run_report(spec, user, data).tables) == fresh(spec, user, data)
    assert calls == []  # every one made of the national report's counts
    # A year cut short, another school level, a local office: counted for themselves.
    local = UserFactory(office=cases["qc-one"], local_office=cases["qc-one"].schools.first().local_office)
    for data, user in [({"date_from": "2023-03-01"}, national), ({"school_level": "middle"}, national), ({}, local)]:
        calls.clear()
        spec = REPORTS_BY_NAME["yearly"]
        assert figures(run_report(spec, user, data).tables) == fresh(spec, user, data)
        assert calls == [[]]


def test_an_office_year_counted_for_another_scope_is_not_another_readers(cases):
    """The counts of an office-year are shared by national readers and that office's, never by a
    reader of a local office, nor by an office's reader for another office's incidents."""
    spec, table = REPORTS_BY_NAME["offices"], REPORTS_BY_NAME["offices"].tables[0]
    national = UserFactory(supervisor=True, office=None)
    one = UserFactory(supervisor=True, office=cases["qc-one"])
    local = UserFactory(office=cases["qc-one"], local_office=cases["qc-one"].schools.first().local_office)

    def keys(user, data=None):
        filters = filtered_incidents(user, data or {})
        return cache.part_keys(spec, table, user, filters, cache._read_tokens(user, filters))

    office_year = (cases["qc-one"].pk, 2023)
    assert keys(national)[office_year] == keys(one)[office_year]
    assert keys(local)[office_year] != keys(national)[office_year]
    # An office's reader reading another office's office-year (should the filter let them): not shared.
    filters = filtered_incidents(national, {"office": "qc-two"})
    tokens = cache._read_tokens(national, filters)
    other = (cases["qc-two"].pk, 2023)
    assert cache.part_keys(spec, table, one, filters, tokens)[other] != keys(national)[other]


def test_more_than_a_few_changed_office_years_are_counted_in_one_pass(cases, monkeypatch):
    national = UserFactory(supervisor=True, office=None)
    spec = REPORTS_BY_NAME["survey"]
    run_report(spec, national, {})
    calls = counted_parts(monkeypatch)
    Incident.objects.filter(office=cases["qc-one"]).update(content_description="-")  # three office-years
    committed()
    assert figures(run_report(spec, national, {}).tables) == fresh(spec, national, {})
    assert calls == [[]]


@pytest.mark.parametrize("name", [spec.name for spec in REPORT_LIST])
def test_a_publication_made_of_kept_counts_is_suppressed_as_a_fresh_one(cases, name):
    national = UserFactory(supervisor=True, office=None)
    spec = REPORTS_BY_NAME[name]
    run_report(spec, national, {})
    write_by_raw_update(cases)
    committed()
    published = [suppression.publishable(table) for table in run_report(spec, national, {}).tables]
    filters = filtered_incidents(national, {})
    expected = [suppression.publishable(compute_table(table, national, filters.qs)) for table in spec.tables]
    assert figures(published) == figures(expected)
    if name == "offices":  # (small counts there: suppressed)
        assert any(isinstance(cell, str) for table in published for row in table.rows for cell in row.cells.values())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite gives the tokens at once")
def test_inside_a_transaction_that_wrote_nothing_is_kept(cases, monkeypatch):
    national = UserFactory(supervisor=True, office=None)
    spec = REPORTS_BY_NAME["offices"]
    run_report(spec, national, {})
    write_by_service(cases)  # not committed: the tokens are not given yet
    calls = counted_parts(monkeypatch)
    assert figures(run_report(spec, national, {}).tables) == fresh(spec, national, {})
    assert calls == []  # computed whole, kept nowhere (report_tables falls back to compute_table)
    committed()
    run_report(spec, national, {})
    assert calls == [[(cases["qc-one"].pk, 2022)]]


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_a_file_is_made_from_the_same_cache_as_the_page(cases, client, extension):
    """The CSV and XLSX of a report read its figures from the cache as its page does: after the page,
    a file (plain or for publication) runs no query of the report's own, only the tokens."""
    client.force_login(UserFactory(supervisor=True, office=None))
    assert client.get(reverse("reports:detail", args=["offices"]), {"date_from": "2023-01-01"}).status_code == 200
    for publication in ({}, {"publication": "1"}):
        with CaptureQueriesContext(connection) as queries:
            url = reverse(f"reports:{extension}", args=["offices"])
            response = client.get(url, {"date_from": "2023-01-01", **publication})
        assert response.status_code == 200
        assert not [q["sql"] for q in queries.captured_queries if '"cases_measure"' in q["sql"]]
        assert [q["sql"] for q in queries.captured_queries if '"cases_officeyeargeneration"' in q["sql"]]
