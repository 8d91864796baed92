"""manage.py report: every published figure (domain.md tables A, B and C) from the command line,
its JSON keys, text and CSV output, scopes, and a clear error with exit status 2 on bad input.
"""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from casetracker.accounts.models import User
from casetracker.audit.models import AccessLog
from casetracker.core.models import Office
from casetracker.reports.definitions import MEASURES_REPORT, OFFICES, REPORT_LIST, SURVEY, YEARLY
from tests.factories import UserFactory

TABLE_A = ("--from", "2022-01-01", "--to", "2024-08-31")
TABLE_B = ("--from", "2024-01-01", "--to", "2024-09-27")
YEARS = {
    2022: ("--from", "2022-01-01", "--to", "2022-12-31"),
    2023: ("--from", "2023-01-01", "--to", "2023-12-31"),
    2024: ("--from", "2024-01-01", "--to", "2024-08-31"),
}


pytestmark = pytest.mark.usefixtures("shipped_data", "db")


def report(*args: str) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def report_json(*args: str) -> dict:
    return json.loads(report(*args, "--format", "json"))


def by(rows: list[dict], key: str) -> dict:
    return {row[key]: row for row in rows}


# Table A: school violence review committees ---------------------------------------------------


def test_table_a_measures_by_office():
    output = report_json("offices", *TABLE_A)
    assert output["report"] == "offices"
    assert output["total"] == {
        "measures": 629,
        "off_record": 347,
        "recorded": 183,
        "heavy": 99,
        "expulsion": 2,
        "heavy_pct": 15.7,
    }
    offices = by(output["rows"], "office")
    assert list(offices) == list(Office.objects.values_list("code", flat=True))
    assert (offices["gyeonggi"]["measures"], offices["gyeonggi"]["heavy"], offices["gyeonggi"]["heavy_pct"]) == (
        181,
        21,
        11.6,
    )
    assert (offices["seoul"]["measures"], offices["seoul"]["heavy"], offices["seoul"]["heavy_pct"]) == (89, 8, 9.0)
    assert max(offices.values(), key=lambda row: row["measures"])["office"] == "gyeonggi"
    assert offices["seoul"]["office_name"] == Office.objects.get(code="seoul").name


def test_table_a_measures_by_kind():
    output = report_json("measures", *TABLE_A)
    assert output["total"] == {"count": 629, "pct": 100.0}
    subtotals = by(output["subtotals"], "tier")
    assert (subtotals["off_record"]["count"], subtotals["off_record"]["pct"]) == (347, 55.2)
    assert (subtotals["heavy"]["count"], subtotals["heavy"]["pct"]) == (99, 15.7)
    assert subtotals["recorded"]["count"] == 183
    rows = by(output["rows"], "number")
    assert list(rows) == list(range(1, 10))
    assert (rows[9]["count"], rows[9]["pct"]) == (2, 0.3)  # not the press's "3 %"
    assert sum(row["count"] for row in rows.values()) == 629


def test_table_a_by_year_over_the_whole_period():
    output = report_json("yearly", *TABLE_A)
    years = by(output["rows"], "year")
    assert [(y, r["reports"], r["heard"], r["offenders"]) for y, r in years.items()] == [
        (2022, 60, 29, 50),
        (2023, 119, 80, 118),
        (2024, 241, 107, 260),
    ]
    assert (years[2022]["student_victims"], years[2024]["student_victims"]) == (48, 536)
    assert {key: output["total"][key] for key in ("reports", "heard", "offenders")} == {
        "reports": 420,
        "heard": 216,
        "offenders": 428,
    }


@pytest.mark.parametrize(
    ("year", "reports", "heard", "offenders", "student_victims"),
    [(2022, 60, 29, 50, 48), (2023, 119, 80, 118, None), (2024, 241, 107, 260, 536)],
)
def test_table_a_each_year(year, reports, heard, offenders, student_victims):
    output = report_json("yearly", *YEARS[year])
    [row] = output["rows"]
    assert (row["year"], row["reports"], row["heard"], row["offenders"]) == (year, reports, heard, offenders)
    if student_victims is not None:
        assert row["student_victims"] == student_victims
    assert output["total"] == {key: value for key, value in row.items() if key != "year"}


# Table B: the ministry's survey -----------------------------------------------------------------


