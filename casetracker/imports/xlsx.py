"""The rows of an .xlsx workbook's sheets, streamed, with the values openpyxl's read-only mode gives.

openpyxl's read-only mode builds Python objects for every cell and every piece of its XML and,
for a sheet without a <dimension> element (openpyxl's own write-only mode saves none), parses
the whole sheet once more just to size it: it read the import benchmark's workbook (100,000
rows) in about 6.8 s, 40% of the import. Here openpyxl still reads the workbook's small parts
(which sheets there are, their names and order; the styles whose number format makes a number
a date; the 1904 date system), and only the rows are parsed, with the standard library's
expat, as the part is unzipped: 1.4 s for the same workbook, 1.5 s instead of 3.3 s for the
same rows saved by LibreOffice (shared strings, a <dimension>). The values are openpyxl's:

- a number is an int unless written with a decimal point or an exponent; with a date, time or
  duration number format it is a datetime, time or timedelta (openpyxl's ``from_excel``);
- a shared or inline string is its text, its rich-text runs joined, phonetic hints left out;
- a boolean is a bool, an error (#N/A) its text, an ISO date cell (t="d") a datetime;
- a formula cell is a ``Formula``: the formula as openpyxl gives it ("=SUM(A1:A3)", a shared
  formula translated to its cell), whatever value it last showed. (Array and data-table
  formulas too: openpyxl gives those as objects.)

Rows come with the number the spreadsheet shows (<row r="7">), each value at the position of its
column (<c r="C7">), a missing cell as None, so that sparse rows still line up with the header;
rows out of order are left out, as openpyxl leaves them out. Unlike openpyxl's read-only mode,
a <dimension> that is too small cuts no row or cell off. A part that declares XML entities is
refused (no workbook part has any): no entity expansion ("billion laughs") through an upload.

Every part is read within the caps of ``limits`` (``BoundedZipFile``): the small parts openpyxl
reads, the shared strings (their size and number), the sheets; a cell (a value, a text, a
formula, a shared string) of more than ``CELL_CHARS`` characters, or a tag of more than
``MAX_TOKEN_BYTES``, is refused as it is read, before it is whole in memory.
"""

import io
from collections.abc import Iterator
from typing import Any
from xml.parsers import expat

from django.utils.translation import gettext as _
from openpyxl.formula.translate import Translator
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import Stylesheet
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import ARC_STYLE, SHARED_STRINGS, SHEET_MAIN_NS
from openpyxl.xml.functions import fromstring

from .limits import (
    MAX_TOKEN_BYTES,
    BoundedZipFile,
    Budget,
    CellTooLong,
    LimitExceeded,
    default_limits,
    holds_doctype,
)

# The unzipped XML is parsed in pieces of this size; the rows a piece completes are handed on.
CHUNK = 64 * 1024

# Element names as expat gives them with namespace processing: "namespace localname".
SHEET_DATA, ROW, CELL, VALUE, FORMULA, INLINE, STRING_ITEM, TEXT, PHONETIC = NAMES = tuple(
    f"{SHEET_MAIN_NS} {name}" for name in ("sheetData", "row", "c", "v", "f", "is", "si", "t", "rPh")
)
DIGITS = "0123456789"
UNSEEN = object()


class WorkbookError(Exception):
    """The workbook, or one of its parts, cannot be read."""


class Formula(str):
    """A formula cell: its formula, such as "=SUM(A1:A3)"."""

    __slots__ = ()


class Worksheet:
    def __init__(self, workbook: "Workbook", title: str, path: str):
        self.workbook = workbook
        self.title = title
        self.path = path

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(row number, values from column A on), for each row with a cell holding something.

        The last value of a row is never None. Raises WorkbookError on a part that cannot be read.
        """
        book = self.workbook
        return _sheet_rows(book.archive, self.path, book.shared_strings, book.date_styles, book.epoch, book.budget)


class _Archive(BoundedZipFile):
    """The workbook's zip file, within the caps; the small parts openpyxl parses declare no entities."""

    def read(self, name, pwd=None) -> bytes:
        data = super().read(name, pwd)
        if holds_doctype(data):
            raise WorkbookError(f"{name} declares a document type")
        return data


