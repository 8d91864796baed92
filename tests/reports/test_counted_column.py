"""A count with a condition counts each unit row by its key to the incident's side (never null), so
that an office-year's rows are counted from the index that reaches them (bench/README.md, 2026-12-08)."""

import pytest
from django.db.models import Q

from casetracker.cases.models import CommitteeCase, Incident, Measure, TakedownRequest, Victim
from casetracker.reports.definitions import COMMITTEE_CASES, MEASURES, REPORTS, TAKEDOWNS, VICTIMS
from casetracker.reports.engine import _count_where, _counted_column


@pytest.mark.parametrize(
    ("unit", "model", "column"),
    [
        (VICTIMS, Victim, "incident"),
        (TAKEDOWNS, TakedownRequest, "incident"),
        (COMMITTEE_CASES, CommitteeCase, "incident"),
        (MEASURES, Measure, "committee_case"),
        (REPORTS, Incident, "pk"),
    ],
)
def test_a_units_rows_are_counted_by_their_key_to_the_incident(unit, model, column):
    assert _counted_column(unit, model) == column
    assert column == "pk" or not model._meta.get_field(column).null  # so the count is the rows' count


def test_a_count_with_a_condition_counts_that_column_and_one_without_counts_every_row():
    assert _count_where(Q(kind="student"), "incident").source_expressions[0].name == "incident"
    assert _count_where(Q(), "incident").source_expressions[0].__class__.__name__ == "Star"