def test_table_b_survey():
    output = report_json("survey", *TABLE_B)
    expected = {
        "reports": 504,
        "elementary": 16,
        "middle": 209,
        "high": 279,
        "special": 0,
        "police": 417,
        "takedown": 218,
        "victims": 833,
        "student_victims": 799,
        "teacher_victims": 31,
        "staff_victims": 3,
    }
    assert output["rows"] == [expected]
    assert output["total"] == expected


# Table C: teacher rights protection committees -------------------------------------------------


@pytest.mark.parametrize(
    ("year", "reports", "teacher_victims", "student_offenders"),
    [(2022, 0, 0, 0), (2023, 8, 12, 10), (2024, 20, 21, 36)],
)
def test_table_c_each_year(year, reports, teacher_victims, student_offenders):
    output = report_json("teacher-rights", *YEARS[year])
    expected = {"reports": reports, "teacher_victims": teacher_victims, "student_offenders": student_offenders}
    assert output["total"] == expected
    assert [row for row in output["rows"] if row["reports"]] == ([{"year": year, **expected}] if reports else [])


def test_table_c_over_the_whole_period():
    rows = by(report_json("teacher-rights", *TABLE_A)["rows"], "year")
    assert [(rows[y]["reports"], rows[y]["teacher_victims"], rows[y]["student_offenders"]) for y in (2023, 2024)] == [
        (8, 12, 10),
        (20, 21, 36),
    ]
    assert 2022 not in rows or rows[2022]["reports"] == 0


# The JSON's shape --------------------------------------------------------------------------------

ROW_KEYS = {
    "offices": ["office", "office_name", "measures", "off_record", "recorded", "heavy", "expulsion", "heavy_pct"],
    "measures": ["number", "label", "tier", "count", "pct"],
    "yearly": ["year", "reports", "heard", "offenders", "student_victims"],
    "survey": [
        "reports",
        "elementary",
        "middle",
        "high",
        "special",
        "police",
        "takedown",
        "victims",
        "student_victims",
        "teacher_victims",
        "staff_victims",
    ],
    "teacher-rights": ["year", "reports", "teacher_victims", "student_offenders"],
}
LABELS = {"office", "office_name", "number", "label", "tier", "year"}


@pytest.mark.parametrize("name", list(ROW_KEYS))
def test_json_keys(name):
    output = report_json(name, *TABLE_A)
    top = ["report", "unit", "filters", "rows", "total"] + (["subtotals"] if name == "measures" else [])
    assert list(output) == top
    assert output["rows"]
    assert all(list(row) == ROW_KEYS[name] for row in output["rows"])
    assert list(output["total"]) == [key for key in ROW_KEYS[name] if key not in LABELS]
    assert output["filters"] == {
        "from": "2022-01-01",
        "to": "2024-08-31",
        "office": None,
        "school_level": None,
        "committee_kind": None,
    }


def test_json_subtotals_and_shares_are_numbers():
    output = report_json("measures", *TABLE_A)
    assert [list(row) for row in output["subtotals"]] == [["tier", "label", "count", "pct"]] * 3
    assert all(isinstance(row["pct"], float) for row in [*output["rows"], *output["subtotals"]])
    assert output["unit"] == str(MEASURES_REPORT.unit)


@pytest.mark.parametrize("name", [report.name for report in REPORT_LIST])
def test_json_keys_are_the_ones_the_tables_declare(name):
    """Each key of a table's rows is declared once, on its table: the dimension's key and label key,
    the columns in the JSON (in_json), nothing joined on by name elsewhere."""
    output = report_json(name, *TABLE_A)
    spec = next(report for report in REPORT_LIST if report.name == name)
    for table in spec.tables:
        shown = output if table is spec.tables[0] else output[table.key]
        dimension = table.dimension
        labels = [] if dimension.constant else [dimension.key, *filter(None, [dimension.json_label])]
        columns = [column.key for column in table.columns if column.in_json]
        assert all(list(row) == labels + columns for row in shown["rows"]), table.key
        assert set(shown["total"]) <= set(columns), table.key


@pytest.mark.parametrize("name", ["channels", "timeliness"])
def test_the_other_reports_run(name):
    output = report_json(name, *TABLE_A)
    assert output["rows"] and output["total"]
    if name == "channels":
        assert output["sources"]["total"]["reports"] == output["total"]["reports"]


# Text and CSV -----------------------------------------------------------------------------------


