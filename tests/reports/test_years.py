"""The tables by report year: a row for every year from the first report to the last."""

import datetime

import pytest
from django.utils import timezone

from casetracker.core.models import Committee
from casetracker.reports.definitions import TEACHER_RIGHTS, YEARLY
from casetracker.reports.reporting import run_report
from tests.factories import CommitteeCaseFactory, IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db


def rows(spec, user, data=None) -> dict:
    table = run_report(spec, user, data or {}).tables[0]
    return {row.value: row.cells for row in table.body}


def test_a_year_without_reports_is_a_row_of_zeros_not_a_gap():
    first = IncidentFactory(report_date=datetime.date(2021, 3, 2))
    IncidentFactory(office=first.office, school=first.school, report_date=datetime.date(2024, 9, 1))
    CommitteeCaseFactory(incident=first, committee__kind=Committee.Kind.TEACHER_RIGHTS)
    supervisor = UserFactory(supervisor=True, office=None)

    teacher_rights = rows(TEACHER_RIGHTS, supervisor)
    assert list(teacher_rights) == [2021, 2022, 2023, 2024]
    assert [cells["reports"] for cells in teacher_rights.values()] == [1, 0, 0, 0]
    assert list(rows(YEARLY, supervisor)) == [2021, 2022, 2023, 2024]


def test_the_years_follow_the_scope_and_the_filters():
    seoul = IncidentFactory(report_date=datetime.date(2020, 5, 1))
    IncidentFactory(report_date=datetime.date(2023, 5, 1))  # another office
    IncidentFactory(office=seoul.office, school=seoul.school, report_date=datetime.date(2022, 1, 3))
    clerk = UserFactory(office=seoul.office)
    assert list(rows(YEARLY, clerk)) == [2020, 2021, 2022]
    assert list(rows(YEARLY, clerk, {"date_from": "2021-01-01"})) == [2022]
    assert rows(YEARLY, clerk, {"date_from": "2025-01-01"}) == {}


@pytest.mark.writes_around_services
def test_a_year_after_this_one_is_a_row_of_its_own_not_thousands_of_empty_years():
    """A report dated 9999-12-31 in the database (written around the forms, which refuse it)."""
    first = IncidentFactory(report_date=datetime.date(2022, 3, 2))
    late = IncidentFactory(office=first.office, school=first.school)
    type(late).objects.filter(pk=late.pk).update(report_date=datetime.date.max)
    this_year = timezone.localdate().year
    assert list(rows(YEARLY, UserFactory(office=first.office))) == [*range(2022, this_year + 1), 9999]
