"""Report pages: every published figure through the web page, who may open them, filters,
query counts, the print page and the chart.

The published figures come from the shipped dataset (the ``shipped_data`` fixture, tests/conftest.py);
the tests that count queries or look for names build their own cases with factories.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casetracker.cases.models import Victim
from casetracker.core.models import Committee, Office
from casetracker.reports.definitions import REPORT_LIST
from tests.factories import (
    ChannelFactory,
    CommitteeCaseFactory,
    CommitteeFactory,
    IncidentFactory,
    MeasureFactory,
    OffenderFactory,
    OfficeFactory,
    SchoolFactory,
    TakedownRequestFactory,
    UserFactory,
    VictimFactory,
)

REPORT_NAMES = [report.name for report in REPORT_LIST]
TABLE_A = {"date_from": "2022-01-01", "date_to": "2024-08-31"}
SURVEY = {"date_from": "2024-01-01", "date_to": "2024-09-27"}
VICTIM_NAME = "김비밀피해자"
OFFENDER_NAME = "이비밀가해자"


@pytest.fixture
def national(shipped_data, db, client):
    client.force_login(UserFactory(supervisor=True, office=None))
    return client


def open_report(client, name, params=None, status=200):
    response = client.get(reverse("reports:detail", args=[name]), params or {})
    assert response.status_code == status
    return response


def cells(response, table="main"):
    """The figures the page shows, by row value: read from the tables in the page's context."""
    shown = next(t for t in response.context["tables"] if t.spec.key == table)
    return {row.value: row.cells for row in shown.rows}


def html(response) -> str:
    return response.content.decode()


# Table A: school violence review committees -------------------------------------------------


def test_offices_report_shows_table_a(national):
    response = open_report(national, "offices", TABLE_A)
    rows = cells(response)
    total = rows["total"]
    assert (total["measures"], total["off_record"], total["heavy"], total["expulsion"]) == (629, 347, 99, 2)
    assert total["heavy_pct"] == Decimal("15.7")
    assert (rows["gyeonggi"]["measures"], rows["gyeonggi"]["heavy"], rows["gyeonggi"]["heavy_pct"]) == (
        181,
        21,
        Decimal("11.6"),
    )
    assert (rows["seoul"]["measures"], rows["seoul"]["heavy"], rows["seoul"]["heavy_pct"]) == (89, 8, Decimal("9.0"))
    # The 17 offices in domain.md's order, then the total.
    assert [row.value for row in response.context["tables"][0].rows][:2] == ["seoul", "busan"]
    assert len(response.context["tables"][0].rows) == 18
    page = html(response)
    for figure in (">629</a>", ">347</a>", ">181</a>", ">89</a>", ">15.7<", ">11.6<", ">9.0<"):
        assert figure in page
    assert "Gyeonggi" in page or "경기도교육청" in page
    assert "unit:" in page or "단위" in page


def test_measures_report_shows_table_a_shares(national):
    rows = cells(open_report(national, "measures", TABLE_A))
    assert rows["total"]["count"] == 629
    assert (rows["off_record"]["count"], rows["off_record"]["pct"]) == (347, Decimal("55.2"))
    assert (rows["heavy"]["count"], rows["heavy"]["pct"]) == (99, Decimal("15.7"))
    assert (rows[9]["count"], rows[9]["pct"]) == (2, Decimal("0.3"))
    assert sum(rows[number]["count"] for number in range(1, 10)) == 629


def test_yearly_report_shows_table_a(national):
    response = open_report(national, "yearly", TABLE_A)
    rows = cells(response)
    assert [(rows[y]["reports"], rows[y]["heard"], rows[y]["offenders"]) for y in (2022, 2023, 2024)] == [
        (60, 29, 50),
        (119, 80, 118),
        (241, 107, 260),
    ]
    assert (rows[2022]["student_victims"], rows[2024]["student_victims"]) == (48, 536)
    assert (rows["total"]["reports"], rows["total"]["heard"], rows["total"]["offenders"]) == (420, 216, 428)
    page = html(response)
    assert ">241</a>" in page
    assert ">536</a>" in page


