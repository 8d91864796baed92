"""The workflow's rules hold on every path: the admin's step forms (the only writers of the steps'
fields in the admin: tests/cases/test_case_steps.py), the importer
(tests/imports/test_rules.py) and the services refuse alike, with the message on the field at
fault, and nothing is saved.

The rules are the models' (``clean``, and constraints where one table can hold them); the
steps of cases/services.py rely on them (tests/workflow/test_steps.py).
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from casetracker.cases import services
from casetracker.cases.models import Appeal, ClosureReason, Incident, Measure
from casetracker.core.formatting import format_date
from casetracker.core.models import Committee
from tests.cases.test_admin import add_rows, english_date, page_data
from tests.factories import (
    AppealFactory,
    CommitteeCaseFactory,
    CommitteeFactory,
    HeardCommitteeCaseFactory,
    MeasureFactory,
    UserFactory,
    days_after,
)

pytestmark = pytest.mark.django_db

DAY_ONE = days_after(datetime.date(2024, 5, 2), 7)  # the factories' referral
SECOND_PENDING = "An appeal of this kind by the same party is already pending against this measure."


@pytest.fixture
def clerk_client(client):
    """A client logged in as a clerk of the office the test's case is in (``for_case``), in English."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def for_case(incident: Incident):
        client.force_login(UserFactory(office=incident.office, language="en"))
        return client

    return for_case


def change_url(record) -> str:
    return reverse(f"admin:cases_{record._meta.model_name}_change", args=[record.pk])


def post_page(client, url: str, changes: dict | None = None, *, rows: tuple | None = None):
    """Post the page back as it was rendered, with ``changes`` to its fields and new inline ``rows``."""
    page = client.get(url)
    data = page_data(page)
    data.update(changes or {})
    if rows is not None:
        model, new_rows = rows
        add_rows(data, page, model, new_rows)
    return client.post(url, data)


def post_step(client, incident: Incident, step: str, data: dict, *, on=None):
    """Post the step's form of the case page (``on``: the record it acts on)."""
    url = reverse("admin:cases_incident_step", args=[incident.pk, step])
    return client.post(f"{url}?on={on.pk}" if on is not None else url, data)


def pending_row(appeal: Appeal) -> dict:
    return {"appellant": appeal.appellant, "kind": appeal.kind, "filed_on": str(appeal.filed_on), "outcome": "pending"}


# One pending appeal per party, measure and kind ------------------------------------------------


def test_the_appeal_step_refuses_a_second_pending_appeal_by_the_same_party(clerk_client):
    appeal = AppealFactory()
    incident = appeal.measure.committee_case.incident
    response = post_step(clerk_client(incident), incident, "appeal", pending_row(appeal), on=appeal.measure)
    assert response.status_code == 200
    assert response.context["form"].errors == {"appellant": [SECOND_PENDING]}
    assert Appeal.objects.count() == 1


def test_the_appeal_step_accepts_the_other_party_or_another_kind(clerk_client):
    appeal = AppealFactory()
    incident = appeal.measure.committee_case.incident
    client = clerk_client(incident)
    for row in ({**pending_row(appeal), "appellant": "victim"}, {**pending_row(appeal), "kind": "lawsuit"}):
        response = post_step(client, incident, "appeal", row, on=appeal.measure)
        assert response.status_code == 302, response.context["form"].errors
    assert Appeal.objects.count() == 3


def test_the_service_refuses_a_second_pending_appeal_by_the_same_party():
    appeal = AppealFactory()
    second = Appeal(measure=appeal.measure, appellant=appeal.appellant, kind=appeal.kind, filed_on=appeal.filed_on)
    with pytest.raises(ValidationError) as excinfo:
        services.save_record(record=second, actor=None)
    assert excinfo.value.message_dict == {"appellant": [SECOND_PENDING]}
    assert Appeal.objects.count() == 1


# The order of the steps ------------------------------------------------------------------------


def test_the_refer_step_refuses_a_referral_after_the_hearing(clerk_client):
    heard = HeardCommitteeCaseFactory()
    incident = heard.incident
    teacher_rights = CommitteeFactory(
        office=incident.office, local_office=incident.school.local_office, kind=Committee.Kind.TEACHER_RIGHTS
    )
    late = {"committee": str(teacher_rights.pk), "on": str(days_after(heard.hearing_date, 1))}
    response = post_step(clerk_client(incident), incident, "refer", late)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "on": [
            f"This case was heard on {english_date(heard.hearing_date)}: it can no longer be referred to a "
            "committee after that."
        ]
    }
    assert incident.committee_cases.count() == 1


def test_the_steps_refuse_to_extend_or_schedule_after_the_hearing(clerk_client):
    case = HeardCommitteeCaseFactory()
    client = clerk_client(case.incident)
    done = f"The hearing of this committee case is already recorded ({english_date(case.hearing_date)})."
    extend = {"on": str(case.requested_on), "reason": "Witnesses."}
    for step, data in (("extend", extend), ("schedule", {"on": str(case.hearing_date)})):
        response = post_step(client, case.incident, step, data, on=case)
        assert response.status_code == 200
        assert response.context["form"].errors == {"on": [done]}
    case.refresh_from_db()
    assert (case.extended_on, case.hearing_scheduled_on) == (None, None)


