"""Reading the uploaded files: an .xlsx workbook, CSV files, or a .zip of CSV files.

The rows are streamed (``xlsx``, the csv module), never loaded as a whole. A workbook is read
by ``xlsx`` (openpyxl for its parts, expat for its rows, as openpyxl's read-only mode gives them
but several times faster), not through tablib: tablib loads a whole sheet at once and drops what
the importer must see, namely which cells hold formulas and which hold dates.

CSV files come from Korean Excel in CP949 (EUC-KR) unless saved as "CSV UTF-8": both are
read, with or without a byte-order mark.
"""

import csv
import datetime
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.utils.translation import gettext as _

from casetracker.core.exports import FORMULA_STARTS

from .layout import SHEETS, Sheet, normalise, sheet_for_name

# Worksheets of the blank template that hold help, not data.
HELP_SHEETS = {normalise(name) for name in ("instructions", "안내", "examples", "예시")}


class FileError(Exception):
    """The upload as a whole cannot be read: nothing is imported. Holds one or more messages."""

    def __init__(self, *messages: str):
        super().__init__(*messages)
        self.messages = list(messages)


class Cell(NamedTuple):
    """A cell of the upload: its value, and whether it holds a formula (which is not imported).

    (A named tuple, not a dataclass: a large workbook has millions of cells, and a frozen
    dataclass takes twice as long to make.)
    """

    value: Any
    formula: bool = False


EMPTY_CELL = Cell(None)
MIDNIGHT = datetime.time(0)


@dataclass
class SheetSource:
    """One sheet of the upload: a worksheet, or a CSV file."""

    sheet: Sheet
    name: str
    headers: list[str]
    _rows: Any = field(repr=False)

    def rows(self) -> Iterator[tuple[int, list[Cell]]]:
        """(row number as the spreadsheet shows it, cells), skipping empty rows."""
        return self._rows()


@dataclass(frozen=True)
class UploadedFile:
    name: str
    content: bytes


def open_upload(files: list[UploadedFile]) -> list[SheetSource]:
    """The sheets of the upload in import order, with their headers checked.

    Raises FileError on a file that is not a spreadsheet, an unknown or repeated sheet,
    or a missing or repeated column.
    """
    sources: list[SheetSource] = []
    if not files:
        raise FileError(_("Choose a file to import."))
    for upload in files:
        sources.extend(_open_file(upload))
    problems = _check_sheets(sources)
    if problems:
        raise FileError(*problems)
    if not sources:
        raise FileError(_("The file holds none of the sheets of the layout."))
    order = {sheet.key: position for position, sheet in enumerate(SHEETS)}
    return sorted(sources, key=lambda source: order[source.sheet.key])


def _open_file(upload: UploadedFile) -> list[SheetSource]:
    name, content = upload.name, upload.content
    lowered = name.lower()
    if not content:
        raise FileError(_("The file %(name)s is empty.") % {"name": name})
    if lowered.endswith(".xls") or content.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileError(
            _("%(name)s is an old Excel (.xls) file: open it in Excel and save it as an .xlsx workbook.")
            % {"name": name}
        )
    if zipfile.is_zipfile(io.BytesIO(content)):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.namelist()
            if "[Content_Types].xml" in members:
                return _open_workbook(name, content)
            sources = []
            for member in members:
                if member.endswith("/") or member.rsplit("/", 1)[-1].startswith((".", "__")):
                    continue
                if not member.lower().endswith(".csv"):
                    continue
                sources.extend(_open_file(UploadedFile(member, archive.read(member))))
            if not sources:
                raise FileError(_("The archive %(name)s holds no CSV files.") % {"name": name})
            return sources
    if lowered.endswith(".xlsx"):
        raise FileError(_("%(name)s is not a valid .xlsx workbook.") % {"name": name})
    if lowered.endswith((".csv", ".txt")):
        return [_open_csv(name, content)]
    raise FileError(
        _("%(name)s is not a spreadsheet: upload an .xlsx workbook, CSV files or a .zip of CSV files.") % {"name": name}
    )


# Workbooks -----------------------------------------------------------------------------------


def _open_workbook(name: str, content: bytes) -> list[SheetSource]:
    from . import xlsx  # (imported here: only uploads of workbooks need it, and openpyxl)

    invalid = _("%(name)s is not a valid .xlsx workbook.") % {"name": name}
    try:
        workbook = xlsx.Workbook(content)
    except xlsx.WorkbookError as error:
        raise FileError(invalid) from error
    sources = []
    for worksheet in workbook.worksheets:
        title = worksheet.title
        if normalise(title) in HELP_SHEETS:
            continue
        sheet = sheet_for_name(title)
        if sheet is None:
            raise FileError(_unknown_sheet_message(_("sheet"), title))
        rows = _worksheet_rows(worksheet, invalid)
        header_row = next(rows, None)
        headers = [_header_text(cell.value) for cell in header_row[1]] if header_row else []
        sources.append(
            SheetSource(
                sheet=sheet,
                name=title,
                headers=headers,
                _rows=lambda worksheet=worksheet: _skip_header(_worksheet_rows(worksheet, invalid)),
            )
        )
    return sources


