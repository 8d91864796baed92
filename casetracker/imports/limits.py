"""What an upload may hold, whatever its size on the wire: caps on what it unzips to, and zip
members read within them.

A 220 KB workbook can hold a 200 MB cell, a 1 MB zip a 300 MB CSV file: the 10 MB upload limit
counts compressed bytes. So, before anything is read, every member's declared size is checked
(each against the cap of its kind, all together against the total), and then, since a header
can lie, the bytes are counted again as they are unzipped (``BoundedZipFile``): reading stops
at the cap, whatever the header said. The readers stream what they read (the rows, a CSV file)
and refuse a cell longer than a spreadsheet cell can be (``CELL_CHARS``, Excel's own limit),
so memory stays bounded by the caps, not by the file; the XML elements of the sheets are
counted against the rows the import allows, so the time is bounded too (``bench/upload_bench.py``
measures both).
"""

import io
import zipfile
from dataclasses import dataclass, replace

from django.conf import settings
from django.utils.translation import gettext as _

# The most characters a cell of Excel can hold.
CELL_CHARS = 32_767
# Members of one zip file (a workbook has a dozen or so parts; the layout six CSV files).
MAX_MEMBERS = 1_000
# The small parts a workbook is opened by (its manifest, workbook.xml, relations, styles), each.
MAX_PART_BYTES = 4 * 2**20
# A tag, attribute or comment of a part: nothing legitimate comes near it.
MAX_TOKEN_BYTES = 2**20
# A CSV record (a row, with fields over several lines): a cell at most for each of its columns.
MAX_RECORD_CHARS = 32 * CELL_CHARS
# The XML elements (rows, cells, values) a workbook's sheets may hold for each row the import
# allows: a row of the layout has a dozen cells. Parsing costs about a microsecond an element
# whatever it holds, so this, not the bytes, bounds the time of a sheet of empty cells.
ELEMENTS_PER_ROW = 64
MORE_ELEMENTS = 100_000

MEGABYTE = 2**20


class LimitExceeded(Exception):
    """The upload holds more than a cap allows: nothing is imported. ``message`` says which."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CellTooLong(LimitExceeded):
    """A cell longer than ``CELL_CHARS``; the reader that knows the sheet's name words the message."""

    def __init__(self, *, row: int | None, column: int | None):
        super().__init__(f"row {row}, column {column}: more than {CELL_CHARS} characters")
        self.row = row
        self.column = column


@dataclass(frozen=True)
class Limits:
    """The caps on one upload (all its files together)."""

    unzipped_bytes: int  # every member of every file, and every CSV file, together
    shared_strings_bytes: int  # the shared-string table of a workbook (held in memory while it is read)
    shared_strings: int  # its items
    elements: int  # the XML elements of the sheets (rows, cells, values), together
    rows: int  # the rows the import allows, as the messages say
    part_bytes: int = MAX_PART_BYTES
    cell_chars: int = CELL_CHARS

    def scaled(self, factor: float) -> "Limits":
        """Caps for a file ``factor`` times the upload limit (the command line's --max-megabytes)."""
        if factor <= 1:
            return self
        return replace(
            self,
            unzipped_bytes=int(self.unzipped_bytes * factor),
            shared_strings_bytes=int(self.shared_strings_bytes * factor),
            shared_strings=int(self.shared_strings * factor),
        )


def default_limits(byte_limit: int | None = None, max_rows: int | None = None) -> Limits:
    """The caps of the settings; for a larger ``byte_limit`` than the upload's, raised as much, and
    the sheets' elements for ``max_rows`` rows (the settings' by default)."""
    rows = max_rows or settings.IMPORT_MAX_ROWS
    limits = Limits(
        unzipped_bytes=settings.IMPORT_MAX_UNZIPPED_BYTES,
        shared_strings_bytes=settings.IMPORT_MAX_SHARED_STRINGS_BYTES,
        shared_strings=settings.IMPORT_MAX_SHARED_STRINGS,
        elements=rows * ELEMENTS_PER_ROW + MORE_ELEMENTS,
        rows=rows,
    )
    return limits.scaled(byte_limit / settings.IMPORT_MAX_BYTES) if byte_limit else limits


