"""A release as a file: CSV, XLSX or JSON, each from the frozen figures (never computed again),
with the release's identity (period, data and code versions, who and when) and its methodology."""

import json
from typing import Any

from django.utils.translation import gettext as _

from casetracker.core.exports import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, CsvFile, XlsxFile

from .models import Release


def identity(release: Release) -> list[list[str]]:
    return [
        [_("release"), f"#{release.pk}", release.title],
        [_("period"), release.date_from.isoformat(), release.date_to.isoformat()],
        [_("published at"), release.published_at.isoformat(timespec="seconds")],
        [_("published by"), release.published_by.get_username()],
        [_("data version"), release.data_version],
        [_("code version"), release.code_version],
    ]


def methodology_lines(release: Release) -> list[list[str]]:
    note = release.methodology
    lines = [[_("methodology")], [note["period"]], [note["measures"]], [note["suppression"]]]
    for report in note["reports"]:
        lines.append([report["title"], report["description"], f"{_('unit')}: {report['unit']}"])
        for table in report["tables"]:
            lines += [[table["title"], column["label"], column["definition"]] for column in table["columns"]]
    return lines


def table_lines(table: dict) -> list[list[Any]]:
    return [[row["label"], *(row["cells"].get(column) for column in table["columns"])] for row in table["rows"]]


def release_csv(release: Release) -> bytes:
    out = CsvFile()
    out.rows(identity(release))
    for name in release.reports:
        report = release.figures[name]
        for table in report["tables"]:
            out.row([])
            out.row([report["title"], table["title"], f"{_('unit')}: {report['unit']}"])
            out.row(table["header"])
            out.rows(table_lines(table))
    out.row([])
    out.rows(methodology_lines(release))
    return out.content()


def release_xlsx(release: Release) -> bytes:
    book = XlsxFile(float_format="0.0")
    for name in release.reports:
        report = release.figures[name]
        for table in report["tables"]:
            sheet = book.sheet(f"{report['title']} {table['title']}", widths={"A": 36})
            for line in identity(release):
                sheet.row(line, bold=1)
            sheet.row([])
            sheet.row([report["title"], table["title"], f"{_('unit')}: {report['unit']}"], bold=True)
            sheet.row(table["header"], bold=True)
            for row, values in zip(table["rows"], table_lines(table), strict=True):
                sheet.row(values, bold=row["kind"] != "row")
    sheet = book.sheet(_("methodology"), widths={"A": 36, "B": 60})
    for line in methodology_lines(release):
        sheet.row(line)
    return book.content()


def release_data(release: Release) -> dict[str, Any]:
    """The release as the API and the JSON file give it: no figure before suppression."""
    return {
        "id": release.pk,
        "title": release.title,
        "period": {"from": release.date_from.isoformat(), "to": release.date_to.isoformat()},
        "published_at": release.published_at.isoformat(),
        "published_by": release.published_by.get_username(),
        "data_version": release.data_version,
        "code_version": release.code_version,
        "reports": {name: release.figures[name]["json"] for name in release.reports},
        "methodology": release.methodology,
    }


def release_json(release: Release) -> bytes:
    return json.dumps(release_data(release), ensure_ascii=False, indent=2).encode("utf-8")


FORMATS = {
    "csv": (release_csv, CSV_CONTENT_TYPE),
    "xlsx": (release_xlsx, XLSX_CONTENT_TYPE),
    "json": (release_json, "application/json"),
}
