"""The workflow's steps as actions of the case page: each step form calls its service (a change
history row by the clerk, an access-log entry, the status it leads to) and returns to the case;
bad input is a field error and saves nothing; and the same change through the pages' inlines and
forms is read-only or absent there."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from casetracker.audit.models import AccessLog
from casetracker.cases.models import Appeal, CommitteeCase, Incident, Measure, Status
from casetracker.cases.status import status_of
from casetracker.cases.steps import STEP_MARK
from casetracker.core.models import Committee, SchoolLevel
from tests.cases.test_admin import page_data
from tests.factories import (
    AppealFactory,
    CommitteeCaseFactory,
    CommitteeFactory,
    HeardCommitteeCaseFactory,
    IncidentFactory,
    MeasureFactory,
    OffenderFactory,
    SchoolFactory,
    UserFactory,
    VictimFactory,
    days_after,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_for(client):
    """A client logged in as a clerk of the case's office, in English; the clerk is ``client.clerk``."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def login(incident: Incident):
        client.clerk = UserFactory(office=incident.office, language="en")
        client.force_login(client.clerk)
        return client

    return login


def step_url(incident: Incident, step: str, on=None) -> str:
    url = reverse("admin:cases_incident_step", args=[incident.pk, step])
    return f"{url}?on={on.pk}" if on is not None else url


def case_url(incident: Incident) -> str:
    return reverse("admin:cases_incident_change", args=[incident.pk])


def took_step(client, incident: Incident, record, step: str) -> None:
    """The step's service ran for the clerk: the record's latest history row is theirs, and the step
    is on the access log against the case."""
    latest = record.history.latest()
    assert (latest.history_user, latest.ip_address) == (client.clerk, "127.0.0.1")
    entry = AccessLog.objects.filter(action=AccessLog.Action.CHANGE, target_id=str(incident.pk)).latest("at")
    assert (entry.user, entry.target_type, entry.detail) == (client.clerk, "cases.incident", STEP_MARK + step)


def form_errors(response) -> dict:
    assert response.status_code == 200, response
    return response.context["form"].errors


def nothing_logged() -> bool:
    return not AccessLog.objects.filter(detail__startswith=STEP_MARK).exists()


# Refer ----------------------------------------------------------------------------------------------


def test_refer_opens_a_form_and_refers_the_case(clerk_for):
    incident = IncidentFactory()
    committee = CommitteeFactory(office=incident.office, local_office=incident.school.local_office)
    client = clerk_for(incident)
    page = client.get(case_url(incident))
    assert step_url(incident, "refer") in page.content.decode()
    assert client.get(step_url(incident, "refer")).status_code == 200

    on = days_after(incident.report_date, 2)
    response = client.post(step_url(incident, "refer"), {"committee": committee.pk, "on": on.isoformat()})

    assert response.status_code == 302 and response.url == case_url(incident)
    case = CommitteeCase.objects.get(incident=incident)
    assert (case.committee, case.requested_on) == (committee, on)
    took_step(client, incident, case, "refer to committee")
    assert status_of(incident) == Status.REFERRED


def test_a_referral_before_the_report_is_a_field_error_and_saves_nothing(clerk_for):
    incident = IncidentFactory()
    committee = CommitteeFactory(office=incident.office, local_office=incident.school.local_office)
    client = clerk_for(incident)
    early = days_after(incident.report_date, -1)
    response = client.post(step_url(incident, "refer"), {"committee": committee.pk, "on": early.isoformat()})
    assert form_errors(response)["on"] == ["The referral cannot be before the report (May 2, 2024)."]
    assert not CommitteeCase.objects.exists() and nothing_logged()


def test_the_case_page_has_no_committee_case_inline_and_no_add_page(clerk_for):
    incident = IncidentFactory()
    client = clerk_for(incident)
    page = client.get(case_url(incident))
    assert CommitteeCase not in {inline.formset.model for inline in page.context["inline_admin_formsets"]}
    assert client.get(reverse("admin:cases_committeecase_add")).status_code == 403


