"""Reports kept in the cache (``reports/cache.py``): a report whose rows have not changed is served
with one query; any write that changes its rows, by any path, gives the next reader the new figure;
a write in one office and year leaves the others' entries as they were.

The database gives an office-year a new token on every write to its cases' rows
(``cases/generations.py``): the first tests check the tokens table by table and path by path, the
others the reports themselves."""

import datetime
import io
import json

import pytest
from django.core import serializers
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from casetracker.cases import services
from casetracker.cases.generations import apply_now_statements
from casetracker.cases.models import (
    Appeal,
    CommitteeCase,
    Incident,
    Measure,
    Offender,
    OffenderVictimRelation,
    OfficeYearGeneration,
    PendingGeneration,
    ProtectionMeasure,
    Separation,
    TakedownRequest,
    Victim,
)
from casetracker.cases.models.generation import EVERYTHING
from casetracker.core.models import Channel, Committee, LocalOffice, Office, School, SchoolLevel
from casetracker.reports.definitions import REPORT_LIST, REPORTS_BY_NAME
from casetracker.reports.reporting import run_report
from tests.cases.test_admin import page_data, page_errors
from tests.factories import (
    AppealFactory,
    ChannelFactory,
    HeardCommitteeCaseFactory,
    IncidentFactory,
    MeasureFactory,
    OffenderFactory,
    OffenderVictimRelationFactory,
    ProtectionMeasureFactory,
    SeparationFactory,
    TakedownRequestFactory,
    UserFactory,
    VictimFactory,
)
from tests.wipe import delete_with_records, deletes_allowed

pytestmark = pytest.mark.django_db

CHANNELS = Incident.channels.through
RECORDS = [
    Victim,
    Offender,
    OffenderVictimRelation,
    TakedownRequest,
    ProtectionMeasure,
    Separation,
    CommitteeCase,
    Measure,
    Appeal,
    CHANNELS,
]
REFERENCE = [Office, LocalOffice, School, Committee, Channel]


def committed() -> None:
    """What the commit does on PostgreSQL: the office-years the transaction changed get their new
    tokens (the tests never commit)."""
    if connection.vendor == "postgresql":
        for statement in apply_now_statements():
            raw(statement)


def tokens() -> dict[tuple[int, int], int]:
    committed()
    return {(row.office_id, row.year): row.token for row in OfficeYearGeneration.objects.all()}


def office_year(incident: Incident) -> tuple[int, int]:
    return (incident.office_id, incident.report_date.year)


def quoted(model) -> tuple[str, str]:
    return connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(model._meta.pk.column)


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def case() -> dict:
    """An incident with one record of every kind, and another incident in another office."""
    incident = IncidentFactory(report_date=datetime.date(2024, 3, 4))
    offender = OffenderFactory(incident=incident)
    victim = VictimFactory(incident=incident)
    committee_case = HeardCommitteeCaseFactory(incident=incident)
    measure = MeasureFactory(committee_case=committee_case, offender=offender)
    incident.channels.add(ChannelFactory())
    records = {
        Victim: victim,
        Offender: offender,
        OffenderVictimRelation: OffenderVictimRelationFactory(offender=offender, victim=victim),
        TakedownRequest: TakedownRequestFactory(incident=incident),
        ProtectionMeasure: ProtectionMeasureFactory(victim=victim),
        Separation: SeparationFactory(incident=incident, offender=offender, victim=victim),
        CommitteeCase: committee_case,
        Measure: measure,
        Appeal: AppealFactory(measure=measure),
        CHANNELS: CHANNELS.objects.get(incident=incident),
    }
    other = IncidentFactory(report_date=datetime.date(2024, 5, 6))
    spare = ChannelFactory()
    committed()
    return {"incident": incident, "other": other, "spare channel": spare, **records}


def assert_only_changed(before: dict, *office_years) -> None:
    """The tokens of ``office_years`` are new; every other token is as it was."""
    after = tokens()
    changed = {key for key in set(before) | set(after) if before.get(key) != after.get(key)}
    assert changed == set(office_years)


