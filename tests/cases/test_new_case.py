"""A new case in one form (issue 18, item 3): the incident, its people, the grid of their relations
and the referral in one submission, saved through the case services, all or nothing; the case number
follows the report date, the office and the schools are the clerk's."""

import datetime

import pytest
from django.urls import reverse

from casetracker.audit.models import AccessLog
from casetracker.cases.models import (
    CommitteeCase,
    Incident,
    Offender,
    OffenderVictimRelation,
    TakedownRequest,
    Victim,
)
from casetracker.cases.status import Status
from casetracker.core.models import SchoolLevel
from tests.cases.test_admin import incident_form, page_data, page_errors
from tests.factories import (
    CommitteeFactory,
    IncidentFactory,
    LocalOfficeFactory,
    OfficeFactory,
    SchoolFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ADD = reverse("admin:cases_incident_add")


@pytest.fixture
def busan():
    office = OfficeFactory(code="busan")
    local, other_local = LocalOfficeFactory(office=office), LocalOfficeFactory(office=office)
    school = SchoolFactory(office=office, local_office=local, level=SchoolLevel.MIDDLE)
    return {
        "office": office,
        "school": school,
        "other_local_school": SchoolFactory(office=office, local_office=other_local),
        "committee": CommitteeFactory(office=office, local_office=local),
        "clerk": UserFactory(office=office, local_office=local, language="en"),
    }


@pytest.fixture
def clerk_client(client, busan):
    client.force_login(busan["clerk"])
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def new_case(client, school, **changes) -> dict:
    """The add page's own post, with a case of two victims and one offender typed in its open rows."""
    page = client.get(ADD)
    data = page_data(page)
    data.update(incident_form(school, case_number=page.context["adminform"].form["case_number"].value()))
    data.update(
        {
            "victims-0-school_level": "middle",
            "victims-0-grade": "2",
            "victims-1-school_level": "middle",
            "victims-1-grade": "2",
            "offenders-0-school_level": "middle",
            "offenders-0-grade": "3",
            "new-relation_0_0": "classmate",
            "new-relation_1_0": "same_school",
        }
    )
    data.update(changes)
    return data


def test_the_add_page_opens_with_rows_for_the_people_and_a_grid_of_their_relations(clerk_client, busan):
    page = clerk_client.get(ADD)
    html = page.content.decode()
    form = page.context["adminform"].form
    assert form["office"].value() == busan["office"].pk
    assert form["case_number"].value() == f"{datetime.date.today().year}-0001"
    for name in ("victims-0-code", "victims-1-code", "offenders-0-code", "offenders-1-code"):
        assert f'name="{name}"' in html
    assert page.context["new_case"].header() == [(0, "O1"), (1, "O2")]
    assert 'name="new-relation_1_1"' in html and 'name="new-committee"' in html
    assert busan["committee"].name_ko in html or busan["committee"].name_en in html


def test_a_whole_new_case_in_one_post_lands_on_its_case_page(clerk_client, busan):
    data = new_case(
        clerk_client,
        busan["school"],
        report_date="2025-03-10",
        police_referred_on="2025-03-11",
        **{
            "takedown_requests-0-platform": "telegram",
            "takedown_requests-0-requested_on": "2025-03-11",
            "takedown_requests-0-outcome": "requested",
            "new-committee": str(busan["committee"].pk),
            "new-referred_on": "2025-03-14",
        },
    )

    response = clerk_client.post(ADD, data)

    assert response.status_code == 302, page_errors(response)
    incident = Incident.objects.get()
    assert response.url == reverse("admin:cases_incident_change", args=[incident.pk])
    assert incident.case_number == "2025-0001"  # (the page suggested this year's; the report is of 2025)
    assert incident.office == busan["office"]
    assert sorted(incident.victims.values_list("code", flat=True)) == ["V1", "V2"]
    assert list(incident.offenders.values_list("code", flat=True)) == ["O1"]  # (O2's row left as it opened)
    assert sorted(OffenderVictimRelation.objects.values_list("victim__code", "offender__code", "relation")) == [
        ("V1", "O1", "classmate"),
        ("V2", "O1", "same_school"),
    ]
    assert incident.takedown_requests.count() == 1
    referral = incident.committee_cases.get()
    assert (referral.committee, referral.requested_on) == (busan["committee"], datetime.date(2025, 3, 14))
    incident.refresh_from_db()
    assert incident.status == Status.REFERRED
    # Through the services and the step: each record's history names the clerk, the referral is logged.
    for model in (Incident, Victim, Offender, OffenderVictimRelation, CommitteeCase, TakedownRequest):
        assert {row.history_user for row in model.history.all()} == {busan["clerk"]}, model
    assert AccessLog.objects.filter(user=busan["clerk"], detail="step: refer to committee").count() == 1


def test_a_relation_to_an_empty_row_is_an_error_on_its_cell_and_saves_nothing(clerk_client, busan):
    data = new_case(clerk_client, busan["school"], **{"new-relation_1_1": "stranger"})  # O2: empty

    response = clerk_client.post(ADD, data)

    assert response.status_code == 200
    errors = response.context["new_case"].form.errors
    assert errors == {"relation_1_1": ["Fill in this offender's row, or leave the relation empty."]}
    assert "Fill in this offender" in response.content.decode()
    assert not Incident.objects.exists() and not Victim.objects.exists()


def test_a_referral_the_step_refuses_shows_on_its_field_and_saves_nothing(clerk_client, busan):
    data = new_case(
        clerk_client,
        busan["school"],
        **{"new-committee": str(busan["committee"].pk), "new-referred_on": "2024-04-01"},  # before the report
    )

    response = clerk_client.post(ADD, data)

    assert response.status_code == 200, response.get("Location")
    assert response.context["new_case"].form.errors["referred_on"]
    for model in (Incident, Victim, Offender, OffenderVictimRelation, CommitteeCase):
        assert not model.objects.exists(), model


def test_a_bad_field_among_the_people_saves_nothing(clerk_client, busan):
    data = new_case(clerk_client, busan["school"], **{"victims-1-grade": "7"})  # a middle school's grade 7

    response = clerk_client.post(ADD, data)

    assert response.status_code == 200
    assert "grade" in page_errors(response)["victims"][2]
    assert not Incident.objects.exists() and not OffenderVictimRelation.objects.exists()


def test_a_clerk_cannot_set_another_office_or_another_local_offices_school(clerk_client, busan):
    other_office = OfficeFactory()
    data = new_case(clerk_client, busan["school"], office=str(other_office.pk))
    response = clerk_client.post(ADD, data)
    assert response.status_code == 200
    assert "office" in response.context["adminform"].form.errors

    data = new_case(clerk_client, busan["other_local_school"])
    response = clerk_client.post(ADD, data)
    assert response.status_code == 200
    assert "school" in response.context["adminform"].form.errors
    assert not Incident.objects.exists()


def test_the_school_list_is_the_clerks_local_offices(clerk_client, busan):
    response = clerk_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "cases", "model_name": "incident", "field_name": "school", "term": ""},
    )
    assert [int(result["id"]) for result in response.json()["results"]] == [busan["school"].pk]