def test_the_extend_step_refuses_a_second_extension(clerk_client):
    case = CommitteeCaseFactory(extended_on=DAY_ONE, extension_reason="Witnesses.")
    data = {"on": str(days_after(DAY_ONE, 3)), "reason": "Again."}
    response = post_step(clerk_client(case.incident), case.incident, "extend", data, on=case)
    assert response.status_code == 200
    assert response.context["form"].errors == {"on": ["The hearing deadline has already been extended once."]}
    case.refresh_from_db()
    assert (case.extended_on, case.extension_reason) == (DAY_ONE, "Witnesses.")


def test_the_close_step_refuses_to_close_a_case_with_a_pending_appeal(clerk_client):
    appeal = AppealFactory()
    services.record_measure_carried_out(measure=appeal.measure, on=appeal.filed_on)
    incident = appeal.measure.committee_case.incident
    response = post_step(clerk_client(incident), incident, "close", {"on": str(appeal.filed_on)})
    assert response.status_code == 200
    assert response.context["form"].errors == {"on": ["An appeal is pending: decide it before closing the case."]}
    assert Incident.objects.get(pk=incident.pk).closed_on is None


def test_the_close_step_refuses_to_close_a_case_whose_measures_are_not_carried_out(clerk_client):
    measure = MeasureFactory()
    incident = measure.committee_case.incident
    client = clerk_client(incident)
    response = post_step(client, incident, "close", {"on": str(measure.decided_on)})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "on": ["Record that the measures were carried out before closing the case."]
    }
    # Carried out (its step), the case closes.
    response = post_step(client, incident, "carried_out", {"on": str(measure.decided_on)}, on=measure)
    assert response.status_code == 302, response.context["form"].errors
    response = post_step(client, incident, "close", {"on": str(measure.decided_on)})
    assert response.status_code == 302, response.context["form"].errors


def test_a_closed_case_takes_no_measure_left_to_carry_out_nor_a_pending_appeal_filed_before_it_closed():
    measure = MeasureFactory()
    services.record_measure_carried_out(measure=measure, on=measure.decided_on)
    incident = services.close_case(incident=measure.committee_case.incident, on=measure.decided_on)
    another = Measure(
        committee_case=measure.committee_case, offender=measure.offender, number=2, decided_on=measure.decided_on
    )
    with pytest.raises(ValidationError) as excinfo:
        services.save_record(record=another, actor=None)
    assert excinfo.value.message_dict == {
        "carried_out_on": [
            f"The case was closed on {format_date(incident.closed_on)}: record when this measure was carried out."
        ]
    }
    before = Appeal(measure=measure, appellant="offender", filed_on=incident.closed_on)
    with pytest.raises(ValidationError) as excinfo:
        services.save_record(record=before, actor=None)
    assert list(excinfo.value.message_dict) == ["outcome"]
    # An appeal filed after the closing is the case's next step (it reopens it: under appeal).
    services.file_appeal(measure=measure, appellant="offender", filed_on=days_after(incident.closed_on, 1))


def test_the_carried_out_step_refuses_a_revoked_measure(clerk_client):
    appeal = AppealFactory(revoked=True)
    incident = appeal.measure.committee_case.incident
    response = post_step(
        clerk_client(incident), incident, "carried_out", {"on": str(appeal.decided_on)}, on=appeal.measure
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "on": ["This measure was changed or revoked on appeal: record the measure that replaced it, if any."]
    }
    assert Measure.objects.get(pk=appeal.measure.pk).carried_out_on is None


def test_the_appeal_step_refuses_an_appeal_filed_after_the_measure_was_revoked(clerk_client):
    appeal = AppealFactory(revoked=True)
    incident = appeal.measure.committee_case.incident
    row = {**pending_row(appeal), "appellant": "victim", "filed_on": str(appeal.decided_on)}
    response = post_step(clerk_client(incident), incident, "appeal", row, on=appeal.measure)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "filed_on": ["This measure was already changed or revoked on appeal; appeal the measure that replaced it."]
    }


def test_closing_without_hearing_through_the_close_step_closes_the_committee_case(clerk_client):
    case = CommitteeCaseFactory()
    client = clerk_client(case.incident)
    response = post_step(client, case.incident, "close", {"on": str(case.requested_on)})
    assert response.context["form"].errors == {
        "reason": ["A case closed without hearing needs both the date and the reason."]  # (its committee case's)
    }
    data = {"on": str(case.requested_on), "reason": ClosureReason.WITHDRAWN}
    response = post_step(client, case.incident, "close", data)
    # The committee case closes, and the incident with it.
    assert response.status_code == 302, response.context["form"].errors
    case.refresh_from_db()
    assert (case.closed_on, case.closure_reason) == (case.requested_on, ClosureReason.WITHDRAWN)
    case.incident.refresh_from_db()
    assert case.incident.status == "closed"