# The tokens -------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", RECORDS, ids=lambda model: model.__name__)
@pytest.mark.parametrize("path", ["save", "update", "delete", "raw_update", "raw_delete"])
def test_every_write_to_a_record_gives_its_office_year_a_new_token_and_no_other(case, model, path):
    incident, record = case["incident"], case[model]
    before = tokens()
    assert office_year(incident) in before and office_year(case["other"]) in before
    table, pk = quoted(model)
    if path == "save":
        if model is CHANNELS:  # (the through table has no save of its own: the m2m's add)
            incident.channels.add(case["spare channel"])
        else:
            record.save()
    elif path == "update":
        model.objects.filter(pk=record.pk).update(**{model._meta.pk.attname: F(model._meta.pk.attname)})
    elif path == "delete":
        delete_with_records(record)  # (a committee case, measure or appeal under the flush's allowance)
    elif path == "raw_update":
        raw(f"UPDATE {table} SET {pk} = {pk} WHERE {pk} = %s", [record.pk])
    else:
        delete_with_records(record)  # what refers to it first (an appeal's measure...), then the row itself again
        with deletes_allowed():
            raw(f"DELETE FROM {table} WHERE {pk} = %s", [record.pk])
    assert_only_changed(before, office_year(incident))


def test_a_record_inserted_by_raw_sql_gives_its_office_year_a_new_token(case):
    measure = case[Measure]
    before = tokens()
    table, _pk = quoted(Measure)
    columns = [f.column for f in Measure._meta.concrete_fields if not f.primary_key]
    values = ["9" if column == "number" else connection.ops.quote_name(column) for column in columns]
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    raw(f"INSERT INTO {table} ({names}) SELECT {', '.join(values)} FROM {table} WHERE id = %s", [measure.pk])
    assert Measure.objects.filter(committee_case=measure.committee_case, number=9).exists()
    assert_only_changed(before, office_year(case["incident"]))


def test_an_incident_moved_to_another_year_or_office_changes_both(case):
    incident = case["incident"]
    before = tokens()
    Incident.objects.filter(pk=incident.pk).update(report_date=datetime.date(2023, 3, 4))
    assert_only_changed(before, (incident.office_id, 2024), (incident.office_id, 2023))
    before = tokens()
    other_office = case["other"].office
    table, pk = quoted(Incident)
    raw(f"UPDATE {table} SET office_id = %s WHERE {pk} = %s", [other_office.pk, incident.pk])
    assert_only_changed(before, (incident.office_id, 2023), (other_office.pk, 2023))


def test_an_incident_written_without_a_change_or_only_touched_keeps_its_token(case):
    incident = case["incident"]
    before = tokens()
    table, pk = quoted(Incident)
    raw(f"UPDATE {table} SET {pk} = {pk} WHERE {pk} = %s", [incident.pk])
    Incident.objects.filter(pk=incident.pk).update(updated_at=F("updated_at"))
    Incident.objects.filter(pk=incident.pk).update(updated_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC))
    assert tokens() == before
    Incident.objects.filter(pk=incident.pk).update(content_description="다른 설명")
    assert_only_changed(before, office_year(incident))


def test_incidents_inserted_and_deleted_in_bulk_change_their_office_years(case):
    incident = case["incident"]
    before = tokens()
    new = IncidentFactory.build(office=incident.office, school=incident.school, report_date=datetime.date(2019, 1, 2))
    Incident.objects.bulk_create([new])
    assert_only_changed(before, (incident.office_id, 2019))
    before = tokens()
    Incident.objects.filter(pk=case["other"].pk).delete()
    assert_only_changed(before, office_year(case["other"]))


@pytest.mark.parametrize("model", REFERENCE, ids=lambda model: model.__name__)
def test_a_write_to_reference_data_changes_every_key(case, model):
    before = tokens()
    row = model.objects.first()
    model.objects.filter(pk=row.pk).update(name_en=F("name_en"))
    assert_only_changed(before, EVERYTHING)


def test_rows_deleted_from_the_tokens_table_change_every_key(case):
    before = tokens()
    OfficeYearGeneration.objects.filter(office_id=case["other"].office_id).delete()
    after = tokens()
    assert after[EVERYTHING] != before.get(EVERYTHING)
    raw(f"DELETE FROM {quoted(OfficeYearGeneration)[0]}")  # (Django's flush on SQLite)
    assert set(tokens()) == {EVERYTHING} and tokens()[EVERYTHING] != after[EVERYTHING]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE runs no row trigger on PostgreSQL only")
