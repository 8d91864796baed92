"""The case page: a whole case (10 people, 10 measures) in at most 30 queries, its deadlines beside
their steps, and its step buttons."""

import pytest
from django.urls import reverse

from casetracker.datasets.whole_case import add_whole_case
from tests.factories import CommitteeFactory, IncidentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def whole_case():
    incident = IncidentFactory()
    committee = CommitteeFactory(office=incident.office, local_office=incident.school.local_office)
    return add_whole_case(incident=incident, committee=committee, people=10, measures=10)


def case_url(incident) -> str:
    return reverse("admin:cases_incident_change", args=[incident.pk])


@pytest.fixture
def clerk_of(client):
    def login(incident):
        client.force_login(UserFactory(office=incident.office, language="en"))
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return login


def test_the_whole_case_page_in_at_most_30_queries(whole_case, clerk_of, django_assert_max_num_queries):
    client = clerk_of(whole_case)
    client.get(case_url(whole_case))  # (the session and the permissions' caches warm)
    with django_assert_max_num_queries(30):
        response = client.get(case_url(whole_case))
    assert response.status_code == 200