def unzipped_too_large(limits: Limits) -> LimitExceeded:
    return LimitExceeded(
        _(
            "The upload unzips to more than %(size)s MB, far more than its rows need: it is refused. "
            "Delete unused sheets, pictures and formatting, or save the sheets as CSV files."
        )
        % {"size": limits.unzipped_bytes // MEGABYTE}
    )


class Budget:
    """The uncompressed bytes of one upload, each member counted once: at the size it declares, or
    at what was read of it if more (read again, it costs nothing more)."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.total = 0
        self._read: dict[tuple, int] = {}
        self.elements = 0
        self._parsed: dict[tuple, int] = {}

    def declare(self, key: tuple, size: int) -> None:
        """Count the ``size`` bytes the member ``key`` says it holds (or a CSV file holds), up front."""
        self.reading(key, size)

    def reading(self, key: tuple, position: int) -> None:
        """``position`` bytes of the member ``key`` have been read: more than it declared costs more."""
        seen = self._read.get(key, 0)
        if position > seen:
            self._read[key] = position
            self.total += position - seen
            if self.total > self.limits.unzipped_bytes:
                raise unzipped_too_large(self.limits)

    def parsing(self, key: tuple, elements: int) -> None:
        """``elements`` XML elements of the sheet ``key`` have been parsed (parsed again, no more)."""
        seen = self._parsed.get(key, 0)
        if elements > seen:
            self._parsed[key] = elements
            self.elements += elements - seen
            if self.elements > self.limits.elements:
                raise LimitExceeded(
                    _(
                        "The workbook's sheets hold far more cells than %(rows)s rows need: it is refused. "
                        "Delete the empty rows and columns below and beside the data, or save the sheets as CSV files."
                    )
                    % {"rows": f"{self.limits.rows:,}"}
                )


class _CountedStream(io.BufferedIOBase):
    """A member being unzipped, refused once it gives more than its cap (whatever its header says)."""

    def __init__(self, stream, cap: int, on_read, too_large):
        super().__init__()
        self._stream = stream
        self._cap = cap
        self._on_read = on_read
        self._too_large = too_large
        self.position = 0

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            pieces = []
            while piece := self.read(64 * 1024):
                pieces.append(piece)
            return b"".join(pieces)
        data = self._stream.read(size)
        self.position += len(data)
        if self.position > self._cap:
            raise self._too_large()
        self._on_read(self.position)
        return data

    def read1(self, size: int = -1) -> bytes:
        return self.read(size if size and size > 0 else 64 * 1024)

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def close(self) -> None:
        self._stream.close()
        super().close()


class BoundedZipFile(zipfile.ZipFile):
    """A zip file whose members are checked against the caps before and while they are read.

    Opening it checks the number of members and their declared sizes together; ``open()`` (and
    so ``read()``) checks a member's declared size against ``cap`` (by default ``default_cap``:
    the small parts) and then counts its bytes as they are unzipped.
    """

    def __init__(self, file, *, budget: Budget, label: str, default_cap: int):
        super().__init__(file)
        self.budget = budget
        self.label = label
        self.default_cap = default_cap
        members = self.infolist()
        if len(members) > MAX_MEMBERS:
            raise too_many_members(label)
        for member in members:
            budget.declare((id(self), member.filename), member.file_size)

    def open(self, name, mode="r", pwd=None, *, force_zip64=False, cap: int | None = None):
        if mode != "r":
            return super().open(name, mode, pwd, force_zip64=force_zip64)
        cap = cap or self.default_cap
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        if info.file_size > cap:
            raise self._too_large(info.filename, cap)
        key = (id(self), info.filename)
        return _CountedStream(
            super().open(info, mode, pwd),
            cap,
            lambda position: self.budget.reading(key, position),
            lambda: self._too_large(info.filename, cap),
        )

    def _too_large(self, member: str, cap: int) -> LimitExceeded:
        if cap >= self.budget.limits.unzipped_bytes:
            return unzipped_too_large(self.budget.limits)
        return LimitExceeded(
            _("%(name)s: the part %(part)s unzips to more than %(size)s MB: the file is refused.")
            % {"name": self.label, "part": member, "size": max(cap // MEGABYTE, 1)}
        )


def too_many_members(label: str) -> LimitExceeded:
    return LimitExceeded(
        _("%(name)s holds more than %(count)s files: it is refused.") % {"name": label, "count": MAX_MEMBERS}
    )


def declared_members(content: bytes) -> int:
    """The number of members a zip file's end record declares, read before its directory is parsed
    (parsing a directory of 100,000 members takes seconds and 100 MB)."""
    end = content.rfind(b"PK\x05\x06", max(0, len(content) - 65_557))
    if end < 0 or end + 22 > len(content):
        return 0
    count = int.from_bytes(content[end + 10 : end + 12], "little")
    if count == 0xFFFF:  # zip64: the count is in the zip64 end record, which its locator points to
        locator = content.rfind(b"PK\x06\x07", 0, end)
        if locator >= 0:
            offset = int.from_bytes(content[locator + 8 : locator + 16], "little")
            if content[offset : offset + 4] == b"PK\x06\x06":
                count = int.from_bytes(content[offset + 32 : offset + 40], "little")
    return count


def holds_doctype(data: bytes) -> bool:
    """Whether an XML part declares a document type (and so maybe entities): no part of an .xlsx does."""
    return any(marker in data for marker in DOCTYPES)


DOCTYPES = (b"<!DOCTYPE", "<!DOCTYPE".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))
