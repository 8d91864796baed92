"""Publishing a release, checking it against a regeneration from the database, and its diff with
the release before it. ``publish_release`` is the one way a release is made (the page and any
command call it); who may publish is ``accounts.policy.may_publish_releases``."""

import datetime
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from casetracker.accounts.policy import may_publish_releases
from casetracker.audit.models import AccessLog
from casetracker.audit.services import log_access
from casetracker.cases import selectors
from casetracker.reports import exports
from casetracker.reports.definitions import REPORTS_BY_NAME
from casetracker.reports.drilldown import drill_rows
from casetracker.reports.engine import CountColumn, ShareColumn
from casetracker.reports.json_output import as_json
from casetracker.reports.reporting import ReportResult, run_report
from casetracker.reports.suppression import HIDDEN, SMALL, SMALLEST_SHOWN

from . import versions
from .models import Release


def plain(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def cell_key(report: str, table: str, row: Any, column: str) -> str:
    return json.dumps([report, table, row, column], ensure_ascii=False)


def _run(name: str, user, date_from: datetime.date, date_to: datetime.date) -> tuple[ReportResult, dict]:
    data = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
    return run_report(REPORTS_BY_NAME[name], user, data), data


def frozen_tables(result: ReportResult, *, publication: bool) -> list[dict]:
    """Each table as the files show it: title, header and rows (label, kind, value, cells)."""
    return [
        {
            "key": table.spec.key,
            "title": str(table.spec.title),
            "header": exports.header(table),
            "columns": [column.key for column in table.spec.columns],
            "rows": [
                {
                    "value": row.value,
                    "label": str(row.label),
                    "kind": row.kind,
                    "cells": {key: plain(cell) for key, cell in row.cells.items()},
                }
                for row in table.rows
            ],
        }
        for table in exports.tables(result, publication=publication)
    ]


def cells_of(name: str, tables: list[dict]) -> dict[str, Any]:
    return {
        cell_key(name, table["key"], row["value"], column): row["cells"][column]
        for table in tables
        for row in table["rows"]
        for column in table["columns"]
        if column in row["cells"]
    }


def methodology(names: list[str]) -> dict[str, Any]:
    """What each column counts, and the suppression rule: frozen with the release."""
    reports = []
    for name in names:
        spec = REPORTS_BY_NAME[name]
        tables = []
        for table in spec.tables:
            columns = []
            for column in table.columns:
                if isinstance(column, CountColumn):
                    meaning = _("number of %(unit)s") % {"unit": column.unit.label}
                elif isinstance(column, ShareColumn):
                    meaning = _("share in per cent, to one decimal place")
                else:
                    meaning = _("text")
                columns.append({"key": column.key, "label": str(column.label), "definition": str(meaning)})
            tables.append(
                {"key": table.key, "title": str(table.title), "rows": str(table.dimension.label), "columns": columns}
            )
        reports.append(
            {
                "name": name,
                "title": str(spec.title),
                "description": str(spec.description),
                "unit": str(spec.unit),
                "tables": tables,
            }
        )
    return {
        "period": _("Incidents by their report date, from the first day to the last, both included."),
        "suppression": _(
            'Counts from 1 to %(largest)d are shown as "%(small)s"; "%(hidden)s" hides a count or share from '
            "which one of them could be worked out (a total, a subtotal or a column that adds up). Zeros are shown."
        )
        % {"largest": SMALLEST_SHOWN - 1, "small": SMALL, "hidden": HIDDEN},
        "measures": _("Measures are counted as finally imposed, after appeals."),
        "reports": reports,
    }


@transaction.atomic
def publish_release(
    *, by, title: str, reports: list[str], date_from: datetime.date, date_to: datetime.date, request=None
) -> Release:
    if not may_publish_releases(by):
        raise PermissionDenied(_("Only a supervisor of national scope publishes releases."))
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("Give the release a title.")
    unknown = [name for name in reports if name not in REPORTS_BY_NAME]
    if not reports or unknown:
        errors["reports"] = _("Choose one or more reports.")
    if date_from and date_to and date_to < date_from:
        errors["date_to"] = _("The end of the period cannot be before its start.")
    if errors:
        raise ValidationError(errors)
    marks = versions.history_marks()
    figures, raw_cells = {}, {}
    for name in reports:
        result, data = _run(name, by, date_from, date_to)
        published = frozen_tables(result, publication=True)
        figures[name] = {
            "title": str(result.spec.title),
            "unit": str(result.spec.unit),
            "json": as_json(result, data, publication=True),
            "tables": published,
        }
        raw_cells.update(cells_of(name, frozen_tables(result, publication=False)))
    release = Release(
        title=title.strip(),
        date_from=date_from,
        date_to=date_to,
        reports=list(reports),
        figures=figures,
        raw_cells=raw_cells,
        methodology=methodology(list(reports)),
        data_version=versions.data_version(marks),
        data_marks=marks,
        code_version=versions.code_version(),
        published_by=by,
        published_at=timezone.now(),
    )
    release.full_clean()
    release.save()
    log_access(action=AccessLog.Action.CREATE, request=request, user=by, target=release, detail="release published")
    return release


# The regeneration check -----------------------------------------------------------------------


@dataclass
class ChangedCell:
    key: str
    report: str
    table: str
    row: Any
    row_label: str
    column: str
    column_label: str
    published: Any
    now: Any
    cases: list[str] = field(default_factory=list)  # case numbers of changed cases counted in it now


@dataclass
class Regeneration:
    data_version: str
    same_data: bool
    cells: list[ChangedCell]
    changed_cases: list[tuple[int, str, str]]  # (id, office code, case number), changed since the release

    @property
    def same(self) -> bool:
        return not self.cells


def regenerate(release: Release, *, by) -> Regeneration:
    """The release's figures computed again from the database now, cell by cell against the frozen
    ones; for each cell that differs, the cases changed since the release that it counts now."""
    if not may_publish_releases(by):
        raise PermissionDenied(_("Only a supervisor of national scope checks a release."))
    changed_ids = versions.incidents_changed_since(release.data_marks)
    changed_cases = list(
        selectors.incidents_for(by)
        .filter(pk__in=changed_ids)
        .order_by("office__sort_order", "case_number")
        .values_list("pk", "office__code", "case_number")
    )
    cells: list[ChangedCell] = []
    for name in release.reports:
        result, _data = _run(name, by, release.date_from, release.date_to)
        tables = frozen_tables(result, publication=False)
        now = cells_of(name, tables)
        labels = {(t["key"], json.dumps(r["value"])): r["label"] for t in tables for r in t["rows"]}
        published_keys = [key for key in release.raw_cells if json.loads(key)[0] == name]
        for key in sorted(set(now) | set(published_keys)):
            published, current = release.raw_cells.get(key), now.get(key)
            if published == current:
                continue
            _report, table_key, row, column_key = json.loads(key)
            table_spec = result.spec.table(table_key)
            column = next((c for c in table_spec.columns if c.key == column_key), None)
            entry = ChangedCell(
                key,
                name,
                str(table_spec.title),
                row,
                labels.get((table_key, json.dumps(row)), str(row)),
                column_key,
                str(column.label) if column else column_key,
                published,
                current,
            )
            if isinstance(column, CountColumn) and changed_ids:
                rows = drill_rows(table_spec, row, column_key, by, result.filters.qs)
                path = f"{column.unit.incident}pk" if column.unit.incident else "pk"
                counted = set(rows.filter(**{f"{path}__in": changed_ids}).values_list(path, flat=True))
                entry.cases = [number for pk, _office, number in changed_cases if pk in counted]
            cells.append(entry)
    marks = versions.history_marks()
    version = versions.data_version(marks)
    return Regeneration(version, version == release.data_version, cells, changed_cases)


# The diff with the previous release -------------------------------------------------------------


@dataclass
class DiffCell:
    report: str
    table: str
    row_label: str
    column_label: str
    previous: Any
    this: Any


def diff_with_previous(release: Release) -> tuple[Release | None, list[DiffCell]]:
    """Every published cell that differs from the previous release's (present in one only: None)."""
    previous = release.previous()
    if previous is None:
        return None, []
    before, after = _published_cells(previous), _published_cells(release)
    cells = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old is None or new is None or old[0] != new[0]:
            labels = (new or old)[1]
            cells.append(DiffCell(*labels, old[0] if old else None, new[0] if new else None))
    return previous, cells


def _published_cells(release: Release) -> dict[str, tuple[Any, tuple[str, str, str, str]]]:
    cells = {}
    for name, report in release.figures.items():
        for table in report["tables"]:
            headers = dict(zip(table["columns"], table["header"][1:], strict=True))
            for row in table["rows"]:
                for column in table["columns"]:
                    key = cell_key(name, table["key"], row["value"], column)
                    cells[key] = (
                        row["cells"].get(column),
                        (report["title"], table["title"], row["label"], headers[column]),
                    )
    return cells