# Table B: the ministry's survey ------------------------------------------------------------


def test_survey_report_shows_table_b(national):
    response = open_report(national, "survey", SURVEY)
    row = cells(response)["all"]
    assert row["reports"] == 504
    assert (row["high"], row["middle"], row["elementary"], row["special"]) == (279, 209, 16, 0)
    assert (row["police"], row["takedown"]) == (417, 218)
    assert (row["victims"], row["student_victims"], row["teacher_victims"], row["staff_victims"]) == (833, 799, 31, 3)
    page = html(response)
    assert ">504</a>" in page
    assert ">833</a>" in page


# Table C: teacher rights protection committees ----------------------------------------------


def test_teacher_rights_report_shows_table_c(national):
    rows = cells(open_report(national, "teacher-rights", TABLE_A))
    figures = {
        year: (rows[year]["reports"], rows[year]["teacher_victims"], rows[year]["student_offenders"])
        for year in (2022, 2023, 2024)
    }
    assert figures == {2022: (0, 0, 0), 2023: (8, 12, 10), 2024: (20, 21, 36)}


# Who may open the pages -----------------------------------------------------------------------


def report_urls(name):
    return [
        reverse("reports:detail", args=[name]),
        reverse("reports:print", args=[name]),
    ]


@pytest.mark.parametrize("name", REPORT_NAMES)
@pytest.mark.parametrize("role", ["clerk", "supervisor", "national_supervisor"])
def test_every_report_page_opens_for_readers(client, shipped_data, db, name, role):
    seoul = Office.objects.get(code="seoul")
    user = {
        "clerk": lambda: UserFactory(office=seoul),
        "supervisor": lambda: UserFactory(supervisor=True, office=seoul),
        "national_supervisor": lambda: UserFactory(supervisor=True, office=None),
    }[role]()
    client.force_login(user)
    assert client.get(reverse("reports:index")).status_code == 200
    for url in report_urls(name):
        response = client.get(url, TABLE_A)
        assert response.status_code == 200, url
        assert response.context["valid"] is True


