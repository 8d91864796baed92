"""The workflow's steps (casetracker/cases/services.py): each allowed from the statuses
the law allows, refused from the others with a message saying why, and recorded in the
change history (the audit entry).

The refusals are the models' rules (``full_clean``), which the admin and the importer run
too: tests/cases/test_workflow_rules.py takes the same rules through those paths."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from casetracker.cases import services
from casetracker.cases.models import Appeal, ClosureReason, CommitteeCase, Incident, Measure
from casetracker.cases.services import MeasureDecision
from casetracker.cases.status import Status, status_of
from casetracker.core.formatting import format_date
from casetracker.core.models import Committee, SchoolLevel
from tests.factories import (
    DEFAULT_REPORT_DATE,
    AppealFactory,
    CommitteeCaseFactory,
    CommitteeFactory,
    HeardCommitteeCaseFactory,
    IncidentFactory,
    MeasureFactory,
    OffenderFactory,
    SchoolFactory,
    days_after,
)

pytestmark = pytest.mark.django_db


def refused(step, **kwargs) -> list[str]:
    """The messages of the ValidationError ``step`` raises."""
    with pytest.raises(ValidationError) as excinfo:
        step(**kwargs)
    return excinfo.value.messages


def committee_for(incident: Incident, kind: str = Committee.Kind.SCHOOL_VIOLENCE) -> Committee:
    return CommitteeFactory(office=incident.office, local_office=incident.school.local_office, kind=kind)


def closed_incident() -> Incident:
    incident = IncidentFactory()
    return services.close_case(incident=incident, on=incident.report_date, reason=ClosureReason.WITHDRAWN)


# Refer to a committee -----------------------------------------------------------------------------


def test_refer_a_reported_case():
    incident = IncidentFactory()
    case = services.refer_to_committee(
        incident=incident, committee=committee_for(incident), on=days_after(incident.report_date, 2)
    )
    assert status_of(incident) == Status.REFERRED
    assert case.history.get().history_type == "+"


def test_refer_a_referred_case_to_a_second_committee():
    case = CommitteeCaseFactory()
    incident = case.incident
    services.refer_to_committee(
        incident=incident,
        committee=committee_for(incident, Committee.Kind.TEACHER_RIGHTS),
        on=case.requested_on,
    )
    assert incident.committee_cases.count() == 2


def test_refer_refuses_the_same_committee_twice():
    case = CommitteeCaseFactory()
    messages = refused(
        services.refer_to_committee, incident=case.incident, committee=case.committee, on=case.requested_on
    )
    assert messages == ["This incident is already referred to this committee."]


def test_refer_refuses_a_date_before_the_report():
    incident = IncidentFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.refer_to_committee(
            incident=incident, committee=committee_for(incident), on=days_after(incident.report_date, -1)
        )
    assert "requested_on" in excinfo.value.message_dict


HEARD_ON = days_after(DEFAULT_REPORT_DATE, 21)  # (the factories' hearing: a week to refer, two weeks to hear)


HEARD = "This case was heard on {date}: it can no longer be referred to a committee after that."
CLOSED = "This case was closed on {date}: it can no longer be referred to a committee after that."


@pytest.mark.parametrize(
    ("make", "message", "date"),
    [
        (lambda: MeasureFactory().committee_case.incident, HEARD, HEARD_ON),
        (closed_incident, CLOSED, DEFAULT_REPORT_DATE),
        (lambda: AppealFactory().measure.committee_case.incident, HEARD, HEARD_ON),
    ],
    ids=["decided", "closed", "under appeal"],
)
def test_refer_refuses_a_case_already_heard_or_closed(make, message, date):
    incident = make()
    with pytest.raises(ValidationError) as excinfo:
        services.refer_to_committee(
            incident=incident,
            committee=committee_for(incident, Committee.Kind.TEACHER_RIGHTS),
            on=days_after(incident.report_date, 40),
        )
    assert excinfo.value.message_dict["requested_on"] == [message.format(date=format_date(date))]
    assert incident.committee_cases.filter(committee__kind=Committee.Kind.TEACHER_RIGHTS).count() == 0


def test_refer_to_a_second_committee_dated_before_the_first_hearing():
    """Entered after the hearing, a referral made before it is still a referral of a case waiting for a hearing."""
    incident = MeasureFactory().committee_case.incident
    services.refer_to_committee(
        incident=incident, committee=committee_for(incident, Committee.Kind.TEACHER_RIGHTS), on=HEARD_ON
    )
    assert incident.committee_cases.count() == 2


# Schedule the hearing ----------------------------------------------------------------------------


def test_schedule_and_move_the_hearing():
    case = CommitteeCaseFactory()
    services.schedule_hearing(committee_case=case, on=days_after(case.requested_on, 14))
    assert status_of(case.incident) == Status.HEARING_SCHEDULED
    services.schedule_hearing(committee_case=case, on=days_after(case.requested_on, 20))
    case.refresh_from_db()
    assert case.hearing_scheduled_on == days_after(case.requested_on, 20)
    assert [record.hearing_scheduled_on for record in case.history.order_by("history_date")] == [
        None,
        days_after(case.requested_on, 14),
        days_after(case.requested_on, 20),
    ]


def test_schedule_refuses_a_date_before_the_referral():
    case = CommitteeCaseFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.schedule_hearing(committee_case=case, on=days_after(case.requested_on, -1))
    assert excinfo.value.message_dict == {
        "hearing_scheduled_on": ["The hearing cannot be scheduled before the referral."]
    }


def test_schedule_refuses_a_case_not_referred():
    case = CommitteeCaseFactory()
    services.close_case(incident=case.incident, on=case.requested_on, reason=ClosureReason.WITHDRAWN)
    messages = refused(services.schedule_hearing, committee_case=case, on=days_after(case.requested_on, 3))
    assert messages == [f"This committee case was closed without a hearing on {format_date(case.requested_on)}."]


def test_schedule_refuses_a_committee_case_already_heard():
    case = HeardCommitteeCaseFactory()
    # Another committee case keeps the incident referred: the heard one still refuses.
    CommitteeCaseFactory(incident=case.incident, committee=committee_for(case.incident, Committee.Kind.TEACHER_RIGHTS))
    messages = refused(services.schedule_hearing, committee_case=case, on=case.requested_on)
    assert messages == [f"The hearing of this committee case is already recorded ({format_date(case.hearing_date)})."]


def test_schedule_refuses_a_committee_case_closed_without_hearing():
    case = CommitteeCaseFactory(closed_on=datetime.date(2024, 5, 20), closure_reason=ClosureReason.WITHDRAWN)
    CommitteeCaseFactory(incident=case.incident, committee=committee_for(case.incident, Committee.Kind.TEACHER_RIGHTS))
    messages = refused(services.schedule_hearing, committee_case=case, on=case.requested_on)
    assert messages == ["This committee case was closed without a hearing on May 20, 2024."]


# Extend the hearing deadline ---------------------------------------------------------------------


def test_extend_the_deadline_of_a_scheduled_hearing():
    case = CommitteeCaseFactory(hearing_scheduled_on=days_after(CommitteeCaseFactory().requested_on, 25))
    services.extend_hearing_deadline(committee_case=case, on=days_after(case.requested_on, 21), reason="Witnesses.")
    assert case.hearing_deadline == days_after(case.requested_on, 28)
    assert case.history.latest().extension_reason == "Witnesses."


def test_extend_refuses_a_second_extension():
    case = CommitteeCaseFactory()
    services.extend_hearing_deadline(committee_case=case, on=case.requested_on, reason="Witnesses.")
    with pytest.raises(ValidationError) as excinfo:
        services.extend_hearing_deadline(committee_case=case, on=days_after(case.requested_on, 1), reason="Again.")
    assert excinfo.value.message_dict == {"extended_on": ["The hearing deadline has already been extended once."]}
    case.refresh_from_db()
    assert (case.extended_on, case.extension_reason) == (case.requested_on, "Witnesses.")


def test_extend_refuses_after_the_hearing():
    case = MeasureFactory().committee_case
    messages = refused(services.extend_hearing_deadline, committee_case=case, on=case.requested_on, reason="Late.")
    assert messages == [f"The hearing of this committee case is already recorded ({format_date(case.hearing_date)})."]


def test_extend_refuses_after_the_original_deadline():
    case = CommitteeCaseFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.extend_hearing_deadline(committee_case=case, on=days_after(case.requested_on, 22), reason="Late.")
    assert "extended_on" in excinfo.value.message_dict


# Record the hearing and the decision -------------------------------------------------------------


def test_record_the_hearing_and_the_measures():
    case = CommitteeCaseFactory()
    first, second = OffenderFactory(incident=case.incident), OffenderFactory(incident=case.incident)
    hearing = days_after(case.requested_on, 20)
    measures = services.record_hearing_and_decision(
        committee_case=case,
        hearing_date=hearing,
        measures=[
            MeasureDecision(offender=first, number=1),
            MeasureDecision(offender=first, number=4, hours=8),
            MeasureDecision(offender=second, number=6, days=5),
        ],
        notified_on=days_after(hearing, 2),
    )
    case.refresh_from_db()
    assert case.hearing_date == hearing
    assert [(m.offender, m.number, m.decided_on, m.notified_on) for m in measures] == [
        (first, 1, hearing, days_after(hearing, 2)),
        (first, 4, hearing, days_after(hearing, 2)),
        (second, 6, hearing, days_after(hearing, 2)),
    ]
    assert Measure.objects.filter(committee_case=case).count() == 3
    assert status_of(case.incident) == Status.DECIDED


def test_record_a_hearing_that_imposed_nothing():
    case = CommitteeCaseFactory()
    assert services.record_hearing_and_decision(committee_case=case, hearing_date=case.requested_on, measures=[]) == []
    assert status_of(case.incident) == Status.HEARD  # not "decided" until a measure is
    services.close_case(incident=case.incident, on=days_after(case.requested_on, 1))
    case.incident.refresh_from_db()
    assert (status_of(case.incident), case.incident.status_reason) == (Status.CLOSED, "")


def test_a_refused_measure_leaves_no_hearing_behind():
    case = CommitteeCaseFactory(incident__school=SchoolFactory(level=SchoolLevel.MIDDLE))
    offender = OffenderFactory(incident=case.incident)
    with pytest.raises(ValidationError) as excinfo:
        services.record_hearing_and_decision(
            committee_case=case,
            hearing_date=days_after(case.requested_on, 5),
            measures=[MeasureDecision(offender=offender, number=1), MeasureDecision(offender=offender, number=9)],
        )
    assert "number" in excinfo.value.message_dict
    case.refresh_from_db()
    assert case.hearing_date is None
    assert not Measure.objects.exists()
    assert status_of(case.incident) == Status.REFERRED


def test_record_refuses_a_second_hearing():
    case = MeasureFactory().committee_case
    messages = refused(
        services.record_hearing_and_decision, committee_case=case, hearing_date=case.hearing_date, measures=[]
    )
    assert messages == [f"The hearing of this committee case is already recorded ({format_date(case.hearing_date)})."]


def test_record_refuses_a_closed_case():
    case = CommitteeCaseFactory()
    services.close_case(incident=case.incident, on=case.requested_on, reason=ClosureReason.OFFENDER_UNIDENTIFIED)
    with pytest.raises(ValidationError) as excinfo:
        services.record_hearing_and_decision(committee_case=case, hearing_date=case.requested_on, measures=[])
    assert excinfo.value.message_dict["hearing_date"] == [
        f"This committee case was closed without a hearing on {format_date(case.requested_on)}."
    ]


# Carry a measure out -----------------------------------------------------------------------------


def test_record_a_measure_carried_out():
    measure = MeasureFactory()
    services.record_measure_carried_out(measure=measure, on=days_after(measure.decided_on, 14))
    assert Measure.objects.get(pk=measure.pk).carried_out_on == days_after(measure.decided_on, 14)
    assert status_of(measure.committee_case.incident) == Status.MEASURES_CARRIED_OUT
    assert measure.history.latest().carried_out_on == days_after(measure.decided_on, 14)


def test_a_measure_under_appeal_can_be_carried_out():
    appeal = AppealFactory()
    services.record_measure_carried_out(measure=appeal.measure, on=appeal.filed_on)
    assert status_of(appeal.measure.committee_case.incident) == Status.UNDER_APPEAL


def test_carry_out_refuses_a_second_time():
    measure = MeasureFactory()
    services.record_measure_carried_out(measure=measure, on=measure.decided_on)
    with pytest.raises(ValidationError) as excinfo:
        services.record_measure_carried_out(measure=measure, on=days_after(measure.decided_on, 1))
    assert excinfo.value.message_dict == {
        "carried_out_on": [f"This measure was already carried out on {format_date(measure.decided_on)}."]
    }


def test_carry_out_refuses_a_measure_changed_on_appeal():
    appeal = AppealFactory(changed=True)
    messages = refused(services.record_measure_carried_out, measure=appeal.measure, on=appeal.decided_on)
    assert messages == ["This measure was changed or revoked on appeal: record the measure that replaced it, if any."]
    services.record_measure_carried_out(measure=appeal.replacement, on=appeal.decided_on)


def test_a_measure_is_carried_out_while_another_committee_still_has_to_hear_the_case():
    measure = MeasureFactory()
    incident = measure.committee_case.incident
    CommitteeCaseFactory(incident=incident, committee=committee_for(incident, Committee.Kind.TEACHER_RIGHTS))
    assert status_of(incident) == Status.REFERRED
    services.record_measure_carried_out(measure=measure, on=measure.decided_on)
    assert Measure.objects.get(pk=measure.pk).carried_out_on == measure.decided_on


def test_carry_out_refuses_a_date_before_the_decision():
    measure = MeasureFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.record_measure_carried_out(measure=measure, on=days_after(measure.decided_on, -1))
    assert excinfo.value.message_dict == {"carried_out_on": ["A measure cannot be carried out before it was decided."]}


def test_carry_out_refuses_a_date_in_the_future():
    measure = MeasureFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.record_measure_carried_out(measure=measure, on=timezone.localdate() + datetime.timedelta(days=1))
    assert excinfo.value.message_dict == {"carried_out_on": ["The date cannot be in the future."]}


# Appeals -----------------------------------------------------------------------------------------


def test_file_an_appeal():
    measure = MeasureFactory()
    appeal = services.file_appeal(
        measure=measure, appellant=Appeal.Appellant.OFFENDER, filed_on=days_after(measure.decided_on, 30)
    )
    assert (appeal.outcome, appeal.kind) == (Appeal.Outcome.PENDING, Appeal.Kind.ADMINISTRATIVE_APPEAL)
    assert status_of(measure.committee_case.incident) == Status.UNDER_APPEAL
    assert appeal.history.get().history_type == "+"


def test_the_victim_may_appeal_alongside_the_offender():
    appeal = AppealFactory()
    services.file_appeal(measure=appeal.measure, appellant=Appeal.Appellant.VICTIM, filed_on=appeal.filed_on)
    assert appeal.measure.appeals.count() == 2


def test_file_refuses_a_second_pending_appeal_by_the_same_party():
    appeal = AppealFactory()
    messages = refused(
        services.file_appeal, measure=appeal.measure, appellant=appeal.appellant, filed_on=appeal.filed_on
    )
    assert messages == ["An appeal of this kind by the same party is already pending against this measure."]


def test_file_refuses_a_revoked_measure():
    appeal = AppealFactory(revoked=True)
    with pytest.raises(ValidationError) as excinfo:
        services.file_appeal(measure=appeal.measure, appellant=Appeal.Appellant.VICTIM, filed_on=appeal.decided_on)
    assert excinfo.value.message_dict == {
        "filed_on": ["This measure was already changed or revoked on appeal; appeal the measure that replaced it."]
    }


def test_file_refuses_a_date_before_the_decision():
    measure = MeasureFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.file_appeal(
            measure=measure, appellant=Appeal.Appellant.OFFENDER, filed_on=days_after(measure.decided_on, -1)
        )
    assert "filed_on" in excinfo.value.message_dict


@pytest.mark.parametrize(
    ("outcome", "replacement", "final_numbers"),
    [(Appeal.Outcome.UPHELD, None, [8]), (Appeal.Outcome.CHANGED, 7, [7]), (Appeal.Outcome.REVOKED, None, [])],
)
def test_decide_an_appeal(outcome, replacement, final_numbers):
    appeal = AppealFactory(measure=MeasureFactory(number=8))
    services.decide_appeal(
        appeal=appeal, outcome=outcome, decided_on=days_after(appeal.filed_on, 60), replacement_number=replacement
    )
    assert Appeal.objects.get(pk=appeal.pk).outcome == outcome
    assert list(Measure.objects.final().values_list("number", flat=True)) == final_numbers
    # Nothing carried out yet (or, revoked, nothing left to carry out): decided.
    assert status_of(appeal.measure.committee_case.incident) == Status.DECIDED


def test_decide_refuses_a_decided_appeal():
    appeal = AppealFactory(upheld=True)
    messages = refused(
        services.decide_appeal, appeal=appeal, outcome=Appeal.Outcome.REVOKED, decided_on=appeal.decided_on
    )
    assert messages == ["This appeal was already decided (upheld)."]
    assert Appeal.objects.get(pk=appeal.pk).outcome == Appeal.Outcome.UPHELD


def test_decide_refuses_no_outcome():
    appeal = AppealFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.decide_appeal(appeal=appeal, outcome=Appeal.Outcome.PENDING, decided_on=appeal.filed_on)
    assert excinfo.value.message_dict == {"outcome": ["Choose the outcome: upheld, changed or revoked."]}


def test_decide_refuses_a_change_without_the_new_measure():
    appeal = AppealFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.decide_appeal(appeal=appeal, outcome=Appeal.Outcome.CHANGED, decided_on=appeal.filed_on)
    assert "replacement_number" in excinfo.value.message_dict
    assert Appeal.objects.get(pk=appeal.pk).outcome == Appeal.Outcome.PENDING


# Close the case ----------------------------------------------------------------------------------


def test_close_a_reported_case_resolved_by_the_principal():
    incident = IncidentFactory()
    services.close_case(incident=incident, on=days_after(incident.report_date, 5), reason="resolved_by_principal")
    incident.refresh_from_db()
    assert (incident.closed_on, incident.closure_reason) == (
        days_after(incident.report_date, 5),
        "resolved_by_principal",
    )
    assert status_of(incident) == Status.CLOSED
    assert incident.history.latest().closure_reason == "resolved_by_principal"


def test_close_a_referred_case_closes_its_committee_cases_with_the_reason():
    case = CommitteeCaseFactory()
    services.close_case(incident=case.incident, on=case.requested_on, reason=ClosureReason.OFFENDER_UNIDENTIFIED)
    case.refresh_from_db()
    assert (case.closed_on, case.closure_reason) == (case.requested_on, ClosureReason.OFFENDER_UNIDENTIFIED)
    assert status_of(case.incident) == Status.CLOSED


@pytest.mark.parametrize("make", [IncidentFactory, lambda: CommitteeCaseFactory().incident])
def test_close_without_hearing_needs_the_reason(make):
    incident = make()
    with pytest.raises(ValidationError) as excinfo:
        services.close_case(incident=incident, on=datetime.date(2024, 6, 1))
    assert excinfo.value.message_dict["closure_reason"] in (
        ["Give the reason for closing the case without a hearing."],
        ["A case closed without hearing needs both the date and the reason."],  # (its committee case's)
    )
    assert status_of(incident) != Status.CLOSED


def test_close_a_case_whose_measures_are_carried_out():
    measure = MeasureFactory()
    services.record_measure_carried_out(measure=measure, on=measure.decided_on)
    incident = services.close_case(incident=measure.committee_case.incident, on=measure.decided_on)
    assert (incident.closure_reason, status_of(incident)) == ("", Status.CLOSED)


def test_close_a_case_heard_without_measures():
    case = HeardCommitteeCaseFactory()
    services.close_case(incident=case.incident, on=case.hearing_date)
    assert status_of(case.incident) == Status.CLOSED


def test_close_after_a_hearing_refuses_a_reason():
    case = HeardCommitteeCaseFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.close_case(incident=case.incident, on=case.hearing_date, reason=ClosureReason.WITHDRAWN)
    assert excinfo.value.message_dict == {
        "closure_reason": ["This case had a hearing: leave the reason for closing without a hearing empty."]
    }


def test_close_refuses_measures_not_carried_out():
    measure = MeasureFactory()
    messages = refused(services.close_case, incident=measure.committee_case.incident, on=measure.decided_on)
    assert messages == ["Record that the measures were carried out before closing the case."]


def test_close_refuses_a_pending_appeal():
    appeal = AppealFactory()
    messages = refused(services.close_case, incident=appeal.measure.committee_case.incident, on=appeal.filed_on)
    assert messages == ["An appeal is pending: decide it before closing the case."]


def test_close_refuses_a_closed_case():
    incident = closed_incident()
    messages = refused(services.close_case, incident=incident, on=incident.report_date, reason="other")
    assert messages == ["This case is already closed."]


def test_close_refuses_a_date_before_the_report():
    incident = IncidentFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.close_case(incident=incident, on=days_after(incident.report_date, -1), reason="other")
    assert excinfo.value.message_dict == {"closed_on": ["The case cannot be closed before the report."]}


def test_the_whole_way_from_report_to_closure():
    incident = IncidentFactory()
    offender = OffenderFactory(incident=incident)
    day = incident.report_date
    case = services.refer_to_committee(incident=incident, committee=committee_for(incident), on=day)
    services.extend_hearing_deadline(committee_case=case, on=days_after(day, 20), reason="Police investigation.")
    services.schedule_hearing(committee_case=case, on=days_after(day, 27))
    (measure,) = services.record_hearing_and_decision(
        committee_case=case, hearing_date=days_after(day, 27), measures=[MeasureDecision(offender=offender, number=8)]
    )
    appeal = services.file_appeal(measure=measure, appellant=Appeal.Appellant.OFFENDER, filed_on=days_after(day, 40))
    services.decide_appeal(
        appeal=appeal, outcome=Appeal.Outcome.CHANGED, decided_on=days_after(day, 90), replacement_number=7
    )
    replacement = Measure.objects.get(ordered_by_appeal=appeal)
    services.record_measure_carried_out(measure=replacement, on=days_after(day, 95))
    services.close_case(incident=incident, on=days_after(day, 100))
    assert status_of(incident) == Status.CLOSED
    assert CommitteeCase.objects.get(pk=case.pk).hearing_deadline == days_after(day, 28)


def test_close_a_case_heard_by_one_committee_and_still_open_at_another():
    measure = MeasureFactory()
    services.record_measure_carried_out(measure=measure, on=measure.decided_on)
    incident = measure.committee_case.incident
    other = CommitteeCaseFactory(incident=incident, committee=committee_for(incident, Committee.Kind.TEACHER_RIGHTS))
    with pytest.raises(ValidationError) as excinfo:
        services.close_case(incident=incident, on=measure.decided_on)
    assert "closure_reason" in excinfo.value.message_dict
    services.close_case(incident=incident, on=measure.decided_on, reason=ClosureReason.WITHDRAWN)
    other.refresh_from_db()
    incident.refresh_from_db()
    assert (other.closed_on, other.closure_reason) == (measure.decided_on, ClosureReason.WITHDRAWN)
    assert incident.closure_reason == ""  # it had a hearing
    assert status_of(incident) == Status.CLOSED
    incident.refresh_from_db()
    assert (incident.status, incident.status_reason) == (Status.CLOSED, "")


def test_a_closed_incident_keeps_no_committee_case_open():
    case = CommitteeCaseFactory()
    incident = case.incident
    incident.closed_on, incident.closure_reason = case.requested_on, ClosureReason.WITHDRAWN
    with pytest.raises(ValidationError) as excinfo:
        incident.full_clean()
    assert excinfo.value.message_dict["closed_on"] == [
        "A committee case of this incident is still open: record its hearing, or close it without one "
        "(its date and reason), before closing the case."
    ]
    closed = closed_incident()
    late = CommitteeCaseFactory.build(incident=closed, committee=committee_for(closed), requested_on=closed.report_date)
    with pytest.raises(ValidationError) as excinfo:
        late.full_clean()
    assert excinfo.value.message_dict["closed_on"] == [
        "The incident is closed: record this committee case's hearing, or close it without one."
    ]


def test_an_appeal_before_one_committee_does_not_hold_up_another():
    appeal = AppealFactory()
    incident = appeal.measure.committee_case.incident
    other = CommitteeCaseFactory(incident=incident, committee=committee_for(incident, Committee.Kind.TEACHER_RIGHTS))
    assert status_of(incident) == Status.UNDER_APPEAL
    services.schedule_hearing(committee_case=other, on=days_after(other.requested_on, 7))
    services.record_hearing_and_decision(
        committee_case=other, hearing_date=days_after(other.requested_on, 7), measures=[]
    )
    messages = refused(services.schedule_hearing, committee_case=appeal.measure.committee_case, on=appeal.filed_on)
    assert messages == [
        f"The hearing of this committee case is already recorded ({format_date(appeal.measure.decided_on)})."
    ]
