"""The workflow's fields on the clerks' entry pages: separations on the incident page
(at most 7 days, between the case's own people), the closure, the scheduled hearing and
the measures' notification and execution dates."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from casetracker.cases.models import CommitteeCase, Incident, Measure, Separation
from casetracker.cases.status import Status, status_of
from casetracker.core.formatting import format_date
from tests.cases.test_admin import add_rows, inline_formset, page_data, page_errors
from tests.factories import (
    HeardCommitteeCaseFactory,
    IncidentFactory,
    MeasureFactory,
    OffenderFactory,
    UserFactory,
    VictimFactory,
    days_after,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident():
    incident = IncidentFactory()
    OffenderFactory(incident=incident, code="O1")
    VictimFactory(incident=incident, code="V1")
    return incident


@pytest.fixture
def clerk_client(client, incident):
    client.force_login(UserFactory(office=incident.office))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def change_url(incident: Incident) -> str:
    return reverse("admin:cases_incident_change", args=[incident.pk])


def post_separation(client, incident, ends_after: int):
    page = client.get(change_url(incident))
    data = page_data(page)
    add_rows(
        data,
        page,
        Separation,
        [
            {
                "offender": str(incident.offenders.get().pk),
                "victim": str(incident.victims.get().pk),
                "starts_on": str(incident.report_date),
                "ends_on": str(days_after(incident.report_date, ends_after)),
            }
        ],
    )
    return client.post(change_url(incident), data)


def test_a_separation_of_7_days_is_saved_on_the_incident_page(clerk_client, incident):
    response = post_separation(clerk_client, incident, 7)
    assert response.status_code == 302, page_errors(response)
    separation = Separation.objects.get()
    assert (separation.offender.code, separation.victim.code) == ("O1", "V1")
    assert separation.history.get().history_type == "+"


def test_a_separation_of_8_days_is_a_field_error(clerk_client, incident):
    response = post_separation(clerk_client, incident, 8)
    assert response.status_code == 200
    formset = inline_formset(response, Separation)
    assert formset.forms[0].errors["ends_on"] == [
        f"A separation lasts at most 7 days: it must end by {format_date(days_after(incident.report_date, 7))}."
    ]
    assert not Separation.objects.exists()


def test_a_separation_offers_only_the_people_of_the_case(clerk_client, incident):
    OffenderFactory(incident=IncidentFactory(office=incident.office), code="O-elsewhere")
    formset = inline_formset(clerk_client.get(change_url(incident)), Separation)
    assert list(formset.empty_form.fields["offender"].queryset) == list(incident.offenders.all())
    assert list(formset.empty_form.fields["victim"].queryset) == list(incident.victims.all())


def test_a_new_incident_has_no_separations_yet(clerk_client):
    response = clerk_client.get(reverse("admin:cases_incident_add"))
    assert all(inline.formset.model is not Separation for inline in response.context["inline_admin_formsets"])


def step_url(incident: Incident, step: str, on=None) -> str:
    url = reverse("admin:cases_incident_step", args=[incident.pk, step])
    return f"{url}?on={on.pk}" if on is not None else url


def test_closing_by_its_step_needs_the_reason(clerk_client, incident):
    data = {"on": str(days_after(incident.report_date, 3))}
    response = clerk_client.post(step_url(incident, "close"), data)
    assert response.context["form"].errors["reason"] == ["Give the reason for closing the case without a hearing."]
    data["reason"] = "resolved_by_principal"
    response = clerk_client.post(step_url(incident, "close"), data)
    assert response.status_code == 302, response.context["form"].errors
    assert status_of(incident) == Status.CLOSED


def test_the_schedule_step_schedules_the_hearing(clerk_client, incident):
    case = HeardCommitteeCaseFactory(incident=incident, hearing_date=None)
    data = {"on": str(days_after(case.requested_on, 10))}
    response = clerk_client.post(step_url(incident, "schedule", case), data)
    assert response.status_code == 302, response.context["form"].errors
    assert CommitteeCase.objects.get(pk=case.pk).hearing_scheduled_on == days_after(case.requested_on, 10)
    assert status_of(incident) == Status.HEARING_SCHEDULED


def test_the_measure_page_records_the_notification_and_its_step_the_execution(clerk_client, incident):
    measure = MeasureFactory(committee_case__incident=incident, offender=incident.offenders.get())
    url = reverse("admin:cases_measure_change", args=[measure.pk])
    data = page_data(clerk_client.get(url))
    data["notified_on"] = str(days_after(measure.decided_on, 1))
    response = clerk_client.post(url, data)
    assert response.status_code == 302, page_errors(response)
    early = {"on": str(days_after(measure.decided_on, -1))}
    response = clerk_client.post(step_url(incident, "carried_out", measure), early)
    assert response.context["form"].errors["on"] == ["A measure cannot be carried out before it was decided."]
    response = clerk_client.post(
        step_url(incident, "carried_out", measure), {"on": str(days_after(measure.decided_on, 10))}
    )
    assert response.status_code == 302, response.context["form"].errors
    measure = Measure.objects.get(pk=measure.pk)
    assert (measure.notified_on, measure.carried_out_on) == (
        days_after(measure.decided_on, 1),
        days_after(measure.decided_on, 10),
    )
    assert status_of(incident) == Status.MEASURES_CARRIED_OUT


def test_an_incident_closed_in_the_future_is_refused():
    incident = IncidentFactory(report_date=datetime.date(2024, 5, 2))
    incident.closed_on = timezone.localdate() + datetime.timedelta(days=2)
    incident.closure_reason = "withdrawn"
    with pytest.raises(ValidationError) as excinfo:
        incident.full_clean()
    assert excinfo.value.message_dict == {"closed_on": ["The date cannot be in the future."]}
