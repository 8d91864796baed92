"""Cells for CSV and XLSX exports, made safe to open in a spreadsheet.

A cell starting with =, +, -, @, a tab or a carriage return can run as a formula when the
file is opened (CSV injection). Following OWASP, such text gets a leading single quote so
the spreadsheet shows it as text. Numbers, dates and the like are left as they are.
"""

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_row(values: Iterable[Any]) -> list[Any]:
    return [neutralise_cell(value) for value in values]