def _worksheet_rows(worksheet, invalid: str) -> Iterator[tuple[int, list[Cell]]]:
    """The rows holding something, each cell a Cell (a missing one too)."""
    from .xlsx import WorkbookError

    try:
        for number, values in worksheet.rows():
            # (A row's last value is never None: a row whose last value is not "" holds something.)
            if values[-1] != "" or any(value is not None and value != "" for value in values):
                # (Text, most cells by far, made here: a call less for each.)
                cells = [
                    Cell(value, value.startswith("=")) if type(value) is str else _workbook_cell(value)
                    for value in values
                ]
                yield number, cells
    except WorkbookError as error:
        raise FileError(invalid) from error


def _workbook_cell(value: Any) -> Cell:
    """The Cell of a value from ``xlsx``: text starting with = is refused as a formula would be."""
    if value is None:
        return EMPTY_CELL
    if isinstance(value, str):  # text, or a formula (xlsx.Formula)
        return Cell(value, value.startswith("="))
    if type(value) is datetime.datetime and value.time() == MIDNIGHT:
        return Cell(value.date())
    return Cell(value)


def _skip_header(rows: Iterator[tuple[int, list[Cell]]]) -> Iterator[tuple[int, list[Cell]]]:
    next(rows, None)
    yield from rows


def _header_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


# CSV -----------------------------------------------------------------------------------------


def decode_csv(name: str, content: bytes) -> str:
    """The text of a CSV file in UTF-8 (with or without BOM), UTF-16 with BOM, or CP949/EUC-KR."""
    utf16 = content.startswith((b"\xff\xfe", b"\xfe\xff"))
    candidates = ("utf-16",) if utf16 else ("utf-8-sig", "cp949")
    for encoding in candidates:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise FileError(
        _("%(name)s is not a text CSV file in UTF-8 or CP949 (EUC-KR): save it from Excel as CSV.") % {"name": name}
    )


def _open_csv(name: str, content: bytes) -> SheetSource:
    sheet = sheet_for_name(name)
    if sheet is None:
        raise FileError(_unknown_sheet_message(_("CSV file"), name))
    text = decode_csv(name, content)
    dialect = _dialect(text)

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        reader = csv.reader(io.StringIO(text, newline=""), dialect)
        for number, values in enumerate(reader, start=1):
            if any(value.strip() for value in values):
                yield number, [_csv_cell(value) for value in values]

    first = next(rows(), None)
    headers = [_header_text(cell.value) for cell in first[1]] if first else []
    return SheetSource(sheet=sheet, name=name, headers=headers, _rows=lambda: _skip_header(rows()))


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    sample = text[:4096].split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _csv_cell(value: str) -> Cell:
    # A cell our own export neutralised ('=...) reads back as its text; a bare formula is refused.
    if value.startswith("'") and value[1:2] and value[1:2] in FORMULA_STARTS:
        return Cell(value[1:])
    return Cell(value, formula=value.startswith("="))


# Checks ----------------------------------------------------------------------------------------


def _unknown_sheet_message(what: str, name: str) -> str:
    expected = ", ".join(f"{sheet.label} ({sheet.key})" for sheet in SHEETS)
    return _("The %(what)s “%(name)s” is not part of the layout. The sheets are: %(expected)s.") % {
        "what": what,
        "name": name,
        "expected": expected,
    }


def _check_sheets(sources: list[SheetSource]) -> list[str]:
    """Every sheet once, with its required columns, each column once."""
    problems = []
    seen: dict[str, str] = {}
    for source in sources:
        label = source.sheet.label
        if source.sheet.key in seen:
            problems.append(
                _("The sheet %(sheet)s is given twice (%(first)s and %(second)s).")
                % {"sheet": label, "first": seen[source.sheet.key], "second": source.name}
            )
            continue
        seen[source.sheet.key] = source.name
        if not any(source.headers):
            problems.append(_("The sheet %(sheet)s has no header row.") % {"sheet": label})
            continue
        found: dict[str, str] = {}
        for header in source.headers:
            column = source.sheet.column_for_header(header) if header else None
            if column is None:
                continue
            if column.key in found:
                problems.append(
                    _("Sheet %(sheet)s: the column “%(column)s” appears twice.") % {"sheet": label, "column": header}
                )
            found[column.key] = header
        for column in source.sheet.required_columns:
            if column.key not in found:
                problems.append(
                    _("Sheet %(sheet)s: the column “%(column)s” is missing.") % {"sheet": label, "column": column.label}
                )
    return problems