def test_a_truncated_table_changes_every_key(case):
    raw("SET CONSTRAINTS ALL IMMEDIATE")  # (TRUNCATE waits for no deferred check of the fixture's rows)
    before = tokens()
    raw(f"TRUNCATE {quoted(CHANNELS)[0]}")  # (a table no key refers to)
    assert_only_changed(before, EVERYTHING)


def test_loaddata_gives_the_office_year_a_new_token(case, tmp_path):
    before = tokens()
    fixture = tmp_path / "victim.json"
    fixture.write_text(serializers.serialize("json", [case[Victim]]))
    call_command("loaddata", str(fixture), verbosity=0)
    assert_only_changed(before, office_year(case["incident"]))


# The reports ------------------------------------------------------------------------------------


def national() -> object:
    return UserFactory(supervisor=True, office=None)


def report(user, name="offices", **data):
    return run_report(REPORTS_BY_NAME[name], user, data)


def total(result, column: str = "measures") -> int:
    return next(row for row in result.tables[0].rows if row.kind == "total").cells[column]


def counted(user, name="offices", **data) -> tuple[int, object]:
    """(queries, result) of one run of the report."""
    with CaptureQueriesContext(connection) as queries:
        result = report(user, name, **data)
    return len(queries), result


def figures(result) -> list:
    return [[(row.value, row.label, row.cells, row.kind) for row in table.rows] for table in result.tables]


@pytest.mark.parametrize("name", [spec.name for spec in REPORT_LIST])
def test_a_report_computed_once_is_served_with_one_query(case, name):
    user = national()
    cold, first = counted(user, name)
    warm, second = counted(user, name)
    assert cold >= 2  # the tokens, then the report's own queries
    assert warm == 1  # the tokens only
    assert figures(second) == figures(first)
    # With the filters as another reader typed them: the same entry.
    dates = {"date_from": "2024-01-01", "date_to": "2024-12-31"}
    counted(user, name, **dates)
    assert counted(user, name, date_from="2024-1-1", date_to="2024-12-31")[0] == 1


@pytest.mark.parametrize("name", ["offices", "yearly", "channels"])
def test_a_warm_report_page_runs_no_report_query(case, client, django_assert_max_num_queries, name):
    """The page's own five (session, user, the session's save) and the filter form's offices, and the
    tokens: nothing of the report itself."""
    client.force_login(national())
    url = reverse("reports:detail", args=[name])
    cold = client.get(url)
    with django_assert_max_num_queries(7):
        warm = client.get(url)
    assert warm.status_code == 200
    assert [t.rows for t in warm.context["tables"]] == [t.rows for t in cold.context["tables"]]


def clerk_of(incident):
    return UserFactory(office=incident.office)


def new_measure(case, number: int) -> Measure:
    return Measure(
        committee_case=case[CommitteeCase],
        offender=case[Offender],
        law=case[Measure].law,
        number=number,
        decided_on=case[Measure].decided_on,
    )


def write_by_service(case):
    services.save_record(record=new_measure(case, 8), actor=clerk_of(case["incident"]))


def write_by_update(case):
    Measure.objects.filter(pk=case[Measure].pk).update(number=8)


def write_by_raw_update(case):
    raw(f"UPDATE {quoted(Measure)[0]} SET number = 8 WHERE id = %s", [case[Measure].pk])


def write_by_raw_insert(case):
    table, _pk = quoted(Measure)
    columns = [f.column for f in Measure._meta.concrete_fields if not f.primary_key]
    values = ["8" if column == "number" else connection.ops.quote_name(column) for column in columns]
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    raw(f"INSERT INTO {table} ({names}) SELECT {', '.join(values)} FROM {table} WHERE id = %s", [case[Measure].pk])


def write_by_loaddata(case, tmp_path):
    fixture = tmp_path / "measure.json"
    rows = json.loads(serializers.serialize("json", [case[Measure]]))
    rows[0]["fields"]["number"] = 8
    fixture.write_text(json.dumps(rows))
    call_command("loaddata", str(fixture), verbosity=0)