def test_admins_are_refused_and_anonymous_users_sent_to_log_in(client, db):
    urls = [reverse("reports:index")]
    for name in REPORT_NAMES:
        urls += [*report_urls(name), reverse("reports:cases", args=[name]) + "?table=main&row=total&column=x"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login") + "?next=")
    client.force_login(UserFactory(role="admin", office=None))
    for url in urls:
        assert client.get(url).status_code == 403, url


def test_unknown_report_is_not_found(national):
    assert national.get(reverse("reports:detail", args=["no-such-report"])).status_code == 404
    assert national.get(reverse("reports:print", args=["no-such-report"])).status_code == 404


def test_home_sends_supervisors_to_reports_clerks_to_their_queue_and_admins_to_the_admin(client, db):
    assert client.get("/").url == reverse("admin:index")
    client.force_login(UserFactory(supervisor=True, office=None))
    assert client.get("/").url == reverse("reports:index")
    client.force_login(UserFactory())
    assert client.get("/").url == reverse("workflow:queue")
    client.force_login(UserFactory(role="admin", office=None))
    assert client.get("/").url == reverse("admin:index")


def test_a_seoul_clerk_sees_only_seoul(client, shipped_data, db):
    client.force_login(UserFactory(office=Office.objects.get(code="seoul")))
    response = open_report(client, "offices", TABLE_A)
    table = response.context["tables"][0]
    assert [row.value for row in table.body] == ["seoul"]
    assert (table.rows[-1].cells["measures"], table.rows[-1].cells["heavy"]) == (89, 8)
    page = html(response)
    assert "gyeonggi" not in page
    assert "경기도교육청" not in page and "Gyeonggi" not in page
    printed = client.get(reverse("reports:print", args=["offices"]), TABLE_A)
    assert [row.value for row in printed.context["tables"][0].body] == ["seoul"]
    assert "경기도교육청" not in html(printed) and "Gyeonggi" not in html(printed)
    timeliness = cells(open_report(client, "timeliness"))
    assert set(timeliness) == {"seoul", "total"}
    # Another office in the filter is not a choice: the form says so, and shows nothing.
    response = open_report(client, "offices", {"office": "gyeonggi"})
    assert "office" in response.context["filters"].form.errors
    assert response.context["tables"] == []


def test_index_lists_every_report_with_its_unit_and_keeps_the_filters(national):
    response = national.get(reverse("reports:index"), {**TABLE_A, "office": "seoul"})
    page = html(response)
    for report in REPORT_LIST:
        assert reverse("reports:detail", args=[report.name]) + "?date_from=2022-01-01&amp;date_to=2024-08-31" in page
        assert str(report.title) in page
        assert str(report.unit) in page
    assert "office=seoul" in page


# Filters ------------------------------------------------------------------------------------------


def test_filters_are_applied_and_kept_in_every_link(national):
    response = open_report(national, "offices", {**TABLE_A, "office": "seoul"})
    rows = cells(response)
    assert rows["seoul"]["measures"] == 89
    assert rows["gyeonggi"]["measures"] == 0
    assert rows["total"]["measures"] == 89
    assert response.context["filters"].form["office"].value() == "seoul"
    query = "date_from=2022-01-01&date_to=2024-08-31&office=seoul"
    for key in ("csv_url", "xlsx_url", "print_url"):
        assert response.context[key].endswith(f"?{query}")
    links = [cell.url for row in response.context["shown"][0].rows for cell in row.cells if cell.url]
    assert links
    assert all(f"?{query}&table=main&row=" in link for link in links)
    applied = dict(response.context["filters"].applied)
    assert sorted(applied.values()) == sorted(["2022-01-01", "2024-08-31", Office.objects.get(code="seoul").name])


def test_school_level_filter(national):
    row = cells(open_report(national, "survey", {**SURVEY, "school_level": "high"}))["all"]
    assert (row["reports"], row["high"], row["middle"], row["elementary"]) == (279, 279, 0, 0)


def test_committee_kind_filter(national):
    row = cells(open_report(national, "survey", {**TABLE_A, "committee_kind": Committee.Kind.TEACHER_RIGHTS}))["all"]
    assert row["reports"] == 0 + 8 + 20  # table C's reports
    row = cells(open_report(national, "survey", {**TABLE_A, "committee_kind": Committee.Kind.SCHOOL_VIOLENCE}))["all"]
    assert row["reports"] == 420  # table A's reports referred


def test_date_filters(national):
    rows = cells(open_report(national, "yearly", {"date_from": "2023-01-01", "date_to": "2024-08-31"}))
    assert 2022 not in rows
    assert (rows[2023]["reports"], rows[2024]["reports"]) == (119, 241)
    everything = cells(open_report(national, "yearly"))
    assert everything["total"]["reports"] > 420  # the dataset goes on after August 2024


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2024-13-45"}, "date_from"),
        ({"date_to": "yesterday"}, "date_to"),
        ({"date_from": "2024-05-01", "date_to": "2024-04-30"}, "date_to"),
        ({"office": "atlantis"}, "office"),
        ({"school_level": "university"}, "school_level"),
        ({"committee_kind": "parliament"}, "committee_kind"),
    ],
)
def test_invalid_filters_show_the_form_with_errors(national, params, field):
    response = open_report(national, "offices", params)
    form = response.context["filters"].form
    assert list(form.errors) == [field]
    assert response.context["tables"] == []
    page = html(response)
    assert 'class="errorlist"' in page
    assert f'aria-describedby="id_{field}_error"' in page or 'aria-invalid="true"' in page
    print_page = national.get(reverse("reports:print", args=["offices"]), params)
    assert print_page.status_code == 200
    assert print_page.context["tables"] == []


