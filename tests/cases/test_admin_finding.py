"""Finding cases in the incident list: partial case numbers, person codes, schools, a range of
report dates, and filters that offer only the user's own offices."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from casetracker.accounts.roles import Role
from tests.factories import (
    IncidentFactory,
    LocalOfficeFactory,
    OffenderFactory,
    OfficeFactory,
    SchoolFactory,
    UserFactory,
    VictimFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("admin:cases_incident_changelist")


def found(client, **params):
    response = client.get(LIST, params)
    assert response.status_code == 200, response.content[:500]
    return {obj.case_number for obj in response.context_data["cl"].result_list}


def test_a_sequence_finds_the_case_number_of_any_year(admin_client):
    IncidentFactory(case_number="2024-0028", report_date=datetime.date(2024, 3, 1))
    IncidentFactory(case_number="2023-0028", report_date=datetime.date(2023, 3, 1))
    IncidentFactory(case_number="2024-0280", report_date=datetime.date(2024, 3, 1))
    assert found(admin_client, q="0028") == {"2024-0028", "2023-0028"}
    assert found(admin_client, q="28") == {"2024-0028", "2023-0028"}
    assert found(admin_client, q="2024-0028") == {"2024-0028"}


def test_a_person_code_finds_the_cases_having_such_a_person_with_the_other_words(admin_client):
    with_v2 = IncidentFactory(case_number="2024-0001")
    VictimFactory(incident=with_v2, code="V2")
    OffenderFactory(incident=with_v2, code="O1")
    other = IncidentFactory(case_number="2024-0002")
    VictimFactory(incident=other, code="V1")
    assert found(admin_client, q="v2") == {"2024-0001"}
    assert found(admin_client, q="O1") == {"2024-0001"}
    assert found(admin_client, q="V1 0002") == {"2024-0002"}
    assert found(admin_client, q="V1 0001") == set()


def test_the_report_date_range_keeps_its_ends(admin_client):
    for day in (1, 10, 20):
        IncidentFactory(case_number=f"2024-00{day:02d}", report_date=datetime.date(2024, 5, day))
    assert found(admin_client, report_date_from="2024-05-10", report_date_to="2024-05-20") == {"2024-0010", "2024-0020"}
    assert found(admin_client, report_date_to="2024-05-09") == {"2024-0001"}
    assert admin_client.get(LIST, {"report_date_from": "2024-13-01"}).status_code == 400


def filter_choices(client, title):
    response = client.get(LIST)
    specs = {str(spec.title): spec for spec in response.context_data["cl"].filter_specs}
    spec = specs.get(title)
    return None if spec is None or not spec.has_output() else {label for _value, label in spec.lookup_choices}


def test_an_office_clerk_has_no_office_filter_and_only_their_local_offices(client):
    mine, theirs = OfficeFactory(), OfficeFactory()
    LocalOfficeFactory(office=mine, name_ko="우리지원청")
    LocalOfficeFactory(office=mine, name_ko="우리둘째지원청")
    LocalOfficeFactory(office=theirs, name_ko="남의지원청")
    client.force_login(UserFactory(office=mine))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert filter_choices(client, "office of education") is None
    choices = filter_choices(client, "local office of education")
    assert choices and all("남의" not in label for label in choices)


def test_a_national_supervisor_is_offered_every_office(client):
    offices = [OfficeFactory(), OfficeFactory()]
    client.force_login(UserFactory(role=Role.SUPERVISOR, office=None))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):  # the page's language, whatever an earlier test left active
        names = {str(office) for office in offices}
    assert names <= filter_choices(client, "office of education")


def test_another_offices_id_in_the_filter_finds_nothing(client):
    mine, theirs = OfficeFactory(), OfficeFactory()
    IncidentFactory(office=theirs, case_number="2024-0009")
    IncidentFactory(office=mine, case_number="2024-0010")
    client.force_login(UserFactory(office=mine))
    assert found(client, office__id__exact=str(theirs.pk)) == set()  # (not the whole scope, unfiltered)
    assert found(client, office__id__exact=str(mine.pk)) == {"2024-0010"}
    assert client.get(LIST, {"office__id__exact": "x"}).status_code == 400


def test_the_search_list_takes_a_pinned_number_of_queries(admin_client, django_assert_max_num_queries):
    for n in range(5):
        incident = IncidentFactory(case_number=f"2024-{n:04d}")
        VictimFactory(incident=incident, code="V1")
    with django_assert_max_num_queries(17):  # (with the saved views above the list; the numbers of "0003" first)
        assert found(admin_client, q="0003 V1") == {"2024-0003"}


def test_a_local_office_clerk_is_offered_only_their_local_offices_schools(client):
    local, other = LocalOfficeFactory(), LocalOfficeFactory()
    SchoolFactory(office=local.office, local_office=local, name_en="Our First School")
    SchoolFactory(office=local.office, local_office=local, name_en="Our Second School")
    SchoolFactory(office=local.office, local_office=other, name_en="Their School")
    client.force_login(UserFactory(office=local.office, local_office=local))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    choices = filter_choices(client, "school")
    assert len(choices) == 2 and all("Their" not in label for label in choices)
