"""Export cells cannot start a formula in a spreadsheet (CSV injection)."""

import datetime
from decimal import Decimal

import pytest

from casetracker.core.exports import neutralise_cell, neutralise_row


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+82-10-1234-5678", "-2+3", "@SUM(A1:A2)", "\t=cmd", "\r=cmd", '=HYPERLINK("http://x","y")'],
)
def test_text_that_could_start_a_formula_gets_a_leading_quote(text):
    assert neutralise_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["", "서울특별시교육청", "2024-0001", "a=b", " =1+1", "'=1", "V12"])
def test_other_text_is_left_alone(text):
    assert neutralise_cell(text) == text


@pytest.mark.parametrize("value", [-5, -0.5, Decimal("-3.25"), 0, 42, None, True, datetime.date(2024, 5, 2)], ids=repr)
def test_numbers_dates_and_empty_cells_are_left_as_they_are(value):
    result = neutralise_cell(value)
    assert result == value
    assert type(result) is type(value)


def test_neutralise_row():
    row = ("2024-0001", "=cmd|' /C calc'!A0", -3, None, "@user")
    assert neutralise_row(row) == ["2024-0001", "'=cmd|' /C calc'!A0", -3, None, "'@user"]
    assert neutralise_row(iter(["-1"])) == ["'-1"]
