"""What an upload may hold, whatever its size on the wire: caps on what it unzips to, and zip
members read within them.

A 220 KB workbook can hold a 200 MB cell, a 1 MB zip a 300 MB CSV file: the 10 MB upload limit
counts compressed bytes. So, before anything is read, every member's declared size is checked
(each against the cap of its kind, all together against the total), and then, since a header
can lie, the bytes are counted again as they are unzipped (``BoundedZipFile``): reading stops
at the cap, whatever the header said. The readers stream what they read (the rows, a CSV file)
and refuse a cell longer than a spreadsheet cell can be (``CELL_CHARS``, Excel's own limit),
so memory stays bounded by the caps, not by the file (``bench/upload_bench.py`` measures it).
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

MEGABYTE = 2**20


class LimitExceeded(Exception):
    """The upload holds more than a cap allows: nothing is imported. ``message`` says which."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CellTooLong(LimitExceeded):
    """A cell longer than ``CELL_CHARS``; the reader that knows the sheet's name words the message."""

    def __init__(self, *, row: int, column: int):
        super().__init__(f"row {row}, column {column}: more than {CELL_CHARS} characters")
        self.row = row
        self.column = column


@dataclass(frozen=True)
class Limits:
    """The caps on one upload (all its files together)."""

    unzipped_bytes: int  # every member of every file, and every CSV file, together
    shared_strings_bytes: int  # the shared-string table of a workbook (held in memory while it is read)
    shared_strings: int  # its items
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


def default_limits(byte_limit: int | None = None) -> Limits:
    """The caps of the settings; for a larger ``byte_limit`` than the upload's, raised as much."""
    limits = Limits(
        unzipped_bytes=settings.IMPORT_MAX_UNZIPPED_BYTES,
        shared_strings_bytes=settings.IMPORT_MAX_SHARED_STRINGS_BYTES,
        shared_strings=settings.IMPORT_MAX_SHARED_STRINGS,
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
    """The uncompressed bytes of one upload: each member at most once (read again, it costs nothing more)."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.total = 0
        self._read: dict[tuple[int, str], int] = {}

    def declare(self, size: int) -> None:
        """Count ``size`` bytes a member says it holds (or a CSV file holds), up front."""
        self.total += size
        if self.total > self.limits.unzipped_bytes:
            raise unzipped_too_large(self.limits)

    def reading(self, key: tuple[int, str], position: int) -> None:
        """``position`` bytes of the member ``key`` have been read: more than it declared costs more."""
        seen = self._read.get(key, 0)
        if position > seen:
            self._read[key] = position
            self.total += position - seen
            if self.total > self.limits.unzipped_bytes:
                raise unzipped_too_large(self.limits)


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
            raise LimitExceeded(
                _("%(name)s holds more than %(count)s files: it is refused.") % {"name": label, "count": MAX_MEMBERS}
            )
        budget.declare(sum(member.file_size for member in members))

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


def holds_doctype(data: bytes) -> bool:
    """Whether an XML part declares a document type (and so maybe entities): no part of an .xlsx does."""
    return any(marker in data for marker in DOCTYPES)


DOCTYPES = (b"<!DOCTYPE", "<!DOCTYPE".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))
