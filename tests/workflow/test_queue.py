"""The work queue: what is due for a clerk, in order; the counts per office for a
supervisor; filters and sorting; scoping (a clerk never sees another office's items);
who may open it; a query count that does not grow with the cases; and the list of
takedown requests still open after 7 days."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casetracker.cases.models import Appeal, CommitteeCase, Measure, Separation, TakedownRequest, VictimNotice
from casetracker.workflow.deadlines import Urgency
from casetracker.workflow.queue import Due, QueueFilter, counts_by_office, open_takedown_requests, queue_rows
from casetracker.workflow.tables import OfficeCountsTable
from tests.conftest import rows_kept
from tests.factories import (
    AppealFactory,
    CommitteeCaseFactory,
    IncidentFactory,
    MeasureFactory,
    OfficeFactory,
    SchoolFactory,
    SeparationFactory,
    TakedownRequestFactory,
    UserFactory,
    VictimFactory,
    VictimNoticeFactory,
)

pytestmark = pytest.mark.django_db

QUEUE = reverse("workflow:queue")
OPEN_TAKEDOWNS = reverse("workflow:open_takedowns")


def on(today: datetime.date, days: int) -> datetime.date:
    return today + datetime.timedelta(days=days)


class Office:
    """Builds the items of one office relative to ``today``; ``expected`` lists what is due, with its deadline."""

    def __init__(self, code: str, today: datetime.date):
        self.office = OfficeFactory(code=code)
        self.school = SchoolFactory(office=self.office)
        self.today = today
        self.expected: list[tuple[Due, int, datetime.date]] = []

    def incident(self):
        return IncidentFactory(office=self.office, school=self.school, report_date=on(self.today, -60))

    def committee_case(self, referred: int, **fields):
        return CommitteeCaseFactory(incident=self.incident(), requested_on=on(self.today, referred), **fields)

    def expect(self, due: Due, pk: int, deadline: int) -> None:
        self.expected.append((due, pk, on(self.today, deadline)))

    def build(self) -> "Office":
        today = self.today
        # A hearing overdue (referred 25 days ago): too late to extend, so only the hearing is due.
        late = self.committee_case(-25)
        self.expect(Due.HEARING, late.pk, -4)
        # Referred 18 days ago, no date set: hearing and extension decision due in 3 days.
        soon = self.committee_case(-18)
        self.expect(Due.HEARING, soon.pk, 3)
        self.expect(Due.EXTENSION, soon.pk, 3)
        # Scheduled within the deadline: no extension to decide.
        self.expect(Due.HEARING, self.committee_case(-10, hearing_scheduled_on=on(today, 5)).pk, 11)
        # Scheduled after the deadline: the extension is to decide by then.
        beyond = self.committee_case(-10, hearing_scheduled_on=on(today, 15))
        self.expect(Due.HEARING, beyond.pk, 11)
        self.expect(Due.EXTENSION, beyond.pk, 11)
        # Extended: the hearing is due on day 28, nothing to extend.
        extended = self.committee_case(-20, extended_on=on(today, -2), extension_reason="Witnesses.")
        self.expect(Due.HEARING, extended.pk, 8)
        # Heard or closed without a hearing: nothing due.
        self.committee_case(-30, hearing_date=on(today, -12))
        self.committee_case(-30, closed_on=on(today, -12), closure_reason="withdrawn")

        # A measure decided 20 days ago and not carried out: 6 days overdue.
        measure = MeasureFactory(
            committee_case=self.committee_case(-40, hearing_date=on(today, -20)), decided_on=on(today, -20)
        )
        self.expect(Due.MEASURE, measure.pk, -6)
        MeasureFactory(committee_case=measure.committee_case, number=2, carried_out_on=on(today, -15))
        # Its notice delivered 25 days ago: the appeal period ends 90 days after; one notified long ago has ended.
        notified = MeasureFactory(
            committee_case=self.committee_case(-40, hearing_date=on(today, -30)),
            decided_on=on(today, -30),
            notified_on=on(today, -25),
            carried_out_on=on(today, -20),
        )
        self.expect(Due.APPEAL, notified.pk, 65)
        MeasureFactory(
            committee_case=self.committee_case(-230, hearing_date=on(today, -200)),
            decided_on=on(today, -200),
            notified_on=on(today, -150),
            carried_out_on=on(today, -190),
        )
        # The victim's side: 90 days from their own notice (10 days ago), as that decision's offender's.
        victim = VictimFactory(incident=notified.committee_case.incident, name="피해자이름")
        notice = VictimNoticeFactory(committee_case=notified.committee_case, victim=victim, notified_on=on(today, -10))
        self.expect(Due.VICTIM_APPEAL, notice.pk, 80)
        # Notified 150 days after the decision: the 180 days from the decision end first. The offender's
        # appeal does not end the victim's side's period.
        capped = MeasureFactory(
            committee_case=self.committee_case(-200, hearing_date=on(today, -170)),
            decided_on=on(today, -170),
            carried_out_on=on(today, -160),
        )
        AppealFactory(measure=capped, filed_on=on(today, -150))
        late = VictimNoticeFactory(
            committee_case=capped.committee_case,
            victim=VictimFactory(incident=capped.committee_case.incident),
            notified_on=on(today, -20),
        )
        self.expect(Due.VICTIM_APPEAL, late.pk, 10)
        # Appealed by a victim's side: nothing due; nor once the period has passed.
        appealed = MeasureFactory(
            committee_case=self.committee_case(-60, hearing_date=on(today, -50)),
            decided_on=on(today, -50),
            carried_out_on=on(today, -45),
        )
        VictimNoticeFactory(
            committee_case=appealed.committee_case,
            victim=VictimFactory(incident=appealed.committee_case.incident),
            notified_on=on(today, -48),
        )
        AppealFactory(measure=appealed, appellant=Appeal.Appellant.VICTIM, filed_on=on(today, -20))
        passed = MeasureFactory(
            committee_case=self.committee_case(-150, hearing_date=on(today, -120)),
            decided_on=on(today, -120),
            carried_out_on=on(today, -110),
        )
        VictimNoticeFactory(
            committee_case=passed.committee_case,
            victim=VictimFactory(incident=passed.committee_case.incident),
            notified_on=on(today, -91),
        )
        # Changed on appeal: the replacement is due 14 days after the appeal's decision; the original no longer.
        changed = MeasureFactory(
            committee_case=self.committee_case(-50, hearing_date=on(today, -45)), number=8, decided_on=on(today, -45)
        )
        appeal = AppealFactory(
            measure=changed, filed_on=on(today, -40), changed=True, replacement_number=7, decided_on=on(today, -4)
        )
        self.expect(Due.MEASURE, appeal.replacement.pk, 10)
        # Revoked on appeal: nothing to carry out.
        revoked = MeasureFactory(
            committee_case=self.committee_case(-50, hearing_date=on(today, -45)), decided_on=on(today, -45)
        )
        AppealFactory(measure=revoked, filed_on=on(today, -40), revoked=True, decided_on=on(today, -30))

        # A separation ending in 2 days; one that has ended.
        separation = SeparationFactory(incident=self.incident(), starts_on=on(today, -5), ends_on=on(today, 2))
        self.expect(Due.SEPARATION, separation.pk, 2)
        SeparationFactory(incident=self.incident(), starts_on=on(today, -8), ends_on=on(today, -1))

        # Takedown requests: one unanswered for 10 days, one with no answer to follow up later, one removed.
        incident = self.incident()
        open_request = TakedownRequestFactory(incident=incident, requested_on=on(today, -10))
        self.expect(Due.TAKEDOWN, open_request.pk, -3)
        no_answer = TakedownRequestFactory(
            incident=incident,
            requested_on=on(today, -10),
            outcome=TakedownRequest.Outcome.NO_ANSWER,
            answered_on=on(today, -2),
            follow_up_on=on(today, 20),
        )
        self.expect(Due.TAKEDOWN, no_answer.pk, 20)
        TakedownRequestFactory(
            incident=incident, requested_on=on(today, -10), outcome="removed", answered_on=on(today, -9)
        )
        return self

    def ordered(self) -> list[tuple[Due, int, datetime.date]]:
        case_number = {}
        for due, pk, _deadline in self.expected:
            case_number[(due, pk)] = item_case_number(due, pk)
        return sorted(self.expected, key=lambda item: (item[2], case_number[item[:2]], item[0].value, item[1]))


def item_case_number(due: Due, pk: int) -> str:
    model = {
        Due.HEARING: CommitteeCase,
        Due.EXTENSION: CommitteeCase,
        Due.MEASURE: Measure,
        Due.APPEAL: Measure,
        Due.SEPARATION: Separation,
        Due.TAKEDOWN: TakedownRequest,
        Due.VICTIM_APPEAL: VictimNotice,
    }[due]
    path = "committee_case__incident__case_number" if model in (Measure, VictimNotice) else "incident__case_number"
    return model.objects.values_list(path, flat=True).get(pk=pk)


TODAY = datetime.date(2024, 9, 2)


@rows_kept
def offices():
    """The two offices (made once for the module's tests that ask for them)."""
    return Office("seoul", TODAY).build(), Office("gyeonggi", TODAY).build()


def listed(user, today=TODAY, **filters) -> list[tuple[Due, int, datetime.date]]:
    rows = queue_rows(user, today=today, queue_filter=QueueFilter(**filters))
    return [(Due(row["due"]), row["item_pk"], row["deadline"]) for row in rows]


# What a clerk sees, and in which order -----------------------------------------------------------


def test_a_clerk_sees_what_is_due_in_their_office_overdue_first(offices):
    seoul, _gyeonggi = offices
    items = listed(UserFactory(office=seoul.office))
    assert items == seoul.ordered()
    urgencies = [
        Urgency.OVERDUE if deadline < TODAY else Urgency.THIS_WEEK if deadline <= on(TODAY, 7) else Urgency.LATER
        for _due, _pk, deadline in items
    ]
    assert urgencies == sorted(urgencies)
    assert urgencies[0] == Urgency.OVERDUE and urgencies[-1] == Urgency.LATER
    assert {due for due, _pk, _deadline in items} == set(Due)


def test_a_clerk_never_sees_another_office(offices):
    seoul, gyeonggi = offices
    seoul_items = set(listed(UserFactory(office=seoul.office)))
    gyeonggi_items = set(listed(UserFactory(office=gyeonggi.office)))
    assert seoul_items == set(seoul.expected)
    assert gyeonggi_items == set(gyeonggi.expected)
    assert not seoul_items & gyeonggi_items


def test_a_clerk_of_a_local_office_sees_only_its_cases(offices):
    seoul, _gyeonggi = offices
    other_school = SchoolFactory(office=seoul.office)
    other = CommitteeCaseFactory(
        incident=IncidentFactory(office=seoul.office, school=other_school, report_date=on(TODAY, -60)),
        requested_on=on(TODAY, -1),
    )
    local_clerk = UserFactory(office=seoul.office, local_office=other_school.local_office)
    # Same case, same deadline: in the order of what is due.
    assert listed(local_clerk) == [(Due.EXTENSION, other.pk, on(TODAY, 20)), (Due.HEARING, other.pk, on(TODAY, 20))]


def test_filter_by_what_is_due_and_by_urgency(offices):
    seoul, _gyeonggi = offices
    clerk = UserFactory(office=seoul.office)
    assert listed(clerk, dues=(Due.TAKEDOWN,)) == [item for item in seoul.ordered() if item[0] == Due.TAKEDOWN]
    overdue = listed(clerk, urgencies=(Urgency.OVERDUE,))
    assert overdue == [item for item in seoul.ordered() if item[2] < TODAY]
    assert len(overdue) == 3


def test_sort_latest_deadline_first(offices):
    seoul, _gyeonggi = offices
    deadlines = [deadline for _due, _pk, deadline in listed(UserFactory(office=seoul.office), latest_first=True)]
    assert deadlines == sorted(deadlines, reverse=True)


# What a supervisor sees --------------------------------------------------------------------------


def expected_counts(office: Office) -> tuple[int, int, int]:
    overdue = sum(1 for _due, _pk, deadline in office.expected if deadline < TODAY)
    this_week = sum(1 for _due, _pk, deadline in office.expected if TODAY <= deadline <= on(TODAY, 7))
    return overdue, this_week, len(office.expected)


def counts(user, **filters) -> dict[str, tuple[int, int, int]]:
    return {
        entry.office.code: (entry.overdue, entry.this_week, entry.total)
        for entry in counts_by_office(user, today=TODAY, queue_filter=QueueFilter(**filters))
    }


def test_a_national_supervisor_sees_the_counts_of_every_office(offices):
    seoul, gyeonggi = offices
    OfficeFactory(code="jeju")
    assert counts(UserFactory(supervisor=True, office=None)) == {
        "seoul": expected_counts(seoul),
        "gyeonggi": expected_counts(gyeonggi),
        "jeju": (0, 0, 0),
    }
    assert expected_counts(seoul) == (3, 3, 15)


def test_an_office_supervisor_sees_only_their_office(offices):
    seoul, _gyeonggi = offices
    assert counts(UserFactory(supervisor=True, office=seoul.office)) == {"seoul": expected_counts(seoul)}
    assert counts(UserFactory(supervisor=True, office=seoul.office), dues=(Due.MEASURE,)) == {"seoul": (1, 0, 2)}


# The pages ---------------------------------------------------------------------------------------


@rows_kept
def live_offices():
    """The two offices, with dates relative to the real today (the pages use it); made once for the
    module's tests that ask for them."""
    today = timezone.localdate()
    return Office("seoul", today).build(), Office("gyeonggi", today).build()


def listed_on(response) -> list:
    """The rows of the page's table: QueueItems, takedown requests, OfficeCounts."""
    return [row.record for row in response.context["table"].paginated_rows]


def page(client, user, url=QUEUE, **params):
    client.force_login(user)
    return client.get(url, params, HTTP_ACCEPT_LANGUAGE="en")


def test_the_clerks_page_lists_their_items_in_order(client, live_offices):
    seoul, gyeonggi = live_offices
    response = page(client, UserFactory(office=seoul.office))
    assert response.status_code == 200
    assert [(item.due, item.deadline) for item in listed_on(response)] == [
        (due, deadline) for due, _pk, deadline in seoul.ordered()
    ]
    content = response.content.decode()
    assert "overdue by 6 days" in content
    assert "due in 3 days" in content
    assert "3 items overdue" in content
    for incident in gyeonggi.office.incidents.all():
        assert f">{incident.case_number}<" not in content
    first = listed_on(response)[0]
    assert reverse("admin:cases_incident_change", args=[first.case_pk]) in content


def test_the_clerks_page_filters_and_sorts(client, live_offices):
    seoul, _gyeonggi = live_offices
    clerk = UserFactory(office=seoul.office)
    response = page(client, clerk, due="measure", when="overdue")
    assert [(item.due, item.days_left) for item in listed_on(response)] == [(Due.MEASURE, -6)]
    response = page(client, clerk, sort="-deadline")
    days = [item.days_left for item in listed_on(response)]
    assert days == sorted(days, reverse=True)


def test_an_unknown_filter_is_refused(client, live_offices):
    response = page(client, UserFactory(office=live_offices[0].office), due="everything-at-once")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_the_supervisors_page_counts_per_office(client, live_offices):
    seoul, _gyeonggi = live_offices
    response = page(client, UserFactory(supervisor=True, office=None))
    assert response.status_code == 200
    assert {entry.office.code: (entry.overdue, entry.this_week) for entry in listed_on(response)} == {
        "seoul": (3, 3),
        "gyeonggi": (3, 3),
    }
    assert isinstance(response.context["table"], OfficeCountsTable)
    response = page(client, UserFactory(supervisor=True, office=seoul.office))
    assert [entry.office.code for entry in listed_on(response)] == ["seoul"]


@pytest.mark.parametrize("url", [QUEUE, OPEN_TAKEDOWNS])
def test_anonymous_users_log_in_first(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("url", [QUEUE, OPEN_TAKEDOWNS])
@pytest.mark.parametrize("admin", [{"role": "admin", "office": None}, {"superuser": True}])
def test_admins_are_refused(client, url, admin):
    assert page(client, UserFactory(**admin), url).status_code == 403


def test_the_queue_needs_the_same_queries_for_more_cases(client):
    today = timezone.localdate()
    seoul = Office("seoul", today).build()
    clerk, supervisor = UserFactory(office=seoul.office), UserFactory(supervisor=True, office=None)

    def queries(user):
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(QUEUE).status_code == 200
        return len(captured)

    before = queries(clerk), queries(supervisor)
    seoul.build()
    Office("gyeonggi", today).build()
    assert (queries(clerk), queries(supervisor)) == before


def test_the_queue_query_count_is_pinned(client, django_assert_num_queries):
    seoul = Office("seoul", timezone.localdate()).build()
    client.force_login(UserFactory(office=seoul.office))
    # The session and the user; the offices (with their backlog's counts) and the live work's
    # counts, which count the pages too; the page's rows; the user's office in the masthead; saving
    # the session (savepoint, update, release).
    with django_assert_num_queries(9):
        assert client.get(QUEUE).status_code == 200


# Takedown requests still open after 7 days -------------------------------------------------------


@pytest.fixture
def takedowns():
    today = timezone.localdate()
    seoul, gyeonggi = OfficeFactory(code="seoul"), OfficeFactory(code="gyeonggi")

    def request(office, days_ago, **fields):
        incident = IncidentFactory(office=office, report_date=on(today, -30))
        return TakedownRequestFactory(incident=incident, requested_on=on(today, -days_ago), **fields)

    return {
        "seoul": seoul,
        "eight_days": request(seoul, 8),
        "seven_days": request(seoul, 7),
        "no_answer": request(seoul, 20, outcome="no_answer", answered_on=on(today, -5)),
        "removed": request(seoul, 20, outcome="removed", answered_on=on(today, -15)),
        "refused": request(seoul, 20, outcome="refused", answered_on=on(today, -15)),
        "gyeonggi": request(gyeonggi, 12),
    }


def test_requests_open_after_7_days_are_listed_oldest_first(takedowns):
    clerk = UserFactory(office=takedowns["seoul"])
    assert list(open_takedown_requests(clerk, today=timezone.localdate())) == [
        takedowns["no_answer"],
        takedowns["eight_days"],
    ]


def test_the_open_takedowns_page(client, takedowns, django_assert_num_queries):
    client.force_login(UserFactory(office=takedowns["seoul"]))
    # The session and the user; the count and the rows; the masthead's office; saving the session.
    with django_assert_num_queries(8):
        response = client.get(OPEN_TAKEDOWNS, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert listed_on(response) == [takedowns["no_answer"], takedowns["eight_days"]]
    assert [row.get_cell_value("days_open") for row in response.context["table"].paginated_rows] == [20, 8]
    assert takedowns["gyeonggi"].incident.case_number not in response.content.decode()


def test_a_supervisor_sees_the_open_takedowns_of_their_scope(client, takedowns):
    response = page(client, UserFactory(supervisor=True, office=None), OPEN_TAKEDOWNS)
    assert set(listed_on(response)) == {
        takedowns["no_answer"],
        takedowns["eight_days"],
        takedowns["gyeonggi"],
    }


def test_an_appeal_does_not_put_anything_in_the_queue():
    appeal = AppealFactory(measure=MeasureFactory(carried_out_on=datetime.date(2024, 5, 25)))
    assert appeal.outcome == Appeal.Outcome.PENDING
    supervisor = UserFactory(supervisor=True, office=None)
    assert listed(supervisor, dues=(Due.MEASURE,)) == []


# The victim's side's appeal period ---------------------------------------------------------------


def test_the_victims_period_shows_their_code_never_their_name_and_only_in_their_office(client, live_offices):
    seoul, gyeonggi = live_offices
    client.force_login(UserFactory(office=seoul.office))
    response = client.get(QUEUE, {"due": "victim_appeal"}, HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 200
    expected = [item for item in seoul.ordered() if item[0] == Due.VICTIM_APPEAL]
    assert [(item.due, item.deadline) for item in listed_on(response)] == [(due, day) for due, _pk, day in expected]
    content = response.content.decode()
    assert "피해 측 행정심판 청구기간 만료" in content
    for notice in VictimNotice.objects.filter(committee_case__incident__office=seoul.office).select_related("victim"):
        assert notice.victim.name == "" or notice.victim.name not in content
    assert "피해자이름" not in content  # the name of the notified victim of each office
    shown = {notice.victim.code for notice in VictimNotice.objects.filter(pk__in=[pk for _due, pk, _day in expected])}
    assert all(f"{code}(" in content for code in shown)
    for notice in VictimNotice.objects.filter(committee_case__incident__office=gyeonggi.office):
        assert f">{notice.committee_case.incident.case_number}<" not in content
