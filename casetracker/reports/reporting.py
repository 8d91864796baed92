"""Running a report for a user: the filters, the scoped incidents, the tables (kept in the cache)."""

from dataclasses import dataclass

from django.conf import settings
from django.http import QueryDict

from casetracker.cases import selectors

from .cache import report_tables
from .definitions import ReportSpec
from .drilldown import drill_rows
from .engine import TOTAL, Table
from .filters import ReportFilter


class InvalidFilters(ValueError):
    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


@dataclass
class ReportResult:
    spec: ReportSpec
    filters: ReportFilter
    tables: list[Table]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.spec.key == key)


def filtered_incidents(user, data: QueryDict | dict, request=None) -> ReportFilter:
    """The report filters bound to ``data`` over the user's scoped incidents; raises InvalidFilters."""
    filters = ReportFilter(data, queryset=selectors.incidents_for(user), request=request or _UserRequest(user))
    if not filters.is_valid():
        raise InvalidFilters(filters.errors)
    return filters


def run_report(spec: ReportSpec, user, data: QueryDict | dict, request=None) -> ReportResult:
    """The report's tables for ``user`` with the filters ``data``: from the cache while no row they
    read has changed (``cache.py``)."""
    filters = filtered_incidents(user, data, request)
    return ReportResult(spec, filters, report_tables(spec, user, filters))


def cell_count(spec: ReportSpec, table_key: str, row_value, column_key: str, user, filters: ReportFilter) -> int | None:
    """The count of one cell as the report gives it, for its drill-down list: from the cache (or the
    counts kept for each office-year) when reports are cached, and the same number as counting the
    list's rows, since a cached figure is never stale. None when reports are not cached, or the table
    has no such row (the list then counts its rows)."""
    if settings.REPORTS_CACHE_SECONDS <= 0:
        return None
    table = next(table for table in report_tables(spec, user, filters) if table.spec.key == table_key)
    # The row as ``drill_rows`` reads the value: the total, a subtotal, else a row of the dimension.
    if row_value == TOTAL and table.spec.total:
        kind = "total"
    elif any(subtotal.key == row_value for subtotal in table.spec.subtotals):
        kind = "subtotal"
    else:
        kind = "row"
    row = next((row for row in table.rows if row.kind == kind and row.value == row_value), None)
    return None if row is None else row.cells[column_key]


def cell_rows(spec: ReportSpec, table_key: str, row_value, column_key: str, user, data, request=None):
    """The unit rows behind one cell of a report, with the report's filters."""
    filters = filtered_incidents(user, data, request)
    return drill_rows(spec.table(table_key), row_value, column_key, user, filters.qs, on_incident=filters.on_incident())


class _UserRequest:
    """What the filters need of a request (its user) when there is none, as on the command line."""

    def __init__(self, user):
        self.user = user
