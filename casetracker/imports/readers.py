"""Reading the uploaded files: an .xlsx workbook, CSV files, or a .zip of CSV files.

The rows are streamed (``xlsx``, the csv module), never loaded as a whole. A workbook is read
by ``xlsx`` (openpyxl for its parts, expat for its rows, as openpyxl's read-only mode gives them
but several times faster), not through tablib: tablib loads a whole sheet at once and drops what
the importer must see, namely which cells hold formulas and which hold dates.

CSV files come from Korean Excel in CP949 (EUC-KR) unless saved as "CSV UTF-8": both are
read, with or without a byte-order mark, as a stream too.

What an upload unzips to is capped (``limits``): every member and all of them together, the
parts of a workbook, a cell (32,767 characters, as in Excel), a CSV record. Past a cap the
upload is refused with a message saying which (``FileError``), while it is read.

A text cell that our own exports quoted (``core.exports``: '=1+2) reads back as the text
that was exported (=1+2); other text starting with = is refused as a formula would be.
"""

import codecs
import contextlib
import csv
import datetime
import io
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, NamedTuple

from django.utils.translation import gettext as _

from casetracker.core.exports import restore_text

from .layout import SHEETS, Sheet, normalise, sheet_for_name
from .limits import (
    CELL_CHARS,
    MAX_MEMBERS,
    MAX_RECORD_CHARS,
    BoundedZipFile,
    Budget,
    CellTooLong,
    LimitExceeded,
    Limits,
    declared_members,
    default_limits,
    too_many_members,
)

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


def open_upload(files: list[UploadedFile], limits: Limits | None = None) -> list[SheetSource]:
    """The sheets of the upload in import order, with their headers checked.

    Raises FileError on a file that is not a spreadsheet, an unknown or repeated sheet,
    or a missing or repeated column, or one that holds more than ``limits`` allow (the
    settings' by default); reading the rows raises it too, on a cap met further on.
    """
    sources: list[SheetSource] = []
    if not files:
        raise FileError(_("Choose a file to import."))
    budget = Budget(limits or default_limits())
    for upload in files:
        try:
            sources.extend(_open_file(upload, budget))
        except LimitExceeded as error:
            raise FileError(error.message) from None
    problems = _check_sheets(sources)
    if problems:
        raise FileError(*problems)
    if not sources:
        raise FileError(_("The file holds none of the sheets of the layout."))
    order = {sheet.key: position for position, sheet in enumerate(SHEETS)}
    return sorted(sources, key=lambda source: order[source.sheet.key])


def _open_file(upload: UploadedFile, budget: Budget) -> list[SheetSource]:
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
        if declared_members(content) > MAX_MEMBERS:
            raise too_many_members(name)
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                members = archive.namelist()
        except (zipfile.BadZipFile, ValueError, EOFError) as error:
            raise FileError(_("%(name)s is a damaged zip file.") % {"name": name}) from error
        if "[Content_Types].xml" in members:
            return _open_workbook(name, content, budget)
        return _open_csv_archive(name, content, budget)
    if lowered.endswith(".xlsx"):
        raise FileError(_("%(name)s is not a valid .xlsx workbook.") % {"name": name})
    if lowered.endswith((".csv", ".txt")):
        budget.declare((id(upload), name), len(content))
        return [_open_csv(name, lambda: io.BytesIO(content), budget.limits)]
    raise FileError(
        _("%(name)s is not a spreadsheet: upload an .xlsx workbook, CSV files or a .zip of CSV files.") % {"name": name}
    )


def _open_csv_archive(name: str, content: bytes, budget: Budget) -> list[SheetSource]:
    """The CSV files of a zip file (a zip in it is not opened: one level only)."""
    try:
        archive = BoundedZipFile(
            io.BytesIO(content), budget=budget, label=name, default_cap=budget.limits.unzipped_bytes
        )
    except (zipfile.BadZipFile, ValueError, EOFError) as error:
        raise FileError(_("%(name)s is a damaged zip file.") % {"name": name}) from error
    sources = []
    for member in archive.namelist():
        if member.endswith("/") or member.rsplit("/", 1)[-1].startswith((".", "__")):
            continue
        if not member.lower().endswith(".csv"):
            continue
        sources.append(_open_csv(member, lambda member=member: archive.open(member), budget.limits))
    if not sources:
        raise FileError(_("The archive %(name)s holds no CSV files.") % {"name": name})
    return sources


# Workbooks -----------------------------------------------------------------------------------


def _open_workbook(name: str, content: bytes, budget: Budget) -> list[SheetSource]:
    from . import xlsx  # (imported here: only uploads of workbooks need it, and openpyxl)

    invalid = _("%(name)s is not a valid .xlsx workbook.") % {"name": name}
    try:
        workbook = xlsx.Workbook(content, budget=budget, label=name)
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
                    Cell(value, value.startswith("="))
                    if type(value) is str and not value.startswith("'")
                    else _workbook_cell(value)
                    for value in values
                ]
                yield number, cells
    except WorkbookError as error:
        raise FileError(invalid) from error
    except CellTooLong as error:
        raise cell_too_long(worksheet.title, error.row, error.column) from None
    except LimitExceeded as error:
        raise FileError(error.message) from None