# Schedule, extend -----------------------------------------------------------------------------------


def test_schedule_the_hearing(clerk_for):
    case = CommitteeCaseFactory()
    client = clerk_for(case.incident)
    on = days_after(case.requested_on, 10)
    response = client.post(step_url(case.incident, "schedule", case), {"on": on.isoformat()})
    assert response.status_code == 302, form_errors(response)
    case.refresh_from_db()
    assert case.hearing_scheduled_on == on
    took_step(client, case.incident, case, "schedule the hearing")
    assert status_of(case.incident) == Status.HEARING_SCHEDULED


def test_the_committee_case_page_shows_the_steps_fields_read_only(clerk_for):
    """Posting a hearing date, a schedule or a closing on the committee case's own page changes nothing."""
    case = CommitteeCaseFactory()
    client = clerk_for(case.incident)
    url = reverse("admin:cases_committeecase_change", args=[case.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    assert not {"requested_on", "hearing_scheduled_on", "hearing_date", "extended_on", "closed_on"} & set(form.fields)
    data = page_data(page)
    data.update(hearing_date=days_after(case.requested_on, 5).isoformat(), closed_on="", hearing_scheduled_on="")
    client.post(url, data)
    case.refresh_from_db()
    assert case.hearing_date is None
    assert status_of(case.incident) == Status.REFERRED


def test_extend_the_hearing_deadline_once(clerk_for):
    case = CommitteeCaseFactory()
    client = clerk_for(case.incident)
    url = step_url(case.incident, "extend", case)
    on = days_after(case.requested_on, 20)
    response = client.post(url, {"on": on.isoformat(), "reason": "Witnesses abroad."})
    assert response.status_code == 302, form_errors(response)
    case.refresh_from_db()
    assert (case.extended_on, case.extension_reason) == (on, "Witnesses abroad.")
    took_step(client, case.incident, case, "extend the hearing deadline")

    again = client.post(url, {"on": days_after(on, 1).isoformat(), "reason": "Again."})
    assert form_errors(again)["on"]
    case.refresh_from_db()
    assert case.extended_on == on


def test_an_extension_after_the_original_deadline_is_a_field_error(clerk_for):
    case = CommitteeCaseFactory()
    client = clerk_for(case.incident)
    late = days_after(case.requested_on, 30)
    response = client.post(step_url(case.incident, "extend", case), {"on": late.isoformat(), "reason": "Late."})
    assert form_errors(response)["on"][0].startswith("The deadline can only be extended between the referral")
    case.refresh_from_db()
    assert case.extended_on is None and nothing_logged()


# Record the hearing and the measures ------------------------------------------------------------------


def hearing_data(hearing_date: datetime.date, rows: list[dict], total: int = 3) -> dict:
    data = {
        "hearing_date": hearing_date.isoformat(),
        "measure-TOTAL_FORMS": str(total),
        "measure-INITIAL_FORMS": "0",
        "measure-MIN_NUM_FORMS": "0",
        "measure-MAX_NUM_FORMS": "50",
    }
    for position, row in enumerate(rows):
        data.update({f"measure-{position}-{name}": str(value) for name, value in row.items()})
    return data


@pytest.fixture
def middle_school_case():
    incident = IncidentFactory(school=SchoolFactory(level=SchoolLevel.MIDDLE))
    return CommitteeCaseFactory(incident=incident)


def test_record_the_hearing_with_its_measures(clerk_for, middle_school_case):
    case = middle_school_case
    first, second = OffenderFactory.create_batch(2, incident=case.incident)
    client = clerk_for(case.incident)
    heard = days_after(case.requested_on, 14)
    rows = [
        {"offender": first.pk, "number": 1},
        {"offender": first.pk, "number": 5, "hours": 4},
        {"offender": second.pk, "number": 8},
    ]
    response = client.post(step_url(case.incident, "hearing", case), hearing_data(heard, rows))
    assert response.status_code == 302, form_errors(response)
    case.refresh_from_db()
    assert case.hearing_date == heard
    assert sorted(case.measures.values_list("offender__code", "law", "number", "hours", "decided_on")) == sorted(
        [
            (first.code, "art17", 1, None, heard),
            (first.code, "art17", 5, 4, heard),
            (second.code, "art17", 8, None, heard),
        ]
    )
    took_step(client, case.incident, case.measures.first(), "record the hearing, 3 measure(s)")
    assert status_of(case.incident) == Status.DECIDED


def test_the_hearing_form_offers_the_committees_law_and_the_cases_students(clerk_for):
    case = CommitteeCaseFactory(committee__kind=Committee.Kind.TEACHER_RIGHTS)
    student = OffenderFactory(incident=case.incident)
    OffenderFactory(incident=case.incident, unidentified=True)
    OffenderFactory()  # another incident
    page = clerk_for(case.incident).get(step_url(case.incident, "hearing", case))
    row = page.context["form"].decisions.forms[0]
    assert [value for value, _label in row.fields["number"].choices if value != ""] == list(range(1, 8))
    assert list(row.fields["offender"].queryset) == [student]


def test_expulsion_of_a_middle_school_student_is_a_row_error_and_saves_nothing(clerk_for, middle_school_case):
    case = middle_school_case
    offender = OffenderFactory(incident=case.incident)
    client = clerk_for(case.incident)
    heard = days_after(case.requested_on, 14)
    response = client.post(
        step_url(case.incident, "hearing", case), hearing_data(heard, [{"offender": offender.pk, "number": 9}])
    )
    message = "Expulsion can only be imposed on high-school students (this student is at a middle school)."
    assert response.context["form"].decisions.forms[0].errors["number"] == [message]
    assert escape(message) in response.content.decode()
    case.refresh_from_db()
    assert case.hearing_date is None and not Measure.objects.exists() and nothing_logged()
    assert status_of(case.incident) == Status.REFERRED


def test_a_hearing_before_the_referral_is_a_field_error(clerk_for):
    case = CommitteeCaseFactory()
    client = clerk_for(case.incident)
    early = days_after(case.requested_on, -1)
    response = client.post(step_url(case.incident, "hearing", case), hearing_data(early, []))
    assert form_errors(response)["hearing_date"] == ["The hearing cannot be before the referral."]
    case.refresh_from_db()
    assert case.hearing_date is None


def test_a_measure_row_without_its_measure_is_a_row_error(clerk_for):
    case = CommitteeCaseFactory()
    offender = OffenderFactory(incident=case.incident)
    client = clerk_for(case.incident)
    data = hearing_data(days_after(case.requested_on, 14), [{"offender": offender.pk}])
    response = client.post(step_url(case.incident, "hearing", case), data)
    assert response.context["form"].decisions.forms[0].errors["number"]
    case.refresh_from_db()
    assert case.hearing_date is None


def test_the_hearing_step_is_not_offered_twice(clerk_for):
    case = HeardCommitteeCaseFactory()
    client = clerk_for(case.incident)
    assert step_url(case.incident, "hearing", case) not in client.get(case_url(case.incident)).content.decode()
    response = client.post(step_url(case.incident, "hearing", case), hearing_data(case.hearing_date, []))
    assert form_errors(response)["__all__"][0].startswith("The hearing of this committee case is already recorded")


def test_further_measures_are_decided_on_a_heard_case(clerk_for):
    case = HeardCommitteeCaseFactory()
    offender = OffenderFactory(incident=case.incident)
    client = clerk_for(case.incident)
    url = step_url(case.incident, "decide", case)
    assert url in client.get(case_url(case.incident)).content.decode()
    data = hearing_data(case.hearing_date, [{"offender": offender.pk, "number": 2}])
    del data["hearing_date"]
    response = client.post(url, data)
    assert response.status_code == 302, form_errors(response)
    measure = case.measures.get()
    assert (measure.offender, measure.number, measure.decided_on) == (offender, 2, case.hearing_date)
    took_step(client, case.incident, measure, "decide 1 measure(s)")
    assert status_of(case.incident) == Status.DECIDED


def test_further_measures_need_the_hearing_and_a_measure(clerk_for):
    case = CommitteeCaseFactory()
    offender = OffenderFactory(incident=case.incident)
    client = clerk_for(case.incident)
    data = hearing_data(case.requested_on, [{"offender": offender.pk, "number": 2}])
    del data["hearing_date"]
    response = client.post(step_url(case.incident, "decide", case), data)
    assert form_errors(response)["__all__"] == ["Record the hearing first: measures are decided at a hearing."]
    heard = HeardCommitteeCaseFactory()
    client = clerk_for(heard.incident)
    empty = hearing_data(heard.hearing_date, [])
    del empty["hearing_date"]
    response = client.post(step_url(heard.incident, "decide", heard), empty)
    assert form_errors(response)["__all__"] == ["Enter at least one measure decided."]
    assert not Measure.objects.exists()


# Carry out -------------------------------------------------------------------------------------------


def test_record_a_measure_carried_out(clerk_for):
    measure = MeasureFactory()
    incident = measure.committee_case.incident
    client = clerk_for(incident)
    on = days_after(measure.decided_on, 10)
    response = client.post(step_url(incident, "carried_out", measure), {"on": on.isoformat()})
    assert response.status_code == 302, form_errors(response)
    measure.refresh_from_db()
    assert measure.carried_out_on == on
    took_step(client, incident, measure, "record a measure carried out")
    assert status_of(incident) == Status.MEASURES_CARRIED_OUT


def test_carried_out_before_the_decision_is_a_field_error(clerk_for):
    measure = MeasureFactory()
    incident = measure.committee_case.incident
    client = clerk_for(incident)
    early = days_after(measure.decided_on, -1)
    response = client.post(step_url(incident, "carried_out", measure), {"on": early.isoformat()})
    assert form_errors(response)["on"] == ["A measure cannot be carried out before it was decided."]
    measure.refresh_from_db()
    assert measure.carried_out_on is None


def test_the_measure_page_shows_the_decision_and_the_carrying_out_read_only(clerk_for):
    measure = MeasureFactory()
    client = clerk_for(measure.committee_case.incident)
    url = reverse("admin:cases_measure_change", args=[measure.pk])
    page = client.get(url)
    assert not {"decided_on", "carried_out_on"} & set(page.context["adminform"].form.fields)
    data = page_data(page)
    data.update(
        carried_out_on=days_after(measure.decided_on, 3).isoformat(), notified_on=measure.decided_on.isoformat()
    )
    assert client.post(url, data).status_code == 302
    measure.refresh_from_db()
    assert (measure.carried_out_on, measure.notified_on) == (None, measure.decided_on)  # (the notice is no step)
    assert status_of(measure.committee_case.incident) == Status.DECIDED
    assert client.get(reverse("admin:cases_measure_add")).status_code == 403


# Appeals ----------------------------------------------------------------------------------------------


def test_file_an_appeal(clerk_for):
    measure = MeasureFactory()
    incident = measure.committee_case.incident
    client = clerk_for(incident)
    filed_on = days_after(measure.decided_on, 10)
    data = {"appellant": "offender", "kind": "administrative_appeal", "filed_on": filed_on.isoformat()}
    response = client.post(step_url(incident, "appeal", measure), data)
    assert response.status_code == 302, form_errors(response)
    appeal = measure.appeals.get()
    assert (appeal.appellant, appeal.filed_on, appeal.outcome) == ("offender", filed_on, "pending")
    took_step(client, incident, appeal, "file an appeal")
    assert status_of(incident) == Status.UNDER_APPEAL


def test_a_second_pending_appeal_by_the_same_party_is_refused(clerk_for):
    appeal = AppealFactory()
    incident = appeal.measure.committee_case.incident
    client = clerk_for(incident)
    data = {"appellant": "offender", "kind": "administrative_appeal", "filed_on": appeal.filed_on.isoformat()}
    response = client.post(step_url(incident, "appeal", appeal.measure), data)
    assert "An appeal of this kind by the same party is already pending against this measure." in str(
        form_errors(response)
    )
    assert appeal.measure.appeals.count() == 1


def test_decide_an_appeal_that_changes_the_measure(clerk_for):
    appeal = AppealFactory(measure=MeasureFactory(number=8))
    incident = appeal.measure.committee_case.incident
    client = clerk_for(incident)
    decided_on = days_after(appeal.filed_on, 30)
    data = {
        "outcome": "changed",
        "decided_on": decided_on.isoformat(),
        "replacement_number": "6",
        "replacement_days": "5",
    }
    response = client.post(step_url(incident, "decide_appeal", appeal), data)
    assert response.status_code == 302, form_errors(response)
    appeal.refresh_from_db()
    assert (appeal.outcome, appeal.decided_on) == ("changed", decided_on)
    replacement = Measure.objects.get(ordered_by_appeal=appeal)
    assert (replacement.number, replacement.days, replacement.offender) == (6, 5, appeal.measure.offender)
    took_step(client, incident, appeal, "decide an appeal")
    assert status_of(incident) == Status.DECIDED  # (the replacement is to carry out)


def test_a_changed_outcome_without_the_new_measure_is_a_field_error(clerk_for):
    appeal = AppealFactory()
    incident = appeal.measure.committee_case.incident
    client = clerk_for(incident)
    data = {"outcome": "changed", "decided_on": days_after(appeal.filed_on, 30).isoformat()}
    response = client.post(step_url(incident, "decide_appeal", appeal), data)
    assert form_errors(response)
    appeal.refresh_from_db()
    assert appeal.outcome == "pending" and not Measure.objects.filter(ordered_by_appeal=appeal).exists()
    assert status_of(incident) == Status.UNDER_APPEAL


def test_the_appeal_pages_show_the_decision_read_only_and_add_none(clerk_for):
    appeal = AppealFactory()
    incident = appeal.measure.committee_case.incident
    client = clerk_for(incident)
    url = reverse("admin:cases_appeal_change", args=[appeal.pk])
    page = client.get(url)
    assert not {"outcome", "decided_on", "replacement_number"} & set(page.context["adminform"].form.fields)
    data = page_data(page)
    data.update(outcome="revoked", decided_on=days_after(appeal.filed_on, 5).isoformat())
    client.post(url, data)
    appeal.refresh_from_db()
    assert appeal.outcome == Appeal.Outcome.PENDING
    assert client.get(reverse("admin:cases_appeal_add")).status_code == 403
    measure_page = client.get(reverse("admin:cases_measure_change", args=[appeal.measure.pk]))
    (appeals,) = [inline for inline in measure_page.context["inline_admin_formsets"] if inline.formset.model is Appeal]
    assert not appeals.has_add_permission


# Close -------------------------------------------------------------------------------------------------


def test_close_a_case_without_hearing(clerk_for):
    incident = IncidentFactory()
    client = clerk_for(incident)
    on = days_after(incident.report_date, 3)
    response = client.post(step_url(incident, "close"), {"on": on.isoformat(), "reason": "withdrawn"})
    assert response.status_code == 302, form_errors(response)
    incident.refresh_from_db()
    assert (incident.closed_on, incident.closure_reason) == (on, "withdrawn")
    took_step(client, incident, incident, "close the case")
    assert status_of(incident) == Status.CLOSED


def test_closing_without_hearing_needs_the_reason(clerk_for):
    incident = IncidentFactory()
    client = clerk_for(incident)
    response = client.post(step_url(incident, "close"), {"on": days_after(incident.report_date, 3).isoformat()})
    assert form_errors(response)["reason"] == ["Give the reason for closing the case without a hearing."]
    incident.refresh_from_db()
    assert incident.closed_on is None and nothing_logged()


def test_closing_with_a_pending_appeal_is_refused(clerk_for):
    appeal = AppealFactory()
    incident = appeal.measure.committee_case.incident
    client = clerk_for(incident)
    response = client.post(step_url(incident, "close"), {"on": appeal.filed_on.isoformat()})
    assert form_errors(response)
    incident.refresh_from_db()
    assert incident.closed_on is None
    assert status_of(incident) == Status.UNDER_APPEAL


def test_the_case_page_shows_the_closing_read_only(clerk_for):
    incident = IncidentFactory()
    client = clerk_for(incident)
    page = client.get(case_url(incident))
    assert not {"closed_on", "closure_reason"} & set(page.context["adminform"].form.fields)
    data = page_data(page)
    data.update(closed_on=days_after(incident.report_date, 3).isoformat(), closure_reason="withdrawn")
    client.post(case_url(incident), data)
    assert status_of(incident) == Status.REPORTED


# Scope ------------------------------------------------------------------------------------------------


def test_another_offices_clerk_cannot_take_a_step(client):
    case = CommitteeCaseFactory()
    client.force_login(UserFactory())  # a clerk of another office
    response = client.post(
        step_url(case.incident, "schedule", case), {"on": days_after(case.requested_on, 5).isoformat()}
    )
    assert response.status_code == 302 and response.url != case_url(case.incident)
    case.refresh_from_db()
    assert case.hearing_scheduled_on is None
    assert AccessLog.objects.filter(action=AccessLog.Action.DENIED).exists()


def test_a_step_on_another_cases_record_is_not_found(clerk_for):
    incident = IncidentFactory()
    other = CommitteeCaseFactory(incident=IncidentFactory(office=incident.office))
    client = clerk_for(incident)
    response = client.post(step_url(incident, "schedule", other), {"on": days_after(other.requested_on, 5).isoformat()})
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.hearing_scheduled_on is None


def test_a_supervisor_sees_the_case_but_no_step(client):
    case = CommitteeCaseFactory()
    client.force_login(UserFactory(supervisor=True, office=case.incident.office, is_staff=True))
    page = client.get(case_url(case.incident))
    assert page.status_code == 200
    assert "/step/" not in page.content.decode()
    response = client.post(
        step_url(case.incident, "schedule", case), {"on": days_after(case.requested_on, 5).isoformat()}
    )
    assert response.status_code == 403


# Protection measures, per victim ------------------------------------------------------------------


def test_a_protection_measure_is_added_from_the_victims_row(clerk_for):
    victim = VictimFactory()
    incident = victim.incident
    client = clerk_for(incident)
    assert step_url(incident, "protection", victim) in client.get(case_url(incident)).content.decode()
    data = {"number": "1", "ordered_on": incident.report_date.isoformat(), "notes": "상담 3회"}
    response = client.post(step_url(incident, "protection", victim), data)
    assert response.status_code == 302, form_errors(response)
    protection = victim.protection_measures.get()
    assert (protection.number, protection.notes) == (1, "상담 3회")
    assert protection.history.latest().history_user == client.clerk


def test_a_protection_measure_for_a_teacher_is_refused_and_not_offered(clerk_for):
    teacher = VictimFactory(teacher=True)
    incident = teacher.incident
    client = clerk_for(incident)
    assert step_url(incident, "protection", teacher) not in client.get(case_url(incident)).content.decode()
    data = {"number": "1", "ordered_on": incident.report_date.isoformat()}
    response = client.post(step_url(incident, "protection", teacher), data)
    assert form_errors(response)["__all__"] == ["Art. 16 protection measures are for student victims."]
    assert not teacher.protection_measures.exists()


def test_the_hearing_form_reads_the_offenders_once_for_all_its_rows(clerk_for):
    case = CommitteeCaseFactory()
    OffenderFactory(incident=case.incident)
    client = clerk_for(case.incident)
    url = step_url(case.incident, "hearing", case)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    OffenderFactory.create_batch(5, incident=case.incident)
    with CaptureQueriesContext(connection) as six:
        page = client.get(url)
    assert len(page.context["form"].decisions.forms) == 6
    assert len(six) == len(one)
