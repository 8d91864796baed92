"""The one writer of every CSV and XLSX file the application produces, and the rule its cells follow.

Every cell goes through ``export_cell``:

- **Control characters are taken out** (those XML cannot hold: \\x00-\\x08, \\x0b, \\x0c, \\x0e-\\x1f):
  an XLSX file cannot carry them at all, and a CSV file is written by the same rule, so both
  files of a report say the same thing. Tab, line feed and carriage return stay.
- **Text a spreadsheet could run as a formula gets a leading single quote** (CSV injection,
  following OWASP): text starting with =, +, -, @, a tab, a carriage return or a line feed, or
  with one of those signs after leading spaces (Excel skips them), the full-width signs
  (U+FF1D, U+FF0B, U+FF0D, U+FF20) and the other forms Unicode folds to them (NFKC) included.
  So does text that already starts with quotes before such text, so that the quote can always
  be taken off again: ``restore_text``, which the importer applies to every text cell, undoes
  exactly what ``export_cell`` did, and an export imports back as no change.

Numbers, dates and empty cells are left as they are.
"""

import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORMULA_SIGNS = frozenset("=+-@")
# Characters that start a formula however they are followed (OWASP: tab and carriage return).
FORMULA_STARTS = ("\t", "\r", "\n")
QUOTE = "'"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def could_run(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` (its leading quotes aside) as a formula."""
    text = text.lstrip(QUOTE)
    if text.startswith(FORMULA_STARTS):
        return True
    first = text.lstrip()[:1]
    return bool(first) and (first in FORMULA_SIGNS or unicodedata.normalize("NFKC", first) in FORMULA_SIGNS)


def export_cell(value: Any) -> Any:
    """A value as a file may hold it: text without control characters, quoted if it could run."""
    if isinstance(value, str):
        value = CONTROL_CHARACTERS.sub("", value)
        if could_run(value):
            return QUOTE + value
    return value


def restore_text(text: str) -> str:
    """The text ``export_cell`` was given, from what it wrote: a quote it added comes off."""
    if text.startswith(QUOTE) and could_run(text[1:]):
        return text[1:]
    return text


# Writers -------------------------------------------------------------------------------------


class CsvFile:
    """A CSV file in UTF-8 with a byte-order mark (which Excel needs for Korean text)."""

    def __init__(self, *, line_terminator: str = "\r\n"):
        self._text = io.StringIO()
        self._writer = csv.writer(self._text, lineterminator=line_terminator)

    def row(self, values: Iterable[Any]) -> None:
        self._writer.writerow([csv_value(value) for value in values])

    def rows(self, rows: Iterable[Iterable[Any]]) -> None:
        for values in rows:
            self.row(values)

    def text(self) -> str:
        return "\ufeff" + self._text.getvalue()

    def content(self) -> bytes:
        return self.text().encode("utf-8")


def csv_value(value: Any) -> Any:
    """A value as a CSV cell holds it: empty for None, a date as 2024-08-31, text by ``export_cell``."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return export_cell(value)


class XlsxFile:
    """An .xlsx workbook written as it goes (openpyxl's write-only mode: rows are not kept)."""

    def __init__(self, *, float_format: str | None = None):
        from openpyxl import Workbook  # (imported here: only XLSX files need it)
        from openpyxl.styles import Font

        self.workbook = Workbook(write_only=True)
        self.bold = Font(bold=True)
        self.float_format = float_format
        self._titles: set[str] = set()

    def sheet(self, title: str, *, widths: dict[str, float] | None = None) -> "XlsxSheet":
        worksheet = self.workbook.create_sheet(sheet_title(title, self._titles))
        for column, width in (widths or {}).items():
            worksheet.column_dimensions[column].width = width
        return XlsxSheet(self, worksheet)

    def content(self) -> bytes:
        output = io.BytesIO()
        self.workbook.save(output)
        return output.getvalue()


class XlsxSheet:
    def __init__(self, book: XlsxFile, worksheet):
        self.book = book
        self.worksheet = worksheet

    def row(self, values: Iterable[Any], *, bold: bool | int = False) -> None:
        """Append a row; ``bold`` makes the whole row bold, or (a number) its first cells."""
        values = list(values)
        emphasised = len(values) if bold is True else int(bold)
        self.worksheet.append([self._cell(value, position < emphasised) for position, value in enumerate(values)])

    def rows(self, rows: Iterable[Iterable[Any]]) -> None:
        for values in rows:
            self.row(values)

    def _cell(self, value: Any, bold: bool) -> Any:
        """The value, or a cell with its style when it needs one (most cells do not: faster)."""
        from openpyxl.cell import WriteOnlyCell

        if value is None:
            return None
        if isinstance(value, Decimal):
            value = float(value)
        value = export_cell(value)
        number_format = None
        if isinstance(value, datetime.date):
            number_format = "yyyy-mm-dd"
        elif isinstance(value, float):
            number_format = self.book.float_format
        if not (bold or number_format):
            return value
        cell = WriteOnlyCell(self.worksheet, value=value)
        if number_format:
            cell.number_format = number_format
        if bold:
            cell.font = self.book.bold
        return cell


def sheet_title(title: str, taken: set[str]) -> str:
    """A sheet name Excel accepts (31 characters, none of []:*?/\\), unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", " ", CONTROL_CHARACTERS.sub("", title)).strip("' ")[:31] or "sheet"
    name, number = base, 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(name.lower())
    return name