def test_text_is_an_aligned_table_with_title_unit_and_filters():
    text = report("offices", *TABLE_A)
    lines = text.splitlines()
    assert lines[0] == str(OFFICES.title)
    assert str(OFFICES.unit) in lines[1]
    assert "2022-01-01" in lines[2] and "2024-08-31" in lines[2]
    seoul = next(line for line in lines if line.startswith(Office.objects.get(code="seoul").name))
    assert seoul.split()[-6:] == ["89", "50", "31", "8", "0", "9.0"]
    table = [line for line in lines[lines.index(str(OFFICES.table("main").title)) + 1 :] if line]
    assert len(table) == 1 + 17 + 1  # header, offices, total
    assert table[-1].split()[-6:] == ["629", "347", "183", "99", "2", "15.7"]


def test_text_says_when_no_filter_is_used():
    lines = report("survey").splitlines()
    assert lines[0] == str(SURVEY.title)
    assert lines[2].endswith(("none", "없음"))


def test_csv_is_the_download_file():
    text = report("yearly", *TABLE_A, "--format", "csv")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == [rows[0][0], str(YEARLY.title)]
    assert rows[1][1] == str(YEARLY.unit)
    header = rows.index(
        [str(YEARLY.table("main").dimension.label), *(str(c.label) for c in YEARLY.table("main").columns)]
    )
    assert rows[header + 1] == ["2022", "60", "29", "50", "48"]
    assert rows[-1][1:4] == ["420", "216", "428"]


def test_publication_option():
    output = report_json("offices", *TABLE_A, "--publication")
    rows = by(output["rows"], "office")
    assert rows["incheon"]["expulsion"] == "<5"
    assert rows["gyeonggi"]["measures"] == 181
    text = report("offices", *TABLE_A, "--publication")
    assert "<5" in text


# Scope -------------------------------------------------------------------------------------------


def test_office_filter():
    output = report_json("offices", *TABLE_A, "--office", "seoul")
    offices = by(output["rows"], "office")
    assert offices["seoul"]["measures"] == 89
    assert all(row["measures"] == 0 for code, row in offices.items() if code != "seoul")
    assert output["total"]["measures"] == 89
    assert output["filters"]["office"] == "seoul"


def test_runs_in_one_accounts_scope():
    UserFactory(username="clerk_seoul_cli", office=Office.objects.get(code="seoul"))
    output = report_json("offices", *TABLE_A, "--user", "clerk_seoul_cli")
    assert [row["office"] for row in output["rows"]] == ["seoul"]
    assert output["total"]["measures"] == 89


def test_every_run_is_on_the_access_log():
    report("survey", *TABLE_B, "--format", "json")
    entry = AccessLog.objects.filter(action=AccessLog.Action.EXPORT).latest("at")
    assert "survey" in entry.detail and "2024-09-27" in entry.detail and "json" in entry.detail


# Bad input: a clear message, exit status 2 ------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("casualties",), "casualties"),
        (("offices", "--from", "2024-13-01"), "YYYY-MM-DD"),
        (("offices", "--to", "31/08/2024"), "YYYY-MM-DD"),
        (("offices", "--from", "2024-08-31", "--to", "2024-01-01"), "--to"),
        (("offices", "--office", "atlantis"), "atlantis"),
        (("offices", "--format", "pdf"), "pdf"),
        (("offices", "--school-level", "university"), "--school-level"),
        (("offices", "--committee-kind", "parliament"), "--committee-kind"),
        (("offices", "--user", "nobody"), "nobody"),
    ],
)
def test_bad_input_exits_with_status_2(args, message):
    with pytest.raises(CommandError) as raised:
        report(*args)
    assert raised.value.returncode == 2
    assert message in str(raised.value)


def test_the_unknown_name_message_lists_the_reports():
    with pytest.raises(CommandError) as raised:
        report("casualties")
    assert all(spec.name in str(raised.value) for spec in REPORT_LIST)


@pytest.mark.parametrize("account", ["inactive", "admin", "outside"])
def test_accounts_that_may_not_run_it(account):
    seoul = Office.objects.get(code="seoul")
    if account == "inactive":
        UserFactory(username="gone", office=seoul, is_active=False)
        args = ("--user", "gone")
    elif account == "admin":
        UserFactory(username="console", role=User.Role.ADMIN, office=None)
        args = ("--user", "console")
    else:
        UserFactory(username="clerk_seoul_2", office=seoul)
        args = ("--user", "clerk_seoul_2", "--office", "busan")
    with pytest.raises(CommandError) as raised:
        report("offices", *args)
    assert raised.value.returncode == 2
