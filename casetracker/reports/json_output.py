"""A report as JSON, and the reading of a report's arguments: shared by ``manage.py report --format
json`` and the API (``/api/v1/reports/<name>/``), so that the two cannot give different figures."""

import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from casetracker.core.models import Office

from . import exports
from .engine import CountColumn, Row, ShareColumn, Table
from .reporting import InvalidFilters, ReportResult

# The command-line option of each report filter; the API's parameter is its name without the dashes
# ("from", "to", "office", "school_level", "committee_kind"), which is also its key in the JSON.
OPTIONS = {
    "date_from": "--from",
    "date_to": "--to",
    "office": "--office",
    "school_level": "--school-level",
    "committee_kind": "--committee-kind",
}


def parameter(key: str) -> str:
    """The API's (and the JSON's) name of a filter: "from" for date_from."""
    return OPTIONS[key].removeprefix("--").replace("-", "_")


def arguments(values: dict[str, str | None], user) -> dict[str, str]:
    """The filters given (keyed as ``OPTIONS``), checked: dates as YYYY-MM-DD, an office in ``user``'s
    scope. Raises InvalidFilters({key: [message]}); the report's own filters check the rest."""
    data = {key: str(values[key]) for key in OPTIONS if values.get(key)}
    errors: dict[str, list[str]] = {}
    for key in [key for key, value in data.items() if "\x00" in value]:
        # (PostgreSQL refuses a NUL byte in a query's text.)
        errors[key] = [_("A NUL character cannot be part of a value.")]
        del data[key]
    dates = {}
    for key in ("date_from", "date_to"):
        if key in data:
            try:
                dates[key] = datetime.datetime.strptime(data[key], "%Y-%m-%d").date()
            except ValueError:
                errors[key] = [_("%(value)r is not a date of the form YYYY-MM-DD.") % {"value": data[key]}]
            else:
                data[key] = dates[key].isoformat()
    if len(dates) == 2 and dates["date_to"] < dates["date_from"]:
        errors["date_to"] = [_("The end of the period cannot be before its start.")]
    code = data.get("office")
    if code and not Office.objects.for_user(user).filter(code=code).exists():
        if Office.objects.filter(code=code).exists():
            errors["office"] = [_("The office %(code)r is outside the account's scope.") % {"code": code}]
        else:
            codes = ", ".join(Office.objects.values_list("code", flat=True))
            errors["office"] = [_("Unknown office code %(code)r. Codes: %(codes)s.") % {"code": code, "codes": codes}]
    if errors:
        raise InvalidFilters(errors)
    return data


def as_json(result: ReportResult, data: dict[str, str], *, publication: bool = False) -> dict[str, Any]:
    """``{"report", "unit", "filters", "rows", "total"}``; measures add "subtotals", channels "sources".

    Within them, every key is the table's own: its dimension's key and ``json_label``, its subtotals'
    ``subtotal_key`` and the key of each of its columns that is ``in_json``."""
    spec = result.spec
    tables = exports.tables(result, publication=publication)
    first, *others = tables
    output = {
        "report": spec.name,
        "unit": str(spec.unit),
        "filters": {parameter(key): data.get(key) for key in OPTIONS},
        **json_table(first),
    }
    subtotals = [row for row in first.rows if row.kind == "subtotal"]
    if subtotals:
        label = first.spec.dimension.json_label or "label"
        output["subtotals"] = [
            {first.spec.subtotal_key: row.value, label: row.label, **counts(first, row)} for row in subtotals
        ]
    for table in others:
        output[table.spec.key] = json_table(table)
    return output


def json_table(table: Table) -> dict[str, Any]:
    body = table.body
    total = next((row for row in table.rows if row.kind == "total"), None)
    if total is None and len(body) == 1:
        total = body[0]  # one row for everything (the survey): it is its own total
    return {
        "rows": [json_row(table, row) for row in body],
        "total": counts(table, total) if total is not None else None,
    }


def json_row(table: Table, row: Row) -> dict[str, Any]:
    dimension = table.spec.dimension
    values: dict[str, Any] = {}
    if not dimension.constant:
        values[dimension.key] = row.value
        if dimension.json_label:
            values[dimension.json_label] = row.label
    values.update((column.key, json_value(row.cells[column.key])) for column in table.spec.columns if column.in_json)
    return values


def counts(table: Table, row: Row) -> dict[str, Any]:
    """The row's counts and shares (no labels)."""
    return {
        column.key: json_value(row.cells[column.key])
        for column in table.spec.columns
        if column.in_json and isinstance(column, CountColumn | ShareColumn)
    }


def json_value(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value
