"""Running a report for a user: the filters, the scoped incidents, the tables."""

from dataclasses import dataclass

from django.http import QueryDict

from casetracker.cases import selectors

from .definitions import ReportSpec
from .engine import Table, compute_table, drill_rows
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
    filters = filtered_incidents(user, data, request)
    incidents = filters.qs
    return ReportResult(spec, filters, [compute_table(table, user, incidents) for table in spec.tables])


def cell_rows(spec: ReportSpec, table_key: str, row_value, column_key: str, user, data, request=None):
    """The unit rows behind one cell of a report, with the report's filters."""
    filters = filtered_incidents(user, data, request)
    return drill_rows(spec.table(table_key), row_value, column_key, user, filters.qs)


class _UserRequest:
    """What the filters need of a request (its user) when there is none, as on the command line."""

    def __init__(self, user):
        self.user = user