# Publication ---------------------------------------------------------------------------------------


def test_publication_toggle_hides_small_counts_without_links(national):
    pytest.importorskip("casetracker.reports.suppression")
    response = open_report(national, "timeliness", {**TABLE_A, "office": "sejong"})
    assert (
        'href="/reports/timeliness/?date_from=2022-01-01&amp;date_to=2024-08-31&amp;office=sejong&amp;publication=1"'
        in (html(response))
    )
    response = open_report(national, "timeliness", {**TABLE_A, "office": "sejong", "publication": "1"})
    shown = response.context["shown"][0]
    hidden = [cell for row in shown.rows for cell in row.cells if cell.kind == "hidden"]
    assert hidden, "Sejong's small counts should be suppressed"
    assert all(cell.text in ("<5", "x") and not cell.url for cell in hidden)
    visible_counts = [cell for row in shown.rows for cell in row.cells if cell.kind == "count"]
    assert all(cell.url for cell in visible_counts)
    for row in response.context["tables"][0].rows:
        for value in row.cells.values():
            assert not (isinstance(value, int) and 0 < value < 5)
    page = html(response)
    assert "&lt;5" in page
    assert "<5" not in page  # escaped everywhere, in the cells and in the notes
    assert "publication=1" in response.context["csv_url"]
    assert "publication=1" in response.context["print_url"]


# The print page and the chart ----------------------------------------------------------------------


def test_print_page_has_the_report_but_no_nav_or_forms(national):
    response = national.get(reverse("reports:print", args=["offices"]), TABLE_A)
    assert response.status_code == 200
    page = html(response)
    assert "site-nav" not in page
    assert "<nav" not in page
    assert "<form" not in page
    assert "<svg" in page
    assert ">629<" in page
    assert "2022-01-01" in page
    assert cells(response)["total"]["measures"] == 629


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_report_page_has_layout_chart_and_files(national, name):
    page = html(open_report(national, name, TABLE_A))
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"' in page
    assert "<title id=" in page and "<desc id=" in page
    assert 'class="legend"' in page
    for url_name in ("reports:csv", "reports:xlsx", "reports:print"):
        assert f'href="{reverse(url_name, args=[name])}?date_from=2022-01-01&amp;date_to=2024-08-31"' in page
    assert reverse("set_language") in page
    assert reverse("admin:logout") in page
    assert reverse("accounts:two_factor") in page
    assert 'href="#main"' in page and '<main id="main"' in page
    assert "<caption>" in page and '<th scope="col">' in page and '<th scope="row">' in page
    assert "casetracker/casetracker.css" in page
    assert "style=" not in page
    assert "<script" not in page
    assert "<5" not in page
    assert "national" in page or "전국" in page


def test_every_form_control_has_a_label(national):
    page = html(open_report(national, "offices"))
    for field in ("date_from", "date_to", "office", "school_level", "committee_kind"):
        assert f'<label for="id_{field}">' in page


# Query counts and names: built with factories -----------------------------------------------------


