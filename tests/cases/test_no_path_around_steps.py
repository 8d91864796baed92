"""No path around the workflow's steps: committee cases, measures and appeals are deleted by no
page (their delete pages, the lists' bulk delete, the inlines' delete boxes, nor by deleting the
incident or the offender they belong to), and the fields the steps write are read-only or absent
on their change pages and inlines (tests/cases/test_case_steps.py posts them)."""

import pytest
from django.urls import reverse

from casetracker.cases.admin.committees import APPEAL_STEP_FIELDS, COMMITTEE_CASE_STEP_FIELDS, MEASURE_STEP_FIELDS
from casetracker.cases.models import Appeal, CommitteeCase, Incident, Measure, Offender, Status
from casetracker.cases.status import status_of
from tests.cases.test_admin import page_data
from tests.factories import AppealFactory, UserFactory

pytestmark = pytest.mark.django_db

STEP_MODELS = [CommitteeCase, Measure, Appeal]
STEP_FIELDS = {
    CommitteeCase: COMMITTEE_CASE_STEP_FIELDS,
    Measure: MEASURE_STEP_FIELDS,
    Appeal: APPEAL_STEP_FIELDS,
}


def url(model, view, *args):
    return reverse(f"admin:cases_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def case():
    """A case with a committee case, a measure and a pending appeal."""
    appeal = AppealFactory()
    measure = appeal.measure
    incident = measure.offender.incident
    return {CommitteeCase: measure.committee_case, Measure: measure, Appeal: appeal, Incident: incident}


@pytest.fixture
def clerk_client(client, case):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(UserFactory(office=case[Incident].office, language="en"))
    return client


def all_there(case) -> bool:
    return all(model.objects.filter(pk=case[model].pk).exists() for model in STEP_MODELS)


@pytest.mark.parametrize("model", STEP_MODELS, ids=lambda m: m.__name__)
def test_the_delete_page_is_refused_and_the_row_stays(clerk_client, admin_client, case, model):
    for client in (clerk_client, admin_client):  # (a superuser neither: the rule is the admin's, not a role's)
        assert client.get(url(model, "delete", case[model].pk)).status_code == 403
        assert client.post(url(model, "delete", case[model].pk), {"post": "yes"}).status_code == 403
    assert all_there(case)
    assert status_of(case[Incident]) == Status.UNDER_APPEAL


@pytest.mark.parametrize("model", STEP_MODELS, ids=lambda m: m.__name__)
def test_the_list_has_no_bulk_delete(clerk_client, case, model):
    page = clerk_client.get(url(model, "changelist"))
    assert page.status_code == 200
    action_form = page.context["action_form"]
    assert action_form is None or "delete_selected" not in dict(action_form.fields["action"].choices)
    selected = {"action": "delete_selected", "_selected_action": [case[model].pk], "post": "yes"}
    clerk_client.post(url(model, "changelist"), selected)
    assert all_there(case)


@pytest.mark.parametrize("model", STEP_MODELS, ids=lambda m: m.__name__)
def test_the_change_page_shows_the_steps_fields_read_only(clerk_client, case, model):
    page = clerk_client.get(url(model, "change", case[model].pk))
    form = page.context["adminform"].form
    assert not set(STEP_FIELDS[model]) & set(form.fields)
    shown = {field for fieldset in page.context["adminform"] for line in fieldset for field in line}
    assert set(STEP_FIELDS[model]) <= {field.field["name"] for field in shown if field.is_readonly}
    assert not page.context["has_delete_permission"]


def test_the_inlines_of_measures_and_appeals_delete_nothing_and_write_no_step_field(clerk_client, case):
    pages = {
        Measure: clerk_client.get(url(CommitteeCase, "change", case[CommitteeCase].pk)),
        Appeal: clerk_client.get(url(Measure, "change", case[Measure].pk)),
    }
    for model, page in pages.items():
        (inline,) = [i for i in page.context["inline_admin_formsets"] if i.formset.model is model]
        assert not inline.formset.can_delete
        assert not inline.has_delete_permission
        (row,) = inline.formset.forms
        assert not set(STEP_FIELDS[model]) & set(row.fields)
        assert "DELETE" not in row.fields
    # A delete box posted all the same deletes nothing.
    data = page_data(pages[Measure])
    data["measures-0-DELETE"] = "on"
    clerk_client.post(url(CommitteeCase, "change", case[CommitteeCase].pk), data)
    data = page_data(pages[Appeal])
    data["appeals-0-DELETE"] = "on"
    clerk_client.post(url(Measure, "change", case[Measure].pk), data)
    assert all_there(case)


def test_a_case_with_committee_records_is_not_deleted_with_its_incident(clerk_client, case):
    incident = case[Incident]
    page = clerk_client.get(url(Incident, "delete", incident.pk))
    assert page.context["protected"]  # (the page says which records stop it: ``no_delete``)
    assert clerk_client.post(url(Incident, "delete", incident.pk), {"post": "yes"}).context["protected"]
    selected = {"action": "delete_selected", "_selected_action": [incident.pk], "post": "yes"}
    clerk_client.post(url(Incident, "changelist"), selected)
    assert Incident.objects.filter(pk=incident.pk).exists() and all_there(case)


def test_an_offender_with_measures_is_not_deleted_on_the_case_page_or_their_own(clerk_client, case):
    incident, offender = case[Incident], case[Measure].offender
    assert clerk_client.post(url(Offender, "delete", offender.pk), {"post": "yes"}).context["protected"]
    page = clerk_client.get(url(Incident, "change", incident.pk))
    data = page_data(page)
    (inline,) = [i for i in page.context["inline_admin_formsets"] if i.formset.model is Offender]
    (row,) = inline.formset.initial_forms
    data[row.add_prefix("DELETE")] = "on"
    response = clerk_client.post(url(Incident, "change", incident.pk), data)
    assert response.status_code == 200
    (inline,) = [i for i in response.context["inline_admin_formsets"] if i.formset.model is Offender]
    (error,) = inline.formset.non_form_errors()  # (Django's "protected" message, naming the measures)
    assert error.startswith(f"Deleting offender {offender}") and str(case[Measure]) in error
    assert Offender.objects.filter(pk=offender.pk).exists() and all_there(case)
