"""A clerk of a local office is offered, and allowed, only their local office's schools and
committees (and the office's own provincial committees): in the admin's choices and
autocompletes, in a crafted post, in the case services and in an import. So a case they file
never falls outside their own view. A clerk of the whole office keeps the whole office."""

import datetime
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from casetracker.cases import services
from casetracker.cases.models import CommitteeCase, Incident, Victim
from casetracker.core.models import Committee, LocalOffice, Office, School
from casetracker.imports import exports
from tests.cases.test_admin import incident_form, page_data, page_errors
from tests.factories import (
    ChannelFactory,
    CommitteeFactory,
    IncidentFactory,
    LocalOfficeFactory,
    OfficeFactory,
    SchoolFactory,
    UserFactory,
)
from tests.imports.conftest import case_sheets, run, workbook_file, xlsx

pytestmark = pytest.mark.django_db

OUTSIDE_SCHOOL = "This school is outside your office of education or local office: choose one of yours."


@dataclass
class Seoul:
    office: Office
    north: LocalOffice
    south: LocalOffice
    north_school: School
    south_school: School
    north_committee: Committee
    south_committee: Committee
    provincial_committee: Committee
    north_clerk: object
    office_clerk: object


@pytest.fixture
def seoul(client) -> Seoul:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    office = OfficeFactory(code="seoul", name_en="Seoul")
    north, south = LocalOfficeFactory(office=office), LocalOfficeFactory(office=office)
    north_school = SchoolFactory(office=office, local_office=north, code="north-high")
    ChannelFactory(code="telegram")  # (the import's example case spread on it)
    south_school = SchoolFactory(office=office, local_office=south, code="south-high")
    return Seoul(
        office=office,
        north=north,
        south=south,
        north_school=north_school,
        south_school=south_school,
        north_committee=CommitteeFactory(office=office, local_office=north, name_en="North SV committee"),
        south_committee=CommitteeFactory(office=office, local_office=south, name_en="South SV committee"),
        provincial_committee=CommitteeFactory(
            office=office, local_office=None, kind=Committee.Kind.TEACHER_RIGHTS, name_en="Seoul TR committee"
        ),
        north_clerk=UserFactory(office=office, local_office=north, language="en"),
        office_clerk=UserFactory(office=office, language="en"),
    )


def autocomplete_ids(client, model_name: str, field_name: str) -> set[int]:
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "cases", "model_name": model_name, "field_name": field_name, "term": ""},
    )
    assert response.status_code == 200
    return {int(result["id"]) for result in response.json()["results"]}


# Offered -----------------------------------------------------------------------------------------


def test_a_local_office_clerk_is_offered_only_their_schools_and_committees(client, seoul):
    client.force_login(seoul.north_clerk)
    form = client.get(reverse("admin:cases_incident_add")).context["adminform"].form
    assert set(form.fields["school"].queryset) == {seoul.north_school}
    assert autocomplete_ids(client, "incident", "school") == {seoul.north_school.pk}
    # The committees of their local office, and the provincial office's own.
    assert autocomplete_ids(client, "committeecase", "committee") == {
        seoul.north_committee.pk,
        seoul.provincial_committee.pk,
    }
    # The referral step offers the same.
    incident = IncidentFactory(office=seoul.office, school=seoul.north_school)
    form = client.get(reverse("admin:cases_incident_step", args=[incident.pk, "refer"])).context["form"]
    assert set(form.fields["committee"].queryset) == {seoul.north_committee, seoul.provincial_committee}


def test_an_office_clerk_is_offered_the_whole_office(client, seoul):
    client.force_login(seoul.office_clerk)
    assert autocomplete_ids(client, "incident", "school") == {seoul.north_school.pk, seoul.south_school.pk}
    assert autocomplete_ids(client, "committeecase", "committee") == {
        seoul.north_committee.pk,
        seoul.south_committee.pk,
        seoul.provincial_committee.pk,
    }


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (School, {"north_school"}),
        (Committee, {"north_committee", "provincial_committee"}),
        (LocalOffice, {"north"}),
        (Office, {"office"}),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else "",
)
def test_the_reference_lists_follow_the_local_office(client, seoul, model, expected):
    url = reverse(f"admin:core_{model._meta.model_name}_changelist")
    client.force_login(seoul.north_clerk)
    assert set(client.get(url).context["cl"].result_list) == {getattr(seoul, name) for name in expected}
    client.force_login(seoul.office_clerk)
    assert set(client.get(url).context["cl"].result_list) == set(model.objects.filter(**scope_of(model, seoul)))


