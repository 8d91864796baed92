"""Drill-down lists: every count links to exactly the cases behind it, within the user's scope.

The count-by-count check runs on the shipped dataset (the ``shipped_data`` fixture); the
tests about names and query counts build their own cases with factories.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casetracker.cases.models import Measure
from casetracker.core.models import Office
from casetracker.reports.definitions import REPORT_LIST
from casetracker.reports.engine import CountColumn
from tests.factories import IncidentFactory, MeasureFactory, OfficeFactory, SchoolFactory, UserFactory
from tests.reports.test_cache import committed
from tests.reports.test_pages import (
    OFFENDER_NAME,
    QUERY_BOUNDS,
    TABLE_A,
    VICTIM_NAME,
    build_cases,
)

REPORT_NAMES = [report.name for report in REPORT_LIST]


@pytest.fixture
def national(shipped_data, db, client):
    client.force_login(UserFactory(supervisor=True, office=None))
    return client


@pytest.fixture
def seoul_clerk(shipped_data, db, client):
    client.force_login(UserFactory(office=Office.objects.get(code="seoul")))
    return client


def cases_url(name, **params):
    return f"{reverse('reports:cases', args=[name])}?{'&'.join(f'{k}={v}' for k, v in params.items())}"


def count_cells(response):
    """(number, link) for every count cell of every table on a report page, subtotals and totals too."""
    found = []
    for table, shown in zip(response.context["tables"], response.context["shown"], strict=True):
        columns = table.spec.columns
        for row, shown_row in zip(table.rows, shown.rows, strict=True):
            for column, cell in zip(columns, shown_row.cells, strict=True):
                if isinstance(column, CountColumn):
                    found.append((row.cells[column.key], cell.url, f"{table.spec.key}/{row.value}/{column.key}"))
    return found


def listed(response):
    """Every row of a drill-down list (its queryset), not only the page shown."""
    return response.context["table"].data.data


def on_page(response):
    return [row.record for row in response.context["table"].page.object_list]


def drilled(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_every_count_links_to_exactly_the_cases_behind_it(national, name):
    response = national.get(reverse("reports:detail", args=[name]))
    cells = count_cells(response)
    kinds = {row.kind for table in response.context["tables"] for row in table.rows}
    assert cells
    assert "row" in kinds
    for number, url, where in cells:
        assert url, f"{where} has no link"
        drill = drilled(national, url)
        assert listed(drill).count() == number, where  # the rows themselves, counted
        assert drill.context["table"].paginator.count == number, where
        assert drill.context["count"] == number, where
        rows_on_page = len(drill.context["table"].page.object_list)
        assert rows_on_page == min(number, 50), where


def test_subtotal_and_total_rows_link_too(national):
    response = national.get(reverse("reports:detail", args=["measures"]), TABLE_A)
    links = {where: (number, url) for number, url, where in count_cells(response)}
    assert links["main/off_record/count"][0] == 347
    assert links["main/total/count"][0] == 629
    assert drilled(national, links["main/off_record/count"][1]).context["count"] == 347
    assert drilled(national, links["main/total/count"][1]).context["count"] == 629
    assert drilled(national, links["main/9/count"][1]).context["count"] == 2


def test_the_drill_down_keeps_the_filters(national):
    filtered = national.get(reverse("reports:detail", args=["offices"]), {**TABLE_A, "school_level": "high"})
    everything = national.get(reverse("reports:detail", args=["offices"]))
    filtered_links = {where: (number, url) for number, url, where in count_cells(filtered)}
    all_links = {where: (number, url) for number, url, where in count_cells(everything)}
    number, url = filtered_links["main/total/measures"]
    query = parse_qs(urlsplit(url).query)
    assert query["date_from"] == ["2022-01-01"]
    assert query["date_to"] == ["2024-08-31"]
    assert query["school_level"] == ["high"]
    drill = drilled(national, url)
    assert drill.context["count"] == number
    assert number < all_links["main/total/measures"][0]
    assert (
        drilled(national, all_links["main/total/measures"][1]).context["count"] == all_links["main/total/measures"][0]
    )
    # The filters are stated on the list, and the list is what they let through.
    assert dict(drill.context["filters"].applied)
    levels = {measure.committee_case.incident.school.level for measure in listed(drill)}
    assert levels == {"high"}
    # Changing only the dates changes the list as it changes the cell.
    number_2024, url_2024 = {
        where: (n, u)
        for n, u, where in count_cells(
            national.get(reverse("reports:detail", args=["offices"]), {"date_from": "2024-01-01"})
        )
    }["main/seoul/measures"]
    assert drilled(national, url_2024).context["count"] == number_2024


def test_a_seoul_clerk_gets_nothing_of_gyeonggi(seoul_clerk):
    response = seoul_clerk.get(cases_url("offices", table="main", row="gyeonggi", column="measures"))
    assert response.status_code == 404
    assert "Gyeonggi" not in response.content.decode()
    assert "경기도교육청" not in response.content.decode()
    # The whole table's total is the clerk's own office only.
    response = drilled(seoul_clerk, cases_url("offices", table="main", row="total", column="measures", **TABLE_A))
    assert response.context["count"] == 89
    offices = {measure.committee_case.incident.office.code for measure in listed(response)}
    assert offices == {"seoul"}
    for name, column in (("survey", "victims"), ("yearly", "reports")):
        row = "all" if name == "survey" else "2024"
        response = drilled(seoul_clerk, cases_url(name, table="main", row=row, column=column))
        assert listed(response).exists()
        offices = {(getattr(record, "incident", None) or record).office.code for record in listed(response)}
        assert offices == {"seoul"}


@pytest.mark.parametrize(
    "params",
    [
        {"table": "nope", "row": "total", "column": "measures"},
        {"row": "total", "column": "measures"},
        {"table": "main", "row": "total", "column": "nope"},
        {"table": "main", "row": "total", "column": "heavy_pct"},  # a share, not a count
        {"table": "main", "row": "total"},
        {"table": "main", "row": "atlantis", "column": "measures"},
        {"table": "main", "column": "measures"},
    ],
)
def test_bad_cells_are_not_found_on_the_offices_report(national, params):
    url = f"{reverse('reports:cases', args=['offices'])}?{'&'.join(f'{k}={v}' for k, v in params.items())}"
    assert national.get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("yearly", {"table": "main", "row": "twenty", "column": "reports"}),
        ("yearly", {"table": "main", "row": "99999", "column": "reports"}),
        ("yearly", {"table": "main", "row": "-1", "column": "reports"}),
        ("yearly", {"table": "main", "row": "2024.0", "column": "reports"}),
        ("measures", {"table": "main", "row": "10", "column": "count"}),
        ("measures", {"table": "main", "row": "nine", "column": "count"}),
        ("measures", {"table": "main", "row": "9", "column": "tier"}),  # a text column
        ("survey", {"table": "main", "row": "total", "column": "reports"}),  # the survey has no total row
        ("channels", {"table": "main", "row": "total", "column": "reports"}),
        ("channels", {"table": "channels", "row": "carrier-pigeon", "column": "reports"}),
        ("no-such-report", {"table": "main", "row": "total", "column": "reports"}),
    ],
)
def test_bad_cells_are_not_found(national, name, params):
    assert national.get(cases_url(name, **params)).status_code == 404


def test_row_values_arrive_as_strings_and_become_the_dimensions_type(national):
    assert drilled(national, cases_url("yearly", table="main", row="2023", column="reports", **TABLE_A)).context[
        "count"
    ] == (119)
    response = drilled(national, cases_url("measures", table="main", row="9", column="count", **TABLE_A))
    assert response.context["count"] == 2
    assert response.context["row_label"].startswith("9.")


def test_invalid_filters_on_a_drill_down_are_a_bad_request(national):
    response = national.get(cases_url("offices", table="main", row="total", column="measures", date_from="2024-99-01"))
    assert response.status_code == 400
    assert "date_from" in response.context["filters"].form.errors


def test_drill_down_links_go_to_the_incident_and_show_no_names(client, db):
    build_cases(4, names=True)
    client.force_login(UserFactory(supervisor=True, office=None))
    for name in REPORT_NAMES:
        # (Filtered to the offices made here, should the shipped data be loaded in this process.)
        response = client.get(reverse("reports:detail", args=[name]), {"office": "qc-one"})
        for _number, url, where in count_cells(response):
            page = client.get(url).content.decode()
            assert VICTIM_NAME not in page, where
            assert OFFENDER_NAME not in page, where
    response = drilled(client, cases_url("survey", table="main", row="all", column="victims", office="qc-one"))
    page = response.content.decode()
    victim = on_page(response)[0]
    assert reverse("admin:cases_incident_change", args=[victim.incident.pk]) in page
    assert victim.code in page


# One for the session and the user, three to save the session, one for the filter form's offices
# (dates only: none), then the tokens of the report's cell (its count, from the cache: no COUNT of the
# rows, reporting.cell_count) and the page.
DRILL_DOWN_QUERIES = 7


@pytest.mark.parametrize("size", [1, 10])
@pytest.mark.parametrize(
    ("name", "row", "column"),
    [
        ("offices", "total", "measures"),
        ("yearly", "2022", "offenders"),
        ("survey", "all", "victims"),
        ("survey", "all", "takedown"),
        ("teacher-rights", "total", "measures"),
        ("channels", "total", "reports"),
        ("timeliness", "total", "referred"),
    ],
)
def test_drill_down_query_count_does_not_grow(client, db, django_assert_max_num_queries, size, name, row, column):
    build_cases(size)
    committed()  # (PostgreSQL: the tokens given, as the commit would, so the report's figures are kept)
    client.force_login(UserFactory(supervisor=True, office=None))
    table = "channels" if name == "channels" else "main"
    url = cases_url(name, table=table, row=row, column=column, date_from="2022-01-01")
    with CaptureQueriesContext(connection) as cold:  # the report computed for the cell's count
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(DRILL_DOWN_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert response.context["count"] > 0
    assert len(cold) <= DRILL_DOWN_QUERIES + QUERY_BOUNDS[name]


def test_a_drill_down_without_the_cache_counts_its_rows(client, db, settings):
    settings.REPORTS_CACHE_SECONDS = 0
    build_cases(3)
    client.force_login(UserFactory(supervisor=True, office=None))
    response = drilled(client, cases_url("offices", table="main", row="total", column="measures", office="qc-one"))
    assert response.context["count"] == listed(response).count() == 2


def test_a_drill_down_after_a_write_counts_the_new_row(client, db):
    build_cases(3)
    client.force_login(UserFactory(supervisor=True, office=None))
    url = cases_url("offices", table="main", row="qc-one", column="measures")
    assert drilled(client, url).context["count"] == 2
    measure = Measure.objects.filter(committee_case__incident__office__code="qc-one", number=1).get()
    MeasureFactory(committee_case=measure.committee_case, offender=measure.offender, number=8)
    committed()
    drill = drilled(client, url)
    assert drill.context["count"] == listed(drill).count() == 3


def test_drill_down_pages_by_fifty(client, db):
    office = OfficeFactory(code="qc-one")
    IncidentFactory.create_batch(120, office=office, school=SchoolFactory(office=office))  # the survey counts each
    client.force_login(UserFactory(supervisor=True, office=None))
    url = cases_url("survey", table="main", row="all", column="reports", office="qc-one")
    first = drilled(client, url)
    assert first.context["count"] == 120
    assert len(on_page(first)) == 50
    last = drilled(client, url + "&page=3")
    assert len(on_page(last)) == 20
    assert "page=2" in last.content.decode()
    with CaptureQueriesContext(connection) as first_page:
        drilled(client, url)
    with CaptureQueriesContext(connection) as third_page:
        drilled(client, url + "&page=3")
    assert len(first_page) == len(third_page)
    assert drilled(client, url + "&page=99").context["table"].page.number == 3
    assert drilled(client, url + "&page=abc").context["table"].page.number == 1
    assert drilled(client, url + "&per_page=500").context["table"].paginator.per_page == 50
