"""The workflow's rules hold on every path: the admin's forms (single and inline), the importer
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
from casetracker.cases.models import Appeal, ClosureReason, CommitteeCase, Incident, Measure
from casetracker.core.formatting import format_date
from casetracker.core.models import Committee
from tests.cases.test_admin import add_rows, english_date, inline_formset, page_data, page_errors
from tests.factories import (
    AppealFactory,
    CommitteeCaseFactory,
    CommitteeFactory,
    HeardCommitteeCaseFactory,
    IncidentFactory,
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


def pending_row(appeal: Appeal) -> dict:
    return {"appellant": appeal.appellant, "kind": appeal.kind, "filed_on": str(appeal.filed_on), "outcome": "pending"}


# One pending appeal per party, measure and kind ------------------------------------------------


def test_the_measure_page_refuses_a_second_pending_appeal_by_the_same_party(clerk_client):
    appeal = AppealFactory()
    client = clerk_client(appeal.measure.committee_case.incident)
    response = post_page(client, change_url(appeal.measure), rows=(Appeal, [pending_row(appeal)]))
    assert response.status_code == 200
    new_row = inline_formset(response, Appeal).forms[-1]
    assert new_row.errors == {"appellant": [SECOND_PENDING]}
    assert Appeal.objects.count() == 1


def test_the_measure_page_refuses_two_identical_pending_appeals_in_one_save(clerk_client):
    measure = MeasureFactory()
    client = clerk_client(measure.committee_case.incident)
    row = pending_row(Appeal(appellant="offender", kind="administrative_appeal", filed_on=measure.decided_on))
    response = post_page(client, change_url(measure), rows=(Appeal, [row, row]))
    assert response.status_code == 200
    assert [form.errors for form in inline_formset(response, Appeal).forms] == [{}, {"appellant": [SECOND_PENDING]}]
    assert not Appeal.objects.exists()


def test_the_measure_page_accepts_the_other_party_or_another_kind(clerk_client):
    appeal = AppealFactory()
    client = clerk_client(appeal.measure.committee_case.incident)
    victim = {**pending_row(appeal), "appellant": "victim"}
    lawsuit = {**pending_row(appeal), "kind": "lawsuit"}
    response = post_page(client, change_url(appeal.measure), rows=(Appeal, [victim, lawsuit]))
    assert response.status_code == 302, page_errors(response)
    assert Appeal.objects.count() == 3


def test_the_appeal_page_refuses_a_second_pending_appeal_by_the_same_party(clerk_client):
    appeal = AppealFactory()
    client = clerk_client(appeal.measure.committee_case.incident)
    response = client.post(
        reverse("admin:cases_appeal_add"), {"measure": str(appeal.measure.pk), **pending_row(appeal)}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"appellant": [SECOND_PENDING]}
    assert Appeal.objects.count() == 1


def test_the_appeal_page_refuses_reopening_a_decided_appeal_beside_a_pending_one(clerk_client):
    """Changing a decided appeal back to pending is a second pending appeal too."""
    decided = AppealFactory(upheld=True)
    AppealFactory(measure=decided.measure, filed_on=decided.decided_on)
    client = clerk_client(decided.measure.committee_case.incident)
    response = post_page(client, change_url(decided), {"outcome": "pending", "decided_on": ""})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"appellant": [SECOND_PENDING]}
    assert Appeal.objects.get(pk=decided.pk).outcome == Appeal.Outcome.UPHELD


def test_the_service_refuses_a_second_pending_appeal_by_the_same_party():
    appeal = AppealFactory()
    second = Appeal(measure=appeal.measure, appellant=appeal.appellant, kind=appeal.kind, filed_on=appeal.filed_on)
    with pytest.raises(ValidationError) as excinfo:
        services.save_record(record=second, actor=None)
    assert excinfo.value.message_dict == {"appellant": [SECOND_PENDING]}
    assert Appeal.objects.count() == 1


# The order of the steps ------------------------------------------------------------------------


def test_the_incident_page_refuses_a_referral_after_the_hearing(clerk_client):
    heard = HeardCommitteeCaseFactory()
    incident = heard.incident
    teacher_rights = CommitteeFactory(
        office=incident.office, local_office=incident.school.local_office, kind=Committee.Kind.TEACHER_RIGHTS
    )
    client = clerk_client(incident)
    late = {"committee": str(teacher_rights.pk), "requested_on": str(days_after(heard.hearing_date, 1))}
    response = post_page(client, change_url(incident), rows=(CommitteeCase, [late]))
    assert response.status_code == 200
    assert inline_formset(response, CommitteeCase).forms[-1].errors == {
        "requested_on": [
            f"This case was heard on {english_date(heard.hearing_date)}: it can no longer be referred to a "
            "committee after that."
        ]
    }
    assert incident.committee_cases.count() == 1


def test_the_incident_page_refuses_two_new_committee_cases_out_of_order(clerk_client):
    """Neither is stored yet: the page checks its rows against each other."""
    incident = IncidentFactory()
    office, local_office = incident.office, incident.school.local_office
    school_violence = CommitteeFactory(office=office, local_office=local_office)
    teacher_rights = CommitteeFactory(office=office, local_office=local_office, kind=Committee.Kind.TEACHER_RIGHTS)
    heard_on = days_after(incident.report_date, 20)
    rows = [
        {
            "committee": str(school_violence.pk),
            "requested_on": str(days_after(incident.report_date, 5)),
            "hearing_date": str(heard_on),
        },
        {"committee": str(teacher_rights.pk), "requested_on": str(days_after(heard_on, 3))},
    ]
    client = clerk_client(incident)
    response = post_page(client, change_url(incident), rows=(CommitteeCase, rows))
    assert response.status_code == 200
    assert [form.errors for form in inline_formset(response, CommitteeCase).forms] == [
        {},
        {
            "requested_on": [
                f"This case was heard on {english_date(heard_on)}: it can no longer be referred to a committee "
                "after that."
            ]
        },
    ]
    assert not CommitteeCase.objects.exists()
    # In the order of the law, both are saved.
    rows[1]["requested_on"] = str(days_after(incident.report_date, 6))
    response = post_page(client, change_url(incident), rows=(CommitteeCase, rows))
    assert response.status_code == 302, page_errors(response)
    assert incident.committee_cases.count() == 2


def test_the_committee_case_page_refuses_to_extend_or_schedule_after_the_hearing(clerk_client):
    case = HeardCommitteeCaseFactory()
    client = clerk_client(case.incident)
    response = post_page(
        client,
        change_url(case),
        {
            "extended_on": str(case.requested_on),
            "extension_reason": "Witnesses.",
            "hearing_scheduled_on": str(case.hearing_date),
        },
    )
    assert response.status_code == 200
    done = f"The hearing of this committee case is already recorded ({english_date(case.hearing_date)})."
    assert response.context["adminform"].form.errors == {"extended_on": [done], "hearing_scheduled_on": [done]}
    case.refresh_from_db()
    assert (case.extended_on, case.hearing_scheduled_on) == (None, None)


def test_the_committee_case_page_refuses_a_second_extension(clerk_client):
    case = CommitteeCaseFactory(extended_on=DAY_ONE, extension_reason="Witnesses.")
    client = clerk_client(case.incident)
    response = post_page(client, change_url(case), {"extended_on": str(days_after(DAY_ONE, 3))})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "extended_on": ["The hearing deadline has already been extended once."]
    }
    # The reason of the extension recorded is the clerk's to correct.
    response = post_page(client, change_url(case), {"extension_reason": "Witnesses abroad."})
    assert response.status_code == 302, page_errors(response)
    case.refresh_from_db()
    assert (case.extended_on, case.extension_reason) == (DAY_ONE, "Witnesses abroad.")


def test_the_incident_page_refuses_to_close_a_case_with_a_pending_appeal(clerk_client):
    appeal = AppealFactory()
    services.record_measure_carried_out(measure=appeal.measure, on=appeal.filed_on)
    incident = appeal.measure.committee_case.incident
    client = clerk_client(incident)
    response = post_page(client, change_url(incident), {"closed_on": str(appeal.filed_on)})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "closed_on": ["An appeal is pending: decide it before closing the case."]
    }
    assert Incident.objects.get(pk=incident.pk).closed_on is None


def test_the_incident_page_refuses_to_close_a_case_whose_measures_are_not_carried_out(clerk_client):
    measure = MeasureFactory()
    incident = measure.committee_case.incident
    client = clerk_client(incident)
    response = post_page(client, change_url(incident), {"closed_on": str(measure.decided_on)})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "closed_on": ["Record that the measures were carried out before closing the case."]
    }
    # Carried out (on the committee case's page, inline), the case closes.
    prefix = inline_formset(client.get(change_url(measure.committee_case)), Measure).prefix
    response = post_page(
        client, change_url(measure.committee_case), {f"{prefix}-0-carried_out_on": str(measure.decided_on)}
    )
    assert response.status_code == 302, page_errors(response)
    response = post_page(client, change_url(incident), {"closed_on": str(measure.decided_on)})
    assert response.status_code == 302, page_errors(response)


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


def test_the_measure_page_refuses_to_carry_out_a_revoked_measure(clerk_client):
    appeal = AppealFactory(revoked=True)
    client = clerk_client(appeal.measure.committee_case.incident)
    response = post_page(client, change_url(appeal.measure), {"carried_out_on": str(appeal.decided_on)})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "carried_out_on": [
            "This measure was changed or revoked on appeal: record the measure that replaced it, if any."
        ]
    }
    assert Measure.objects.get(pk=appeal.measure.pk).carried_out_on is None


def test_the_measure_page_refuses_an_appeal_filed_after_the_measure_was_revoked(clerk_client):
    appeal = AppealFactory(revoked=True)
    client = clerk_client(appeal.measure.committee_case.incident)
    row = {**pending_row(appeal), "appellant": "victim", "filed_on": str(appeal.decided_on)}
    response = post_page(client, change_url(appeal.measure), rows=(Appeal, [row]))
    assert response.status_code == 200
    assert inline_formset(response, Appeal).forms[-1].errors == {
        "filed_on": ["This measure was already changed or revoked on appeal; appeal the measure that replaced it."]
    }


def test_closing_without_hearing_through_the_admin_needs_the_reason(clerk_client):
    case = CommitteeCaseFactory()
    client = clerk_client(case.incident)
    prefix = inline_formset(client.get(change_url(case.incident)), CommitteeCase).prefix
    response = post_page(
        client,
        change_url(case.incident),
        {f"{prefix}-0-closed_on": str(case.requested_on), f"{prefix}-0-closure_reason": ClosureReason.WITHDRAWN},
    )
    # The committee case closes, and the incident with it (every committee case closed without a hearing).
    assert response.status_code == 302, page_errors(response)
    case.incident.refresh_from_db()
    assert case.incident.status == "closed"