def scope_of(model, seoul) -> dict:
    return {"pk": seoul.office.pk} if model is Office else {"office": seoul.office}


def test_the_import_template_names_only_the_clerks_committees(seoul):
    with translation.override("en"):
        rows = [row[0] for row in exports.instructions(seoul.north_clerk) if row]
        example = exports.examples(seoul.north_clerk)["incidents"][0]
    assert "North SV committee" in rows and "Seoul TR committee" in rows
    assert "South SV committee" not in rows
    assert example[2] == "north-high"


# Allowed -----------------------------------------------------------------------------------------


def add_incident(client, school):
    """Post the incident add page as rendered, with ``school`` (whatever the page offered)."""
    url = reverse("admin:cases_incident_add")
    return client.post(url, {**page_data(client.get(url)), **incident_form(school)})


def test_a_crafted_post_with_another_local_offices_school_is_refused(client, seoul):
    client.force_login(seoul.north_clerk)
    response = add_incident(client, seoul.south_school)
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["school"]
    assert not Incident.objects.exists()


def test_a_case_filed_by_a_local_office_clerk_stays_in_their_view(client, seoul):
    client.force_login(seoul.north_clerk)
    response = add_incident(client, seoul.north_school)
    assert response.status_code == 302, page_errors(response)
    assert list(Incident.objects.for_user(seoul.north_clerk)) == list(Incident.objects.all())


def test_a_crafted_referral_to_another_local_offices_committee_is_refused(client, seoul):
    incident = IncidentFactory(office=seoul.office, school=seoul.north_school)
    client.force_login(seoul.north_clerk)
    url = reverse("admin:cases_incident_step", args=[incident.pk, "refer"])
    response = client.post(url, {"committee": str(seoul.south_committee.pk), "on": "2024-05-09"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["committee"]
    assert not CommitteeCase.objects.exists()


def test_an_office_clerk_files_a_case_at_any_of_its_schools(client, seoul):
    client.force_login(seoul.office_clerk)
    response = add_incident(client, seoul.south_school)
    assert response.status_code == 302, page_errors(response)


def test_the_case_services_refuse_a_choice_outside_the_actors_scope(seoul):
    incident = Incident(
        office=seoul.office,
        school=seoul.south_school,
        case_number="2099-0001",
        report_date=datetime.date(2024, 5, 2),
        content_kind=Incident.ContentKind.SEXUAL_IMAGE,
    )
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.save_record(record=incident, actor=seoul.north_clerk)
    assert excinfo.value.message_dict == {"school": [OUTSIDE_SCHOOL]}
    assert not Incident.objects.exists()
    # A record under a case outside the scope is refused on the field that leads there.
    south_case = IncidentFactory(office=seoul.office, school=seoul.south_school)
    victim = Victim(incident=south_case, code="V1", kind=Victim.Kind.TEACHER)
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        services.save_record(record=victim, actor=seoul.north_clerk)
    assert list(excinfo.value.message_dict) == ["incident"]
    services.save_record(record=incident, actor=seoul.office_clerk)
    services.save_record(record=victim, actor=seoul.office_clerk)


def test_the_import_services_refuse_a_choice_outside_the_clerks_scope(seoul):
    incident = Incident(
        office=seoul.office, school=seoul.south_school, case_number="2024-0001", report_date=datetime.date(2024, 5, 2)
    )
    incident.content_kind = Incident.ContentKind.SEXUAL_IMAGE
    errors = services.save_imported_records(
        rows=[services.ImportedRecord(record=incident)], user=seoul.north_clerk, reason="import"
    )
    assert list(errors) == [0]
    assert list(errors[0].message_dict) == ["school"]
    assert not Incident.objects.exists()


def test_an_import_row_with_another_local_offices_school_or_committee_is_refused(seoul):
    sheets = case_sheets(school="south-high")
    with translation.override("en"):
        result = run(seoul.north_clerk, workbook_file(xlsx(sheets)))
    assert result.errors[0].message == "No school of your office of education or local office has this code."
    assert not Incident.objects.exists()

    sheets = case_sheets(school="north-high")
    for key in ("committee_cases", "measures"):
        sheets[key][0]["committee"] = "South SV committee"
    with translation.override("en"):
        result = run(seoul.north_clerk, workbook_file(xlsx(sheets)))
    assert {error.message for error in result.errors} == {
        "No committee of your office of education or local office has this name."
    }
    assert not Incident.objects.exists()
    # The office's clerk may use both.
    assert run(seoul.office_clerk, workbook_file(xlsx(sheets))).committed