WRITES = {
    "service": (write_by_service, {"measures": 2, "heavy": 1}),
    "update": (write_by_update, {"measures": 1, "heavy": 1}),
    "raw_update": (write_by_raw_update, {"measures": 1, "heavy": 1}),
    "raw_insert": (write_by_raw_insert, {"measures": 2, "heavy": 1}),
    "loaddata": (write_by_loaddata, {"measures": 1, "heavy": 1}),
}


@pytest.mark.parametrize("path", list(WRITES))
def test_the_next_report_after_a_write_shows_the_new_figure(case, path, tmp_path):
    user = national()
    write, expected = WRITES[path]
    assert (total(report(user)), total(report(user), "heavy")) == (1, 0)  # (cold, then warm)
    if path == "loaddata":
        write(case, tmp_path)
    else:
        write(case)
    queries, result = counted(user)
    assert queries > 1, "computed again"
    assert {"measures": total(result), "heavy": total(result, "heavy")} == expected


def test_the_next_report_after_a_raw_delete_or_a_cascade_shows_the_new_figure(case):
    user = national()
    with deletes_allowed():  # (which only the flush has: ``no_delete``)
        case[Appeal].delete()
        assert total(report(user)) == 1
        raw(f"DELETE FROM {quoted(Measure)[0]} WHERE id = %s", [case[Measure].pk])
    assert total(report(user)) == 0
    MeasureFactory(committee_case=case[CommitteeCase], offender=case[Offender])
    assert total(report(user)) == 1
    delete_with_records(case[Offender])  # its measures go with it (as Django's cascade did)
    assert total(report(user)) == 0


def test_an_appeal_that_revokes_the_measure_shows_in_the_next_report(case):
    user = national()
    assert total(report(user)) == 1
    Appeal.objects.filter(pk=case[Appeal].pk).update(outcome=Appeal.Outcome.REVOKED, decided_on=F("filed_on"))
    assert total(report(user)) == 0


def test_the_next_report_after_an_admin_post_shows_the_new_figure(case, client):
    """The incident's change page: its police referral, which the survey counts."""
    incident = case["incident"]
    user = national()
    police = report(user, "survey").tables[0].rows[0].cells["police"]
    client.force_login(clerk_of(incident))
    url = reverse("admin:cases_incident_change", args=[incident.pk])
    data = page_data(client.get(url))
    data["police_referred_on"] = str(incident.report_date)
    response = client.post(url, data)
    assert response.status_code == 302, page_errors(response)
    assert report(user, "survey").tables[0].rows[0].cells["police"] == police + 1


def test_a_school_changing_level_shows_in_the_next_survey(case):
    user = national()
    before = report(user, "survey").tables[0].rows[0].cells
    school = case["incident"].school
    assert school.level == SchoolLevel.HIGH
    School.objects.filter(pk=school.pk).update(level=SchoolLevel.MIDDLE)
    after = report(user, "survey").tables[0].rows[0].cells
    assert (after["high"], after["middle"]) == (before["high"] - 1, before["middle"] + 1)


def test_a_write_in_one_office_leaves_another_offices_report_warm(case):
    user = national()
    here, there = case["incident"].office, case["other"].office
    MeasureFactory(committee_case__incident=case["other"])
    office_reader = UserFactory(supervisor=True, office=there)
    committed()
    assert total(report(user, office=there.code)) == 1
    assert total(report(office_reader)) == 1
    assert total(report(user, office=here.code)) == 1
    assert total(report(user)) == 2

    write_by_service(case)

    queries, result = counted(user, office=there.code)
    assert (queries, total(result)) == (2, 1)  # the office's code, the tokens: from the cache
    queries, result = counted(office_reader)
    assert (queries, total(result)) == (1, 1)
    queries, result = counted(user, office=here.code)
    assert queries > 2 and total(result) == 2
    queries, result = counted(user)
    assert queries > 1 and total(result) == 3


