"""A report as a file: CSV (UTF-8 with a BOM, so Excel opens Korean text) or XLSX.

Each file says at the top what it is: the report's title, its unit, the filters applied,
the day it was made and whether small counts are suppressed for publication. Then each
table: its title, a header row and its rows (body, subtotals, total). Every cell goes
through ``neutralise_cell`` so nothing in it can run as a formula. Reports hold counts
and labels only: no one's name can reach a file.
"""

import csv
import io
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from casetracker.core.exports import neutralise_cell, neutralise_row

from .engine import Table
from .reporting import ReportResult
from .suppression import HIDDEN, SMALL, publishable

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    out = io.StringIO()
    writer = csv.writer(out)
    for line in heading(result, publication=publication):
        writer.writerow(neutralise_row(line))
    for table in tables(result, publication=publication):
        writer.writerow([])
        writer.writerow(neutralise_row([str(table.spec.title)]))
        writer.writerow(neutralise_row(header(table)))
        for row in body(table):
            writer.writerow(neutralise_row(_csv_value(value) for value in row))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def report_xlsx(result: ReportResult, *, publication: bool = False) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    titles: set[str] = set()
    for table in tables(result, publication=publication):
        sheet = workbook.create_sheet(_sheet_title(str(table.spec.title), titles))
        for line in heading(result, publication=publication):
            _append(sheet, line)
            sheet.cell(sheet.max_row, 1).font = bold
        sheet.append([])
        _append(sheet, [str(table.spec.title)])
        sheet.cell(sheet.max_row, 1).font = bold
        _append(sheet, header(table))
        _bold_row(sheet, bold)
        for row, values in zip(table.rows, body(table), strict=True):
            _append(sheet, values)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, float):
                    cell.number_format = "0.0"
            if row.kind != "row":
                _bold_row(sheet, bold)
        sheet.column_dimensions["A"].width = 36
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _csv_value(value: Any) -> Any:
    return "" if value is None else value


# Characters XML (and so XLSX) cannot hold; tab, line feed and carriage return are fine.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        return _NOT_IN_XML.sub("", value)
    return value


def _append(sheet, values: Iterable[Any]) -> None:
    sheet.append([neutralise_cell(_xlsx_value(value)) for value in values])


def _bold_row(sheet, bold: Font) -> None:
    for cell in sheet[sheet.max_row]:
        cell.font = bold


def _sheet_title(title: str, taken: set[str]) -> str:
    """A sheet name Excel accepts (31 characters, none of []:*?/\\), unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", " ", title).strip("' ")[:31] or "report"
    name, number = base, 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(name.lower())
    return name
