"""The one export writer: no cell can start a formula in a spreadsheet (CSV injection), no control
character reaches a file, and the importer's ``restore_text`` undoes exactly what was done."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest

from casetracker.core.exports import CsvFile, XlsxFile, export_cell, restore_text

RUNNABLE = [
    "=1+1",
    "+82-10-1234-5678",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=cmd",
    "\r=cmd",
    "\n=cmd",
    '=HYPERLINK("http://x","y")',
    # Issue 16, finding 9: full-width signs, and leading spaces or a newline, escaped the rule.
    "\uff1d1+1",
    "\uff0b1",
    "\uff0d1",
    "\uff20SUM(A1)",
    "\ufe661",  # (a small form Unicode folds to = as well)
    " =1+1",
    "   +1",
    "\u3000=1",  # an ideographic (full-width) space
    "\n",
    "\t",
]


@pytest.mark.parametrize("text", RUNNABLE)
def test_text_that_could_start_a_formula_gets_a_leading_quote(text):
    assert export_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["", "서울특별시교육청", "2024-0001", "a=b", "V12", " a", "'quoted", "''", "x-1"])
def test_other_text_is_left_alone(text):
    assert export_cell(text) == text


@pytest.mark.parametrize("text", ["'=1+2", "''=1+2", "' =1", "'\uff1d1"])
def test_text_quoted_already_before_a_formula_gets_one_more_quote_so_it_can_be_restored(text):
    # Issue 16, finding 9: an exported '=1+2 came back from the importer as something else.
    assert export_cell(text) == "'" + text


@pytest.mark.parametrize(
    "text", [*RUNNABLE, "'=1+2", "''=1+2", "'", "''", "'quoted", "plain", "", " spaced", "'\t", "'\uff1dx", "a'=b"]
)
def test_restore_undoes_exactly_what_export_did(text):
    assert restore_text(export_cell(text)) == text


@pytest.mark.parametrize("text", ["'quoted", "'", "'1", "it's"])
def test_restore_leaves_text_the_writer_never_quoted(text):
    assert restore_text(text) == text


def test_control_characters_are_taken_out_tab_and_newlines_stay():
    # Issue 16, finding 6: a stored V\x0b1 broke the XLSX export.
    assert export_cell("V\x0b1") == "V1"
    assert export_cell("a\x00b\x1fc\x08d\x0ce") == "abcde"
    assert export_cell("line\nnext\tcell\r") == "line\nnext\tcell\r"
    assert export_cell("\x0b=1") == "'=1"  # (what is left after the control character is checked)


@pytest.mark.parametrize("value", [-5, -0.5, Decimal("-3.25"), 0, 42, None, True, datetime.date(2024, 5, 2)], ids=repr)
def test_numbers_dates_and_empty_cells_are_left_as_they_are(value):
    result = export_cell(value)
    assert result == value
    assert type(result) is type(value)


ROW = ["2024-0001", "=cmd|' /C calc'!A0", -3, None, "@user", "V\x0b1", "\uff1d1", datetime.date(2024, 5, 2)]
WRITTEN = ["2024-0001", "'=cmd|' /C calc'!A0", "-3", "", "'@user", "V1", "'\uff1d1", "2024-05-02"]


def test_the_csv_writer():
    file = CsvFile()
    file.row(ROW)
    text = file.content().decode("utf-8")
    assert text.startswith("\ufeff")
    assert next(csv.reader(io.StringIO(text.removeprefix("\ufeff")))) == WRITTEN


def test_the_xlsx_writer_with_a_control_character_a_formula_and_a_date():
    book = XlsxFile()
    sheet = book.sheet("cases: 2024/1")
    sheet.row(["header"], bold=True)
    sheet.row(ROW)
    workbook = openpyxl.load_workbook(io.BytesIO(book.content()))
    [worksheet] = workbook.worksheets
    assert worksheet.title == "cases  2024 1"
    assert worksheet["A1"].font.bold
    values = [cell.value for cell in worksheet[2]]
    assert values[:2] + values[4:7] == ["2024-0001", "'=cmd|' /C calc'!A0", "'@user", "V1", "'\uff1d1"]
    assert values[2] == -3 and values[3] is None
    assert values[7] == datetime.datetime(2024, 5, 2)
    assert worksheet["H2"].number_format == "yyyy-mm-dd"


def test_no_module_but_the_one_writer_writes_csv_or_xlsx():
    # The class of bug (issue 16, finding 6): a file written around the writer skips its rule.
    import re
    from pathlib import Path

    import casetracker

    writers = re.compile(
        r"csv\.(writer|DictWriter)\(|from openpyxl import .*Workbook|openpyxl\.Workbook\(|WriteOnlyCell"
    )
    root = Path(casetracker.__file__).parent
    found = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path != root / "core" / "exports.py" and writers.search(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "write CSV and XLSX files with casetracker.core.exports (CsvFile, XlsxFile)"