def test_a_write_in_one_year_leaves_another_years_report_warm_and_a_move_changes_both(case):
    user = national()
    incident = case["incident"]
    last_year = IncidentFactory(office=incident.office, school=incident.school, report_date=datetime.date(2023, 6, 1))
    MeasureFactory(committee_case__incident=last_year)
    committed()
    in_2023 = {"date_from": "2023-01-01", "date_to": "2023-12-31"}
    in_2024 = {"date_from": "2024-01-01", "date_to": "2024-12-31"}
    assert (total(report(user, **in_2023)), total(report(user, **in_2024))) == (1, 1)

    write_by_service(case)
    queries, result = counted(user, **in_2023)
    assert (queries, total(result)) == (1, 1)
    assert total(report(user, **in_2024)) == 2

    Incident.objects.filter(pk=incident.pk).update(report_date=datetime.date(2023, 3, 4))
    assert (total(report(user, **in_2023)), total(report(user, **in_2024))) == (3, 0)


def test_readers_of_other_scopes_and_languages_get_their_own_entries(case):
    other = case["other"]
    MeasureFactory(committee_case__incident=other)
    assert total(report(national())) == 2
    office_reader = UserFactory(supervisor=True, office=other.office)
    assert total(report(office_reader)) == 1
    with translation.override("en"):
        english = report(national()).tables[0].rows[-1].label
    with translation.override("ko"):
        korean = report(national()).tables[0].rows[-1].label
    assert (english, korean) == ("total", "합계")


def test_a_publication_from_the_cache_is_suppressed_as_before(case, client):
    client.force_login(national())
    url = reverse("reports:detail", args=["offices"])
    plain = client.get(url)
    published = client.get(url, {"publication": "1"})
    shown = {row.value: row.cells["measures"] for row in plain.context["tables"][0].rows}
    hidden = {row.value: row.cells["measures"] for row in published.context["tables"][0].rows}
    assert shown[case["incident"].office.code] == 1
    assert hidden[case["incident"].office.code] != 1  # a count of one is not published


def test_no_cache_when_its_time_is_zero(case, settings):
    settings.REPORTS_CACHE_SECONDS = 0
    user = national()
    report(user)
    assert counted(user)[0] > 1


def test_the_tokens_table_has_a_row_for_every_office_year_with_incidents_after_migrating(case):
    """The installation gives every office-year that had incidents a token (``bump_all_statement``):
    a key lists the rows found, so an office-year with cases must have one."""
    from casetracker.cases.generations import bump_all_statement

    raw(f"DELETE FROM {quoted(OfficeYearGeneration)[0]}")
    raw(bump_all_statement(connection.vendor))
    years = {(office, date.year) for office, date in Incident.objects.values_list("office_id", "report_date")}
    assert set(tokens()) == years | {EVERYTHING}


def test_refresh_case_status_gives_every_office_year_a_new_token(case):
    """After a restore with the triggers off, the refresh leaves no cached report standing."""
    before = tokens()
    call_command("refresh_case_status", stdout=io.StringIO())
    after = tokens()
    assert all(after[key] != token for key, token in before.items())


def test_dates_that_filter_another_date_read_every_year(case, monkeypatch):
    """The tokens' year is the report date's: a date filter on any other date cannot narrow the years."""
    from casetracker.reports import cache
    from casetracker.reports.reporting import filtered_incidents

    filters = filtered_incidents(national(), {"date_from": "2024-01-01"})
    assert cache._read_years(filters) == (2024, None)
    monkeypatch.setattr(filters.filters["date_from"], "field_name", "committee_cases__hearing_date")
    assert cache._read_years(filters) == (None, None)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite gives the tokens at once: one writer at a time")
def test_a_transaction_changes_the_tokens_at_its_commit_and_its_own_reports_are_kept_nowhere(case):
    user = national()
    assert counted(user)[0] > 1 and counted(user)[0] == 1
    before = {(row.office_id, row.year): row.token for row in OfficeYearGeneration.objects.all()}
    write_by_service(case)
    # Not yet: the token row is not written (nor locked) before the commit.
    assert {(row.office_id, row.year): row.token for row in OfficeYearGeneration.objects.all()} == before
    assert PendingGeneration.objects.filter(office_id=case["incident"].office_id, year=2024).exists()
    # Inside the transaction: its own figures, computed each time and kept for no one.
    for _ in range(2):
        queries, result = counted(user)
        assert queries > 1 and total(result) == 2
    committed()
    assert not PendingGeneration.objects.exists()
    assert_only_changed(before, office_year(case["incident"]))
    queries, result = counted(user)
    assert queries > 1 and total(result) == 2
    assert counted(user)[0] == 1
