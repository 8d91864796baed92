"""Reading one cell as its column's kind: text, a date, a whole number, a choice, codes.

A cell that cannot be read raises ``CellError`` with a message for the person who typed it.
"""

import datetime
import re
from functools import cache
from typing import Any

from django.utils.translation import gettext as _

from .layout import Column, Kind, in_each_language, normalise
from .readers import Cell


class CellError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# 2024-08-31, 2024.8.31, 2024. 8. 31., 2024/08/31, 2024년 8월 31일
DATE_PATTERN = re.compile(r"^(\d{4})\s*[-./년]\s*(\d{1,2})\s*[-./월]\s*(\d{1,2})\s*[.일]?$")
CODE_SEPARATORS = re.compile(r"[,;、]")


def shown(cell: Cell) -> str:
    """The cell's value as the error message quotes it."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_cell(column: Column, cell: Cell) -> Any:
    """The cell's value for ``column``: None when empty."""
    if cell.formula:
        raise CellError(_("Formulas are not imported: replace the formula by the value it shows."))
    value = cell.value
    if isinstance(value, str):
        value = value.strip()
    if value is None or value == "":
        return [] if column.kind == Kind.CODES else None
    reader = READERS[column.kind]
    return reader(column, value)


def _text(column: Column, value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        raise CellError(_("This is a date; this column expects text."))
    return str(value)


def _date(column: Column, value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    match = DATE_PATTERN.match(str(value))
    if match:
        try:
            return datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            raise CellError(_("This date does not exist.")) from None
    raise CellError(_("This is not a date: write it as 2024-08-31."))


def _number(column: Column, value: Any) -> int:
    if isinstance(value, bool):
        raise CellError(_("This is not a whole number."))
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    if re.fullmatch(r"\d+(\.0+)?", text):
        return int(float(text))
    raise CellError(_("This is not a whole number."))


def _choice(column: Column, value: Any) -> str:
    choice = choice_values(column.choices).get(normalise(_text(column, value)))
    if choice is None:
        allowed = ", ".join(str(label) for label in column.choices.labels)
        raise CellError(_("This is not one of the allowed values: %(allowed)s.") % {"allowed": allowed})
    return choice


def _codes(column: Column, value: Any) -> list[str]:
    return [part.strip() for part in CODE_SEPARATORS.split(_text(column, value)) if part.strip()]


READERS = {Kind.TEXT: _text, Kind.DATE: _date, Kind.NUMBER: _number, Kind.CHOICE: _choice, Kind.CODES: _codes}


@cache
def choice_values(choices) -> dict[str, str]:
    """A choice by its stored value or its label in either language."""
    found = {}
    for value, label in choices.choices:
        found[normalise(value)] = value
        for text in in_each_language(label):
            found[normalise(text)] = value
    return found