def build_cases(count: int, *, names: bool = False, offices: tuple[str, ...] = ("qc-one", "qc-two")) -> None:
    """``count`` incidents over ``offices`` (the first ones get the remainder) and three years, with
    people, measures and requests."""
    channel = ChannelFactory()
    for position, office_code in enumerate(offices):
        office = OfficeFactory(code=office_code)
        school = SchoolFactory(office=office)
        sv = CommitteeFactory(office=office, local_office=school.local_office)
        tr = CommitteeFactory(office=office, local_office=school.local_office, kind=Committee.Kind.TEACHER_RIGHTS)
        for index in range(count // len(offices) + (position < count % len(offices))):
            incident = IncidentFactory(
                office=office,
                school=school,
                report_date=datetime.date(2022 + index % 3, 3, 2),
                channels=[channel],
            )
            VictimFactory(incident=incident, name=VICTIM_NAME if names else "")
            VictimFactory(incident=incident, teacher=True)
            measure = MeasureFactory(
                committee_case__incident=incident,
                committee_case__committee=sv,
                offender__name=OFFENDER_NAME if names else "",
                number=1 + index % 9,
            )
            OffenderFactory(incident=incident, unidentified=True)
            TakedownRequestFactory(incident=incident)
            if index % 4 == 0:
                MeasureFactory(
                    committee_case=CommitteeCaseFactory(incident=incident, committee=tr, heard=True),
                    offender=measure.offender,
                    number=2,
                )


# Five for every page: the session and the user, and the session's save (SESSION_SAVE_EVERY_REQUEST:
# savepoint, update, release). One for the filter form's offices, one for the tokens of the office-years
# the report reads (its key in the cache, reports/cache.py; a report found there costs nothing more,
# tests/reports/test_cache.py). Then the report computed: one grouped query
# per unit of each table (three units in the yearly table, four in teacher-rights, two tables in
# "channels"), the total from the groups' sums, and the offices in scope for the tables by office.
# Subtotals, shares and the chart come from those counts. The channel table counts an incident's
# links to its channels (engine.Link; 10 -> 12, over a million incidents a fifth of the time on SQLite,
# half on PostgreSQL): nationally without filters, the links by channel, the incidents among the links,
# and the incidents (the total; the difference is "not recorded"); otherwise (11) the incidents joined to
# their links by channel, and the incidents. Then the codes of the channels found, and their names.
# The tables by year have a row for every year from the first report to the last, found with two
# index probes (9 -> 11 and 10 -> 12): with the rows known beforehand, the incidents' own count
# filters in WHERE instead of reading every incident (teacher-rights at a million: 0.7 s less).
QUERY_BOUNDS = {
    "offices": 9,
    "measures": 8,
    "yearly": 12,
    "survey": 10,
    "teacher-rights": 13,
    "channels": 13,
    "timeliness": 9,
}


@pytest.mark.parametrize("size", [1, 10])
@pytest.mark.parametrize("name", REPORT_NAMES)
def test_report_query_count_does_not_grow_with_the_data(client, db, django_assert_max_num_queries, name, size):
    build_cases(size)
    client.force_login(UserFactory(supervisor=True, office=None))
    params = {"date_from": "2022-01-01", "date_to": "2024-12-31", "school_level": "high"}
    with django_assert_max_num_queries(QUERY_BOUNDS[name]):
        response = client.get(reverse("reports:detail", args=[name]), params)
    assert response.status_code == 200
    shown = response.context["tables"][0]
    assert any(value for row in shown.rows for value in row.cells.values() if isinstance(value, int))


def test_query_count_is_the_same_for_1_and_10_incidents(client, db):
    """The bound above is not slack: the count is exactly the same for both sizes."""
    client.force_login(UserFactory(supervisor=True, office=None))
    counts = {}
    for size, more in ((1, 1), (10, 9)):
        build_cases(more)
        counts[size] = {}
        for name in REPORT_NAMES:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse("reports:detail", args=[name])).status_code == 200
            counts[size][name] = len(queries)
    assert counts[1] == counts[10]


def test_no_name_on_any_report_page(client, db):
    build_cases(6, names=True)
    assert Victim.objects.filter(name=VICTIM_NAME).exists()
    client.force_login(UserFactory(supervisor=True, office=None))
    pages = [reverse("reports:index")]
    for name in REPORT_NAMES:
        pages += report_urls(name)
    for url in pages:
        for params in ({}, {"publication": "1"}):
            page = html(client.get(url, params))
            assert VICTIM_NAME not in page, url
            assert OFFENDER_NAME not in page, url
