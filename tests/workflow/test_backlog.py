"""The queue tells live work from an old backlog (issue 18, item 8): items overdue for more than
``BACKLOG_AFTER_DAYS`` come after the live work, marked, counted and filterable."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from casetracker.workflow.deadlines import BACKLOG_AFTER_DAYS
from casetracker.workflow.queue import QueueFilter, counts_by_office, queue_rows
from tests.factories import CommitteeCaseFactory, IncidentFactory, OfficeFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db

HEARING_DAYS = 21  # (only to place the referrals; the queue reads cases/law.py)


@pytest.fixture
def office_with_backlog():
    """Three hearings due: one overdue for long (the backlog), one overdue lately, one ahead."""
    today = timezone.localdate()
    office = OfficeFactory()
    school = SchoolFactory(office=office)

    def referred(days_overdue: int):
        requested = today - datetime.timedelta(days=HEARING_DAYS + days_overdue)
        incident = IncidentFactory(office=office, school=school, report_date=requested)
        return CommitteeCaseFactory(incident=incident, requested_on=requested).incident.case_number

    cases = {"old": referred(BACKLOG_AFTER_DAYS + 1), "late": referred(2), "ahead": referred(-10)}
    return office, today, cases


def test_the_live_work_comes_first_and_the_backlog_after_it(office_with_backlog):
    office, today, cases = office_with_backlog
    clerk = UserFactory(office=office)
    rows = [row for row in queue_rows(clerk, today=today) if row["due"] == "hearing"]
    assert [(row["case_no"], row["backlog"]) for row in rows] == [
        (cases["late"], 0),
        (cases["ahead"], 0),
        (cases["old"], 1),
    ]
    live = queue_rows(clerk, today=today, queue_filter=QueueFilter(backlog=False))
    assert cases["old"] not in {row["case_no"] for row in live}
    backlog = queue_rows(clerk, today=today, queue_filter=QueueFilter(backlog=True))
    assert {row["case_no"] for row in backlog} == {cases["old"]}
    (counts,) = counts_by_office(UserFactory(supervisor=True, office=office), today=today)
    assert counts.backlog == len(backlog)


def test_the_clerks_page_marks_and_counts_the_backlog(client, office_with_backlog):
    office, _today, cases = office_with_backlog
    client.force_login(UserFactory(office=office))
    with translation.override("ko"):
        badge = translation.gettext("old backlog")
    page = client.get(reverse("workflow:queue"), HTTP_ACCEPT_LANGUAGE="ko")
    assert page.text.count(badge) >= 1
    assert 'class="urgency-0 backlog ' in page.text
    shown = [number for number in cases.values() if number in page.text]
    assert sorted(shown, key=page.text.index) == [cases["late"], cases["ahead"], cases["old"]]  # live work first
    live = client.get(reverse("workflow:queue"), {"when": "live"}, HTTP_ACCEPT_LANGUAGE="ko")
    assert cases["old"] not in live.text and cases["late"] in live.text