class Workbook:
    """An .xlsx workbook's worksheets (chartsheets left out), in the workbook's order.

    Raises ``LimitExceeded`` on a workbook holding more than ``budget`` allows, WorkbookError on
    one that cannot be read.
    """

    def __init__(self, content: bytes, *, budget: Budget | None = None, label: str = "workbook"):
        budget = budget or Budget(default_limits())
        self.budget = budget
        self.limits = budget.limits
        try:
            archive = _Archive(io.BytesIO(content), budget=budget, label=label, default_cap=budget.limits.part_bytes)
            # (External links are left out: they hold cached copies of other workbooks' sheets.)
            reader = ExcelReader(io.BytesIO(content), read_only=True, data_only=False, keep_links=False)
            reader.archive = archive  # (every part openpyxl reads is read within the caps)
            reader.read_manifest()
            reader.read_workbook()
            self.archive: BoundedZipFile = archive
            self.epoch = reader.parser.wb.epoch
            self.date_styles = _date_styles(self.archive)
            strings = reader.package.find(SHARED_STRINGS)
            self.worksheets = [
                Worksheet(self, sheet.name, rel.target)
                for sheet, rel in reader.parser.find_sheets()
                if rel.target in reader.valid_files and "chartsheet" not in rel.Type
            ]
        except (LimitExceeded, WorkbookError):
            raise
        except Exception as error:  # zipfile and openpyxl raise many kinds on a damaged file
            raise WorkbookError(str(error)) from error
        self._strings_path = strings.PartName[1:] if strings is not None else None
        self._shared_strings: list[str] | None = None

    @property
    def shared_strings(self) -> list[str]:
        """The shared-string table the sheets' string cells point into, read on first need."""
        if self._shared_strings is None:
            self._shared_strings = (
                _shared_strings(self.archive, self._strings_path, self.limits) if self._strings_path else []
            )
        return self._shared_strings


def _date_styles(archive: BoundedZipFile) -> dict[int, bool]:
    """The cell styles (by index) whose number format is a date or a time: True for a duration."""
    try:
        source = archive.read(ARC_STYLE)
    except KeyError:
        return {}
    stylesheet = Stylesheet.from_tree(fromstring(source))
    if not stylesheet.cell_styles:
        return {}
    return {style: style in stylesheet.timedelta_formats for style in stylesheet.date_formats}


def _refuse_entities(*_args) -> None:
    # No part of an .xlsx declares entities: refusing them rules out entity expansion (XML bombs).
    raise WorkbookError("the workbook declares XML entities")


def _parser() -> expat.XMLParserType:
    # The names below come back as these very strings (interned): the handlers compare identities.
    parser = expat.ParserCreate(namespace_separator=" ", intern={name: name for name in NAMES})
    parser.buffer_text = True
    parser.buffer_size = CHUNK
    parser.EntityDeclHandler = _refuse_entities
    parser.ExternalEntityRefHandler = _refuse_entities
    return parser


def _parse(parser: expat.XMLParserType, archive: BoundedZipFile, path: str, cap: int) -> Iterator[None]:
    """Parse the part ``path`` (at most ``cap`` bytes) piece by piece, pausing after each (the handlers
    collect what it holds)."""
    try:
        with archive.open(path, cap=cap) as stream:
            fed = 0
            while chunk := stream.read(CHUNK):
                parser.Parse(chunk, False)
                fed += len(chunk)
                # Expat holds an unfinished tag, attribute or comment whole: a huge one is refused.
                if fed - max(parser.CurrentByteIndex, 0) > MAX_TOKEN_BYTES:
                    raise WorkbookError(f"{path}: a tag longer than {MAX_TOKEN_BYTES} bytes")
                yield
            parser.Parse(b"", True)
    except (WorkbookError, LimitExceeded):
        raise
    except Exception as error:  # expat, zlib, and the values of a damaged file raise many kinds
        raise WorkbookError(f"{path}: {error}") from error
    yield


