"""A report as a file: CSV (UTF-8 with a BOM, so Excel opens Korean text) or XLSX.

Each file says at the top what it is: the report's title, its unit, the filters applied,
the day it was made and whether small counts are suppressed for publication. Then each
table: its title, a header row and its rows (body, subtotals, total). The files are written
by the application's one writer (``core.exports``), so nothing in a cell can run as a formula.
Reports hold counts and labels only: no one's name can reach a file.
"""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from casetracker.core.exports import CSV_CONTENT_TYPE as CSV_CONTENT_TYPE
from casetracker.core.exports import XLSX_CONTENT_TYPE as XLSX_CONTENT_TYPE
from casetracker.core.exports import CsvFile, XlsxFile

from .engine import Table
from .reporting import ReportResult
from .suppression import HIDDEN, SMALL, publishable


def tables(result: ReportResult, *, publication: bool = False) -> list[Table]:
    """The report's tables, with small counts suppressed if meant for publication."""
    return [publishable(table) for table in result.tables] if publication else list(result.tables)


def filters_text(result: ReportResult) -> list[str]:
    return [f"{label}: {value}" for label, value in result.filters.applied]


def heading(result: ReportResult, *, publication: bool) -> list[list[str]]:
    """What the file is, one (label, value...) line each."""
    if publication:
        suppression = _(
            'yes: counts from 1 to 4 are shown as "%(small)s"; "%(hidden)s" hides a count or share '
            "from which one of them could be worked out"
        ) % {"small": SMALL, "hidden": HIDDEN}
    else:
        suppression = _("no")
    return [
        [_("report"), str(result.spec.title)],
        [_("unit"), str(result.spec.unit)],
        [_("filters"), *(filters_text(result) or [_("none")])],
        [_("produced on"), timezone.localdate().isoformat()],
        [_("small counts suppressed for publication"), suppression],
    ]


def header(table: Table) -> list[str]:
    return [str(table.spec.dimension.label), *(str(column.label) for column in table.spec.columns)]


def body(table: Table) -> list[list[Any]]:
    """Each row (body, subtotals, total): its label, then its cells in column order."""
    return [[row.label, *(row.cells[column.key] for column in table.spec.columns)] for row in table.rows]


def report_csv(result: ReportResult, *, publication: bool = False) -> bytes:
    out = CsvFile()
    out.rows(heading(result, publication=publication))
    for table in tables(result, publication=publication):
        out.row([])
        out.row([str(table.spec.title)])
        out.row(header(table))
        out.rows(body(table))
    return out.content()


def report_xlsx(result: ReportResult, *, publication: bool = False) -> bytes:
    book = XlsxFile(float_format="0.0")
    for table in tables(result, publication=publication):
        sheet = book.sheet(str(table.spec.title), widths={"A": 36})
        for line in heading(result, publication=publication):
            sheet.row(line, bold=1)
        sheet.row([])
        sheet.row([str(table.spec.title)], bold=True)
        sheet.row(header(table), bold=True)
        for row, values in zip(table.rows, body(table), strict=True):
            sheet.row(values, bold=row.kind != "row")
    return book.content()
