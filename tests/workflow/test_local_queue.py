"""The work queue of a local office's clerk (issue 20): the items of the office's queue whose case is
at a school of that local office, no other, in the same order, counted and paged alike; read from the
items' stored local office (``cases/local_offices.py``) in a fixed number of queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casetracker.cases.models import Incident
from casetracker.workflow.deadlines import BACKLOG_AFTER_DAYS
from casetracker.workflow.queue import QueueFilter, counts_by_office, queue_rows
from casetracker.workflow.queue_pages import QueuePages
from tests.factories import (
    CommitteeCaseFactory,
    HeardCommitteeCaseFactory,
    IncidentFactory,
    MeasureFactory,
    SchoolFactory,
    TakedownRequestFactory,
    UserFactory,
)
from tests.workflow.test_queue import Office

pytestmark = pytest.mark.django_db

QUEUE = reverse("workflow:queue")


@pytest.fixture
def seoul():
    """Every kind of item, live and in the old backlog, at the schools of two local offices of one
    office (and of a school of none), and another office's."""
    today = timezone.localdate()
    office = Office("seoul", today)
    schools = [
        office.school,
        SchoolFactory(office=office.office),
        SchoolFactory(office=office.office, local_office=None),
    ]

    def ago(days: int) -> datetime.date:
        return today - datetime.timedelta(days=days)

    for school in schools:
        office.school = school
        office.build()
        for days in (BACKLOG_AFTER_DAYS + 40, 400):

            def incident(days=days, school=school):
                return IncidentFactory(office=office.office, school=school, report_date=ago(days + 30))

            CommitteeCaseFactory(incident=incident(), requested_on=ago(days))
            MeasureFactory(committee_case=HeardCommitteeCaseFactory(incident=incident(), requested_on=ago(days + 21)))
            TakedownRequestFactory(incident=incident(), requested_on=ago(days))
    Office("gyeonggi", today).build()
    return office.office, schools[:2], today


def keys(rows) -> list[tuple]:
    return [(row["due"], row["item_pk"], row["deadline"], row["backlog"]) for row in rows]


@pytest.mark.parametrize("latest_first", [False, True])
def test_a_local_clerks_items_are_the_offices_at_that_local_offices_schools(seoul, latest_first):
    office, schools, today = seoul
    queue_filter = QueueFilter(latest_first=latest_first)
    whole = list(queue_rows(UserFactory(office=office), today=today, queue_filter=queue_filter))
    local_office_of = dict(Incident.objects.values_list("pk", "school__local_office_id"))
    for school in schools:
        clerk = UserFactory(office=office, local_office=school.local_office)
        expected = keys(row for row in whole if local_office_of[row["case_pk"]] == school.local_office_id)
        mine = queue_rows(clerk, today=today, queue_filter=queue_filter)
        assert keys(mine) == expected
        assert {row[0] for row in expected} >= {"hearing", "measure", "takedown", "appeal", "separation"}
        assert 0 < sum(row[3] for row in expected) < len(expected)  # live work and backlog
        counts = counts_by_office(clerk, today=today)
        assert sum(entry.total for entry in counts) == len(expected)
        pages = QueuePages.of(clerk, today=today, queue_filter=QueueFilter(), counts=counts)
        assert pages.count == len(expected)
        for start in range(0, len(expected), 5):
            assert keys(pages.rows(mine, start, start + 5)) == expected[start : start + 5]


def test_a_local_clerks_page_takes_a_fixed_number_of_queries(client, seoul, monkeypatch, django_assert_num_queries):
    office, schools, _today = seoul
    from casetracker.workflow.tables import QueueTable

    monkeypatch.setattr(QueueTable._meta, "per_page", 20)  # the live work, then the backlog
    client.force_login(UserFactory(office=office, local_office=schools[0].local_office))
    # As the office's clerk's (test_queue_pages.py), with the local office in the masthead: the session
    # and the user; the offices with their open work, and the live work's counts; the page's live
    # rows, and the first backlog items of each kind that can be overdue (hearings, measures,
    # takedowns); the masthead's office and local office; saving the session (savepoint, update, release).
    with django_assert_num_queries(13):
        response = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="en")
    rows = [row.record for row in response.context["table"].paginated_rows]
    assert [item.backlog for item in rows].count(True) > 0 and [item.backlog for item in rows].count(False) > 0
