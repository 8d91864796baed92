"""The queue's pages at scale (issue 20): each page read from the live work alone or from the first
items of each kind of the old backlog is the slice of the whole queue it stands for; the backlog is
counted whole (from the open work the database keeps) and listed up to a cap; and a page across
the two parts takes a fixed number of queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casetracker.workflow import queue
from casetracker.workflow.deadlines import BACKLOG_AFTER_DAYS
from casetracker.workflow.queue import QueueFilter, counts_by_office, queue_rows
from casetracker.workflow.queue_pages import QueuePages
from tests.factories import (
    CommitteeCaseFactory,
    HeardCommitteeCaseFactory,
    IncidentFactory,
    MeasureFactory,
    OfficeFactory,
    SchoolFactory,
    TakedownRequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

QUEUE = reverse("workflow:queue")


@pytest.fixture
def office():
    """Hearings, measures and takedowns due, live and in the old backlog, on dates that interleave."""
    today = timezone.localdate()
    office = OfficeFactory(code="seoul")
    school = SchoolFactory(office=office)

    def ago(days: int) -> datetime.date:
        return today - datetime.timedelta(days=days)

    def incident(days: int):
        return IncidentFactory(office=office, school=school, report_date=ago(days))

    for days in (5, 30, BACKLOG_AFTER_DAYS + 40, BACKLOG_AFTER_DAYS + 90, 400):
        CommitteeCaseFactory(incident=incident(days + 1), requested_on=ago(days))
        heard = HeardCommitteeCaseFactory(incident=incident(days + 30), requested_on=ago(days + 21))
        MeasureFactory(committee_case=heard, decided_on=ago(days + 3))
        TakedownRequestFactory(incident=incident(days + 2), requested_on=ago(days + 1))
    # Another office's items are in no page.
    other = OfficeFactory(code="gyeonggi")
    CommitteeCaseFactory(incident=IncidentFactory(office=other, report_date=ago(500)), requested_on=ago(400))
    return office, today


def keys(rows) -> list[tuple]:
    return [(row["due"], row["item_pk"]) for row in rows]


@pytest.mark.parametrize("latest_first", [False, True])
def test_every_slice_of_the_pages_is_the_whole_queues(office, latest_first):
    office, today = office
    clerk = UserFactory(office=office)
    whole = queue_rows(clerk, today=today, queue_filter=QueueFilter(latest_first=latest_first))
    expected = keys(whole)
    pages = QueuePages.of(clerk, today=today, queue_filter=QueueFilter(), counts=counts_by_office(clerk, today=today))
    assert pages.count == len(expected) == 16
    assert 0 < pages.live < pages.count
    for start in range(len(expected)):
        for stop in (start + 1, start + 4, len(expected)):
            assert keys(pages.rows(whole, start, stop)) == expected[start:stop], (start, stop)


def test_a_page_sorted_by_case_is_the_slice_of_the_whole_queue(office):
    office, today = office
    clerk = UserFactory(office=office)
    whole = queue_rows(clerk, today=today).order_by("case_no", "deadline", "due", "item_pk")
    pages = QueuePages.of(clerk, today=today, queue_filter=QueueFilter(), counts=counts_by_office(clerk, today=today))
    assert keys(pages.rows(whole, 3, 9)) == keys(whole)[3:9]


def test_the_backlog_is_counted_whole_and_listed_up_to_the_cap(client, office, monkeypatch):
    office, today = office
    clerk = UserFactory(office=office)
    (exact,) = counts_by_office(clerk, today=today)
    assert (exact.backlog, exact.live, exact.total) == (9, 7, 16)
    monkeypatch.setattr(queue, "BACKLOG_CAP", 4)
    assert counts_by_office(clerk, today=today) == [exact]
    pages = QueuePages.of(clerk, today=today, queue_filter=QueueFilter(), counts=[exact])
    whole = queue_rows(clerk, today=today)
    assert pages.count == 7 + 4
    assert keys(pages.rows(whole, 0, 16)) == keys(whole)[:11]
    client.force_login(clerk)
    response = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="en")
    assert "16 in all" in response.text
    assert "9 of them are an old backlog" in response.text
    assert "The list shows the first 4 of the old backlog" in response.text
    assert response.context["table"].paginator.count == 11


def test_a_supervisor_sees_the_whole_backlog(client, office, monkeypatch):
    office, _today = office
    monkeypatch.setattr(queue, "BACKLOG_CAP", 4)
    client.force_login(UserFactory(supervisor=True, office=office))
    response = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="en")
    (row,) = response.context["table"].data
    assert (row.backlog, row.total) == (9, 16)
    assert "The list shows the first" not in response.text


def test_a_page_across_the_live_work_and_the_backlog_takes_a_fixed_number_of_queries(
    client, office, monkeypatch, django_assert_num_queries
):
    office, _today = office
    from casetracker.workflow.tables import QueueTable

    monkeypatch.setattr(QueueTable._meta, "per_page", 8)  # 7 items of live work, then the backlog
    client.force_login(UserFactory(office=office))
    # The session and the user; the offices with their open work, and the live work's counts; the
    # page's live rows, and the first backlog items of each kind that can be overdue (hearings,
    # measures, takedowns); the masthead's office; saving the session (savepoint, update, release).
    with django_assert_num_queries(12):
        response = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="en")
    rows = [row.record for row in response.context["table"].paginated_rows]
    assert [item.backlog for item in rows].count(True) > 0 and [item.backlog for item in rows].count(False) > 0