def _shared_strings(archive: BoundedZipFile, path: str, limits) -> list[str]:
    """The shared-string table as openpyxl reads it: each item's text (its runs joined, its
    phonetic hints left out), without Excel's escape of underscores.

    Held in memory while the sheets are read: its size, its number of items and each item's
    length are capped (``LimitExceeded``).
    """
    strings: list[str] = []
    most, longest = limits.shared_strings, limits.cell_chars
    texts: list[str] = []  # the pieces of the current item's text
    phonetic = 0
    parser = _parser()

    def start(name: str, _attributes) -> None:
        nonlocal phonetic
        if name is TEXT:
            if not phonetic:
                parser.CharacterDataHandler = texts.append
        elif name is STRING_ITEM:
            texts.clear()
        elif name is PHONETIC:
            phonetic += 1

    def end(name: str) -> None:
        nonlocal phonetic
        if name is TEXT:
            parser.CharacterDataHandler = None
        elif name is STRING_ITEM:
            text = "".join(texts)
            if len(text) > longest:
                raise CellTooLong(row=None, column=None)
            strings.append(text.replace("x005F_", ""))
            if len(strings) > most:
                raise LimitExceeded(
                    _("The workbook holds more than %(count)s different texts: it is refused.") % {"count": most}
                )
        elif name is PHONETIC:
            phonetic -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    for _step in _parse(parser, archive, path, limits.shared_strings_bytes):
        if texts and sum(map(len, texts)) > longest:  # (an item not yet ended, checked before it grows)
            raise CellTooLong(row=None, column=None)
    return strings