def _workbook_cell(value: Any) -> Cell:
    """The Cell of a value from ``xlsx``: text starting with = is refused as a formula would be,
    text our exports quoted is read as the text they were given."""
    if value is None:
        return EMPTY_CELL
    if type(value) is str and value.startswith("'"):
        return Cell(restore_text(value))
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


def csv_encoding(name: str, open_stream: Callable[[], IO[bytes]]) -> str:
    """The encoding of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, or CP949/EUC-KR.

    The file is decoded as a stream (a zip member is not unzipped into memory whole to find out).
    """
    with _unzipping(name), open_stream() as stream:
        start = stream.read(2)
    candidates = ("utf-16",) if start in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig", "cp949")
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with _unzipping(name), open_stream() as stream:
                while chunk := stream.read(CSV_CHUNK):
                    if "\x00" in decoder.decode(chunk):
                        raise _not_text(name)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise _not_text(name)


@contextlib.contextmanager
def _unzipping(name: str) -> Iterator[None]:
    """A member that cannot be unzipped (damaged, or not what its header says) is a FileError."""
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise FileError(_("%(name)s cannot be unzipped: the file is damaged.") % {"name": name}) from error


def _not_text(name: str) -> FileError:
    return FileError(
        _("%(name)s is not a text CSV file in UTF-8 or CP949 (EUC-KR): save it from Excel as CSV.") % {"name": name}
    )


CSV_CHUNK = 64 * 1024


def _open_csv(name: str, open_stream: Callable[[], IO[bytes]], limits: Limits) -> SheetSource:
    sheet = sheet_for_name(name)
    if sheet is None:
        raise FileError(_unknown_sheet_message(_("CSV file"), name))
    encoding = csv_encoding(name, open_stream)

    def text() -> io.TextIOWrapper:
        return io.TextIOWrapper(open_stream(), encoding=encoding, newline="")

    with text() as stream:
        dialect = _dialect(stream.readline(4096).split("\n", 1)[0])

    def rows() -> Iterator[tuple[int, list[Cell]]]:
        with _unzipping(name), text() as stream:
            lines = _Lines(stream, name)
            reader = csv.reader(lines, dialect)
            number = 0
            try:
                for number, values in enumerate(reader, start=1):
                    lines.record = 0
                    if any(value.strip() for value in values):
                        for position, value in enumerate(values, start=1):
                            if len(value) > limits.cell_chars:
                                raise cell_too_long(name, number, position)
                        yield number, [_csv_cell(value) for value in values]
            except csv.Error as error:
                if "field larger than field limit" in str(error):
                    raise cell_too_long(name, number + 1, None) from None
                raise FileError(
                    _("%(name)s, row %(row)s: this is not a CSV file that can be read (%(error)s).")
                    % {"name": name, "row": number + 1, "error": error}
                ) from None

    first = next(rows(), None)
    headers = [_header_text(cell.value) for cell in first[1]] if first else []
    return SheetSource(sheet=sheet, name=name, headers=headers, _rows=lambda: _skip_header(rows()))


class _Lines:
    """The lines of a CSV file for ``csv.reader``, refusing a record (a row, with the lines a quoted
    field spans) longer than ``MAX_RECORD_CHARS``: a line is never read whole into memory first."""

    def __init__(self, stream: io.TextIOWrapper, name: str):
        self.stream = stream
        self.name = name
        self.record = 0  # the characters of the record being read (the reader's loop sets it to 0)

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        line = self.stream.readline(MAX_RECORD_CHARS + 1)
        if not line:
            raise StopIteration
        self.record += len(line)
        if self.record > MAX_RECORD_CHARS:
            raise FileError(
                _("%(name)s holds a row of more than %(count)s characters: it is refused.")
                % {"name": self.name, "count": f"{MAX_RECORD_CHARS:,}"}
            )
        return line


def _dialect(first_line: str) -> type[csv.Dialect] | csv.Dialect:
    try:
        return csv.Sniffer().sniff(first_line, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def _csv_cell(value: str) -> Cell:
    # A cell our own export neutralised ('=...) reads back as its text; a bare formula is refused.
    if value.startswith("'"):
        return Cell(restore_text(value))
    return Cell(value, formula=value.startswith("="))


def cell_too_long(name: str, row: int | None, column: int | None) -> FileError:
    """The message for a cell longer than a spreadsheet cell may be (Excel's 32,767 characters)."""
    values = {"name": name, "row": row, "column": _column_letter(column) if column else "", "max": f"{CELL_CHARS:,}"}
    if row is None:
        message = _("%(name)s holds a text of more than %(max)s characters, more than a cell can hold: it is refused.")
    elif column is None:
        message = _(
            "%(name)s, row %(row)s: a cell holds more than %(max)s characters, more than a cell can hold: "
            "the file is refused."
        )
    else:
        message = _(
            "%(name)s, row %(row)s, column %(column)s: the cell holds more than %(max)s characters, more than "
            "a cell can hold: the file is refused."
        )
    return FileError(message % values)


def _column_letter(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


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
