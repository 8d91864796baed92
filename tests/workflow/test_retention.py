"""School-record retention: when each recorded Art. 17 measure is due for deletion, from the
student's (expected) graduation date (2 years for measures 4 and 5, 4 years for 6 to 8,
never for 9, nothing for 1 to 3), at its edges (29 February), the same in SQL, and the list
of records due within 30 days or overdue, in the user's scope, without names."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from casetracker.cases.models import Measure
from casetracker.workflow import deadlines
from casetracker.workflow.queue import records_due_for_deletion, records_without_graduation_date
from tests.factories import AppealFactory, MeasureFactory, OfficeFactory, SchoolFactory, UserFactory, days_after

RETENTION = reverse("workflow:retention")
LEAP_DAY = datetime.date(2024, 2, 29)


# The due date ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "graduated_on", "due"),
    [
        (4, datetime.date(2025, 2, 14), datetime.date(2027, 2, 14)),
        (5, datetime.date(2025, 2, 14), datetime.date(2027, 2, 14)),
        (6, datetime.date(2025, 2, 14), datetime.date(2029, 2, 14)),
        (7, datetime.date(2025, 2, 14), datetime.date(2029, 2, 14)),
        (8, datetime.date(2025, 2, 14), datetime.date(2029, 2, 14)),
        # 29 February: to the 28th in a year without it, kept where the year has one.
        (4, LEAP_DAY, datetime.date(2026, 2, 28)),
        (6, LEAP_DAY, datetime.date(2028, 2, 29)),
        (5, datetime.date(2023, 2, 28), datetime.date(2025, 2, 28)),
        (8, datetime.date(2023, 3, 1), datetime.date(2027, 3, 1)),
        (4, datetime.date(2024, 12, 31), datetime.date(2026, 12, 31)),
    ],
)
def test_record_deletion_due(number, graduated_on, due):
    assert deadlines.record_deletion_due(number=number, graduated_on=graduated_on) == due


@pytest.mark.parametrize("number", [1, 2, 3, 9])
def test_measures_not_kept_for_a_time_have_no_deletion_day(number):
    assert deadlines.record_deletion_due(number=number, graduated_on=LEAP_DAY) is None


def test_without_the_graduation_date_the_deletion_day_is_unknown():
    assert deadlines.record_deletion_due(number=4, graduated_on=None) is None


@pytest.mark.django_db
def test_the_sql_due_date_is_the_same_as_the_python_one():
    graduation_days = [LEAP_DAY, datetime.date(2023, 2, 28), datetime.date(2023, 3, 1), datetime.date(2024, 1, 31)]
    for graduated_on in [*graduation_days, None]:
        for number in range(1, 10):
            MeasureFactory(number=number, offender__expected_graduation_on=graduated_on, offender__school_level="high")
    rows = Measure.objects.annotate(due=deadlines.sql_record_deletion_due()).select_related("offender")
    assert rows.count() == 45
    for measure in rows:
        graduated_on = measure.offender.expected_graduation_on
        assert measure.due == deadlines.record_deletion_due(number=measure.number, graduated_on=graduated_on), (
            measure.number,
            graduated_on,
        )


# The list of records due -----------------------------------------------------------------------


def graduated(years: int, days: int) -> datetime.date:
    """A graduation date whose measure kept ``years`` years is due ``days`` from today."""
    today = timezone.localdate()
    due = days_after(today, days)
    return (
        due.replace(year=due.year - years)
        if (due.month, due.day) != (2, 29)
        else due.replace(year=due.year - years, day=28)
    )


def recorded(office, number: int, *, due_in: int | None, **fields) -> Measure:
    years = deadlines.RECORD_RETENTION_YEARS.get(number, 2)
    graduated_on = graduated(years, due_in) if due_in is not None else None
    return MeasureFactory(
        committee_case__incident__office=office,
        committee_case__incident__school=SchoolFactory(office=office),
        number=number,
        offender__expected_graduation_on=graduated_on,
        offender__school_level="high",
        offender__name="홍길동",
        **fields,
    )


@pytest.fixture
def seoul():
    return OfficeFactory(code="seoul")


@pytest.fixture
def gyeonggi():
    return OfficeFactory(code="gyeonggi")


@pytest.fixture
def records(seoul, gyeonggi):
    today = timezone.localdate()
    return {
        "overdue": recorded(seoul, 6, due_in=-3),
        "today": recorded(seoul, 4, due_in=0),
        "day_30": recorded(seoul, 8, due_in=30),
        "day_31": recorded(seoul, 5, due_in=31),
        "deleted": recorded(seoul, 7, due_in=-10, deleted_from_record_on=today),
        "expulsion": recorded(seoul, 9, due_in=-400),
        "off_record": recorded(seoul, 2, due_in=-400),
        "revoked": AppealFactory(measure=recorded(seoul, 5, due_in=-5), revoked=True).measure,
        "art25": recorded(seoul, 4, due_in=-5, law="art25"),
        "no_graduation": recorded(seoul, 6, due_in=None),
        "gyeonggi": recorded(gyeonggi, 4, due_in=-1),
    }


@pytest.mark.django_db
def test_the_list_has_final_recorded_measures_due_within_30_days_or_overdue_earliest_first(seoul, records):
    clerk = UserFactory(office=seoul)
    due = list(records_due_for_deletion(clerk, today=timezone.localdate()))
    assert due == [records["overdue"], records["today"], records["day_30"]]
    assert due[0].deletion_due == days_after(timezone.localdate(), -3)
    assert records_without_graduation_date(clerk) == 1


@pytest.mark.django_db
def test_a_seoul_clerk_sees_no_gyeonggi_record(client, seoul, records):
    client.force_login(UserFactory(office=seoul))
    response = client.get(RETENTION, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert [row.record for row in response.context["table"].paginated_rows] == [
        records["overdue"],
        records["today"],
        records["day_30"],
    ]
    page = response.content.decode()
    assert records["gyeonggi"].committee_case.incident.case_number not in page
    assert reverse("admin:cases_measure_change", args=[records["overdue"].pk]) in page
    assert "홍길동" not in page
    assert response.context["without_graduation_date"] == 1


@pytest.mark.django_db
def test_a_national_supervisor_sees_every_office(client, records):
    client.force_login(UserFactory(supervisor=True, office=None))
    response = client.get(RETENTION)
    assert {row.record for row in response.context["table"].paginated_rows} == {
        records["overdue"],
        records["today"],
        records["day_30"],
        records["gyeonggi"],
    }


@pytest.mark.django_db
def test_the_page_query_count_does_not_grow(client, seoul, records, django_assert_num_queries):
    client.force_login(UserFactory(office=seoul))
    client.get(RETENTION)
    # The session and the user; the count, the rows and the count without a graduation date;
    # the masthead's office; saving the session (in a savepoint).
    with django_assert_num_queries(9):
        client.get(RETENTION)
    for _ in range(3):
        recorded(seoul, 7, due_in=-1)
    with django_assert_num_queries(9):
        client.get(RETENTION)


@pytest.mark.django_db
def test_admins_are_refused_and_anonymous_users_sent_to_log_in(client):
    assert client.get(RETENTION).status_code == 302
    client.force_login(UserFactory(superuser=True))
    assert client.get(RETENTION).status_code == 403
