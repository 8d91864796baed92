"""The drill-down: the unit rows behind one count cell of a report, with the report's filters."""

from django.db.models import Q, QuerySet

from .engine import TOTAL, CountColumn, TableSpec


def drill_rows(
    spec: TableSpec, row_value, column_key: str, user, incidents: QuerySet, *, on_incident: Q | None = None
) -> QuerySet:
    """The unit rows behind one count cell: the row's dimension value and the column's condition.

    ``on_incident``: the filters that made ``incidents`` as a condition on an incident
    (``ReportFilter.on_incident``), applied to the rows' own incident, where the database can walk the
    incidents' indexes (their report date's) in the list's order, rather than test each row against
    a subquery of the filtered incidents. The same rows: the units' rows are in the user's scope as
    their incidents are."""
    column = spec.column(column_key)
    if not isinstance(column, CountColumn):
        raise KeyError(column_key)
    unit = column.unit
    if on_incident is None:
        rows = unit.for_incidents(user, incidents)
    else:
        rows = unit.rows(user).filter(_prefixed(on_incident, unit.incident))
    rows = rows.filter(column.where())
    if row_value == TOTAL:
        return rows
    subtotal = next((s for s in spec.subtotals if s.key == row_value), None)
    if subtotal is not None:
        condition = Q()
        for value in subtotal.values:
            condition |= spec.dimension.condition(unit, value)
        return rows.filter(condition)
    condition = spec.dimension.condition(unit, row_value)
    if spec.dimension.single_valued(unit, rows.model):
        return rows.filter(condition)
    # A row with several values (an incident's channels): each row having this one, once, without a
    # DISTINCT over every column listed (which sorts them all before the first page).
    return rows.filter(pk__in=rows.filter(condition).values("pk"))


def _prefixed(condition: Q, path: str) -> Q:
    """``condition`` on an incident, as a condition on rows reaching it through ``path``."""
    if not path:
        return condition
    children = [
        _prefixed(child, path) if isinstance(child, Q) else (f"{path}{child[0]}", child[1])
        for child in condition.children
    ]
    return Q(*children, _connector=condition.connector, _negated=condition.negated)
