"""The list of closed cases whose names come due for removal (issue 17, item 4): within 30 days or
overdue, earliest first, in the user's scope (office, local office, national), never a name, in a
fixed number of queries."""

import datetime

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from casetracker.workflow.queue import identities_due_for_purge
from tests.cases.test_retention import closed_since
from tests.factories import (
    IncidentFactory,
    LocalOfficeFactory,
    OfficeFactory,
    SchoolFactory,
    UserFactory,
    VictimFactory,
)

IDENTITIES = reverse("workflow:identities")
YEARS = 5

pytestmark = pytest.mark.django_db


def closed(office, *, days: int, name: str = "홍길동", school=None, **fields):
    """A closed case of ``office`` whose names are kept until ``days`` from today, its victim named."""
    incident = IncidentFactory(
        office=office,
        school=school or SchoolFactory(office=office),
        report_date=datetime.date(2015, 3, 2),
        closed_on=closed_since(YEARS, days=days),
        closure_reason="resolved_by_principal",
        **fields,
    )
    VictimFactory(incident=incident, name=name)
    return incident


@pytest.fixture
def seoul():
    return OfficeFactory(code="seoul")


@pytest.fixture
def cases(seoul):
    gyeonggi = OfficeFactory(code="gyeonggi")
    unnamed = closed(seoul, days=-3)
    unnamed.victims.update(name="")
    return {
        "overdue": closed(seoul, days=-3),
        "today": closed(seoul, days=0),
        "day_29": closed(seoul, days=29),
        "day_31": closed(seoul, days=31),
        "unnamed": unnamed,
        "gyeonggi": closed(gyeonggi, days=-1),
    }


@override_settings(CASETRACKER_IDENTITY_RETENTION_YEARS=YEARS)
def test_the_list_has_named_closed_cases_due_within_30_days_or_overdue_earliest_first(seoul, cases):
    today = timezone.localdate()
    due = list(identities_due_for_purge(UserFactory(office=seoul), today=today))
    assert due == [cases["overdue"], cases["today"], cases["day_29"]]
    assert due[0].identities_kept_until == today - datetime.timedelta(days=3)


@override_settings(CASETRACKER_IDENTITY_RETENTION_YEARS=YEARS)
def test_a_seoul_clerk_sees_no_gyeonggi_case(client, seoul, cases):
    client.force_login(UserFactory(office=seoul))
    response = client.get(IDENTITIES, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    rows = [row.record for row in response.context["table"].paginated_rows]
    assert rows == [cases["overdue"], cases["today"], cases["day_29"]]
    page = response.content.decode()
    assert cases["gyeonggi"].case_number not in page
    assert reverse("admin:cases_incident_change", args=[cases["overdue"].pk]) in page
    assert "overdue by 2 days" in page  # kept until 3 days ago: removal was due 2 days ago
    assert "홍길동" not in page
    assert IDENTITIES in client.get(reverse("workflow:queue")).content.decode()


@override_settings(CASETRACKER_IDENTITY_RETENTION_YEARS=YEARS)
def test_a_local_office_clerk_sees_only_the_cases_of_its_schools(client, seoul):
    north, south = LocalOfficeFactory(office=seoul), LocalOfficeFactory(office=seoul)
    mine = closed(seoul, days=-1, school=SchoolFactory(office=seoul, local_office=north))
    closed(seoul, days=-1, school=SchoolFactory(office=seoul, local_office=south))
    client.force_login(UserFactory(office=seoul, local_office=north))
    response = client.get(IDENTITIES)
    assert [row.record for row in response.context["table"].paginated_rows] == [mine]


@override_settings(CASETRACKER_IDENTITY_RETENTION_YEARS=YEARS)
def test_a_national_supervisor_sees_every_office(client, cases):
    client.force_login(UserFactory(supervisor=True, office=None))
    response = client.get(IDENTITIES)
    assert {row.record for row in response.context["table"].paginated_rows} == {
        cases["overdue"],
        cases["today"],
        cases["day_29"],
        cases["gyeonggi"],
    }


@override_settings(CASETRACKER_IDENTITY_RETENTION_YEARS=YEARS)
def test_an_office_s_own_period_moves_its_cases_in_and_out(client, seoul, cases):
    seoul.identity_retention_years = 10
    seoul.save()
    assert list(identities_due_for_purge(UserFactory(office=seoul), today=timezone.localdate())) == []


@override_settings(CASETRACKER_IDENTITY_RETENTION_YEARS=YEARS)
def test_the_page_query_count_does_not_grow(client, seoul, cases, django_assert_num_queries):
    client.force_login(UserFactory(office=seoul))
    client.get(IDENTITIES)
    # The session and the user; the count and the rows; the masthead's office; saving the session.
    with django_assert_num_queries(8):
        client.get(IDENTITIES)
    for _ in range(3):
        closed(seoul, days=-1)
    with django_assert_num_queries(8):
        client.get(IDENTITIES)


def test_admins_are_refused_and_anonymous_users_sent_to_log_in(client):
    assert client.get(IDENTITIES).status_code == 302
    client.force_login(UserFactory(superuser=True))
    assert client.get(IDENTITIES).status_code == 403
