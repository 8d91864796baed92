"""The next case number (issue 20): found among the office's numbers of that year by an index, not
by reading every number of the office; and the add form that suggests it, in a fixed number of queries."""

import pytest
from django.urls import reverse

from casetracker.cases import services
from tests.factories import IncidentFactory, OfficeFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_next_number_is_one_past_the_highest_of_the_office_and_year():
    office, other = OfficeFactory(), OfficeFactory()
    school = SchoolFactory(office=office)
    for number in ("2024-0009", "2024-0012", "2024-12a", "2023-0500", "G2024-0000900"):
        IncidentFactory(office=office, school=school, case_number=number)
    IncidentFactory(office=other, school=SchoolFactory(office=other), case_number="2024-0800")
    assert services.next_case_number(office=office, year=2024) == "2024-0013"
    assert services.next_case_number(office=office, year=2023) == "2023-0501"
    assert services.next_case_number(office=office, year=2025) == "2025-0001"
    assert services.next_case_number(office=other, year=2024) == "2024-0801"


def test_a_number_past_9999_counts_by_its_value():
    office = OfficeFactory()
    school = SchoolFactory(office=office)
    for number in ("2024-9999", "2024-10000"):
        IncidentFactory(office=office, school=school, case_number=number)
    assert services.next_case_number(office=office, year=2024) == "2024-10001"


def test_the_add_form_takes_a_fixed_number_of_queries(client, django_assert_num_queries):
    office = OfficeFactory()
    school = SchoolFactory(office=office)
    for number in range(1, 6):
        IncidentFactory(office=office, school=school, case_number=f"2024-{number:04d}")
    client.force_login(UserFactory(office=office, language="en"))
    add = reverse("admin:cases_incident_add")
    client.get(add)  # (the session and the permissions' caches warm)
    # The session, the user and their permissions, the form's choices and defaults, the next number
    # (one query, whatever the office holds), the referral's committees, the masthead, saving the session.
    with django_assert_num_queries(12):
        assert client.get(add).status_code == 200
    IncidentFactory.create_batch(5, office=office, school=school)
    with django_assert_num_queries(12):
        assert client.get(add).status_code == 200