def test_a_name_in_the_description_is_refused_on_this_form_too(clerk_client, busan):
    data = new_case(
        clerk_client,
        busan["school"],
        content_description="김민지 학생의 사진으로 만든 합성 이미지",
        **{"victims-0-name": "김민지"},
    )

    response = clerk_client.post(ADD, data)

    assert response.status_code == 200
    assert "content_description" in response.context["adminform"].form.errors
    assert not Incident.objects.exists() and not OffenderVictimRelation.objects.exists()


def test_the_add_page_in_a_fixed_number_of_queries(clerk_client, busan, django_assert_max_num_queries):
    IncidentFactory(office=busan["office"], school=busan["school"])
    clerk_client.get(ADD)  # (the session and the permissions' caches warm)
    with django_assert_max_num_queries(13):
        response = clerk_client.get(ADD)
    assert response.status_code == 200


def test_the_save_of_a_new_case_in_a_fixed_number_of_queries(clerk_client, busan, django_assert_max_num_queries):
    data = new_case(
        clerk_client, busan["school"], **{"new-committee": str(busan["committee"].pk), "new-referred_on": "2024-05-10"}
    )
    # (198 while each check constraint was a query and a savepoint; 117 while each foreign key the
    # scope check had just found was looked up again by full_clean)
    with django_assert_max_num_queries(106):
        response = clerk_client.post(ADD, data)
    assert response.status_code == 302, page_errors(response)


def test_the_site_menu_opens_the_new_case_form_for_those_who_enter_cases(client, busan):
    client.force_login(busan["clerk"])
    assert f'href="{ADD}"' in client.get(reverse("workflow:queue")).content.decode()
    client.force_login(UserFactory(office=busan["office"], supervisor=True))
    assert f'href="{ADD}"' not in client.get(reverse("workflow:queue")).content.decode()


def test_a_post_claiming_many_rows_gets_a_message_not_a_cell_for_every_pair(clerk_client, busan):
    data = new_case(clerk_client, busan["school"], **{"victims-TOTAL_FORMS": "60", "offenders-TOTAL_FORMS": "60"})

    response = clerk_client.post(ADD, data)

    assert response.status_code == 200
    assert len(response.context["new_case"].form.fields) == 2  # (the referral's, no cell)
    assert not Incident.objects.exists()