def _sheet_rows(
    archive: BoundedZipFile, path: str, strings: list[str], date_styles: dict[int, bool], epoch, budget: Budget
) -> Iterator[tuple[int, list[Any]]]:
    limits = budget.limits
    done: list[tuple[int, list[Any]]] = []  # the rows the last piece of XML completed
    columns: dict[str, int] = {}  # column letters to their number, as met
    styles: dict[str, bool | None] = {}  # style attribute to a date (True: a duration) or None, as met
    shared_formulas: dict[str, Translator] = {}
    texts: list[str] = []  # the text since the current <v>, <f> or <t> began
    inline: list[str] = []  # the texts of the inline string being read
    # The row being read, and its cell.
    row: list[Any] = []
    number = last_number = column = last_column = 0
    kind = style = reference = value = formula = None
    in_data = in_inline = in_text = False
    phonetic = 0
    longest = limits.cell_chars
    elements = 0  # (counted as they start: their number, not their bytes, is the time they take)
    key = (id(archive), path)
    finished: list[bool] = []  # once the rows are all read
    parser = _parser()

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal row, number, column, last_column, kind, style, reference, value, formula, in_data, in_inline
        nonlocal phonetic, in_text, elements
        elements += 1
        if name is CELL:
            reference = attributes.get("r")
            if reference:
                letters = reference.rstrip(DIGITS)
                column = columns.get(letters) or _column(columns, letters)
            else:
                column += 1
            kind = attributes.get("t", "n")
            style = attributes.get("s")
            value = formula = None
            in_inline = False
        elif name is VALUE or name is TEXT:
            texts.clear()
            in_text = True
        elif name is INLINE:
            in_inline = True
            inline.clear()
        elif name is ROW:
            row = []
            texts.clear()  # (the text between cells, kept from growing)
            column = last_column = 0
            given = attributes.get("r")
            number = _row_number(given) if given else number + 1
        elif name is FORMULA:
            formula = attributes
            texts.clear()
            in_text = True
        elif name is PHONETIC:
            phonetic += 1
        elif name is SHEET_DATA:
            in_data = True

    def end(name: str) -> None:
        nonlocal last_number, last_column, value, formula, in_data, phonetic, in_text
        if name is CELL:
            last_column = column
            if formula is not None:
                found: Any = _formula(formula, reference, shared_formulas)
            elif kind == "inlineStr":
                if not in_inline:
                    return
                found = "".join(inline)
                if len(found) > longest:
                    raise CellTooLong(row=number, column=column)
            elif not value:
                return
            elif kind == "n":
                if style is None:
                    found = float(value) if ("." in value or "E" in value or "e" in value) else int(value)
                else:
                    found = _number(value, style, styles, date_styles, epoch)
            elif kind == "s":
                index = int(value)
                if index < 0:  # (not the last string, as a list would give)
                    raise WorkbookError(f"{reference}: no shared string {value}")
                found = strings[index]
            elif kind == "b":
                found = bool(int(value))
            elif kind == "d":
                found = from_ISO8601(value)
            else:  # "str", "e" (#N/A), or a type of no meaning: the text as it is
                found = value
            width = len(row)
            if column == width + 1:
                row.append(found)
            elif column > width:
                row.extend([None] * (column - width - 1))
                row.append(found)
            else:
                row[column - 1] = found
        elif name is TEXT:
            in_text = False
            if in_data and not phonetic:
                inline.append("".join(texts))
            texts.clear()
        elif name is VALUE:
            in_text = False
            value = "".join(texts)
            texts.clear()
            if len(value) > longest:
                raise CellTooLong(row=number, column=column)
        elif name is INLINE:
            return
        elif name is ROW:
            # openpyxl ends a row at its last cell, and leaves out rows out of order or repeated.
            if last_column < len(row):
                del row[last_column:]
                while row and row[-1] is None:
                    row.pop()
            if number > last_number:
                last_number = number
                if row:
                    done.append((number, row))
        elif name is FORMULA:
            in_text = False
            formula = {**formula, "": "".join(texts)}
            texts.clear()
            if len(formula[""]) > longest:
                raise CellTooLong(row=number, column=column)
        elif name is PHONETIC:
            phonetic -= 1
        elif name is SHEET_DATA:
            in_data = False
            finished.append(True)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = texts.append
    for _step in _parse(parser, archive, path, limits.unzipped_bytes):
        budget.parsing(key, elements)
        # What a cell's text holds so far, checked before it grows further: not more than a cell's.
        if texts and (len(texts) > 1 or len(texts[0]) > longest) and sum(map(len, texts)) > longest:
            if in_text:
                raise CellTooLong(row=number, column=column)
            raise WorkbookError(f"{path}: text of no cell, longer than a cell")
        if inline and sum(map(len, inline)) > longest:
            raise CellTooLong(row=number, column=column)
        if done:
            yield from done
            done.clear()
        if finished:
            break  # (what follows the rows is of no use here)


def _number(text: str, style: str | None, styles: dict[str, bool | None], date_styles: dict[int, bool], epoch) -> Any:
    number = float(text) if ("." in text or "E" in text or "e" in text) else int(text)
    if not style:
        return number
    date = styles.get(style, UNSEEN)
    if date is UNSEEN:
        date = styles[style] = date_styles.get(int(style))
    if date is None:
        return number
    try:
        return from_excel(number, epoch, timedelta=date)
    except (OverflowError, ValueError):
        return "#VALUE!"  # (openpyxl's reading of a date out of range)


def _column(columns: dict[str, int], letters: str) -> int:
    try:
        columns[letters] = column_index_from_string(letters)
    except ValueError as error:
        raise WorkbookError(str(error)) from error
    return columns[letters]


def _row_number(given: str) -> int:
    try:
        return int(given)
    except ValueError:
        number = float(given)
        if not number.is_integer():
            raise WorkbookError(f"{given} is not a valid row number") from None
        return int(number)


def _formula(attributes: dict[str, str], reference: str | None, shared: dict[str, Translator]) -> Formula:
    """The formula as openpyxl gives it: a shared formula's later cells translated from its first."""
    formula = "=" + attributes[""]
    if attributes.get("t") == "shared":
        index = attributes.get("si")
        if index in shared:
            formula = shared[index].translate_formula(reference)
        elif formula != "=":
            shared[index] = Translator(formula, reference)
    return Formula(formula)
