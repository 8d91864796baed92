"""Corrections of a recorded step (``cases.corrections``): each correction is saved through the case
services with its reason on the change history and a "correct ..." entry on the access log, and the
status follows; a correction that breaks a rule, or a reason that names someone, saves nothing;
the case page offers each correction beside its step, to the case office's clerks only; and the same
change through the pages' inlines is still refused."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from casetracker.audit.models import AccessLog
from casetracker.cases import corrections, steps
from casetracker.cases.models import Appeal, CommitteeCase, Measure, Status
from casetracker.cases.status import status_of
from casetracker.cases.steps import STEP_MARK
from casetracker.core.models import SchoolLevel
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
    VictimNoticeFactory,
    days_after,
)

pytestmark = pytest.mark.django_db

REASON = "담당자 입력 오류 정정 (V1 측 확인)"


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def clerk_of(incident):
    return UserFactory(office=incident.office, language="en")


def corrected(record, *, actor, detail: str, deleted: bool = False) -> None:
    """The correction's service ran: the record's latest history row gives the reason and the actor,
    and the correction is on the access log against the case."""
    latest = type(record).history.filter(id=record.pk).latest()
    assert (latest.history_change_reason, latest.history_user) == (REASON, actor)
    assert latest.history_type == ("-" if deleted else "~")
    entry = AccessLog.objects.filter(action=AccessLog.Action.CHANGE, detail__startswith=STEP_MARK).latest("at")
    assert (entry.user, entry.detail) == (actor, STEP_MARK + detail)


def nothing_corrected() -> bool:
    return not AccessLog.objects.filter(detail__startswith=STEP_MARK + "correct").exists()


# The referral -----------------------------------------------------------------------------------


def test_correct_the_referral_date_and_committee():
    case = CommitteeCaseFactory()
    actor = clerk_of(case.incident)
    other = CommitteeFactory(office=case.incident.office, local_office=case.incident.school.local_office)
    on = days_after(case.requested_on, -3)
    corrections.correct_referral(committee_case=case, committee=other, requested_on=on, reason=REASON, actor=actor)
    case.refresh_from_db()
    assert (case.committee, case.requested_on) == (other, on)
    corrected(case, actor=actor, detail="correct the referral")
    assert status_of(case.incident) == Status.REFERRED


def test_a_referral_corrected_after_its_hearing_is_refused_with_the_rules_message():
    case = HeardCommitteeCaseFactory()
    actor = clerk_of(case.incident)
    late = days_after(case.hearing_date, 1)
    with pytest.raises(ValidationError) as refused:
        corrections.correct_referral(
            committee_case=case, committee=case.committee, requested_on=late, reason=REASON, actor=actor
        )
    assert "The hearing cannot be before the referral." in str(refused.value)
    case.refresh_from_db()
    assert case.requested_on == days_after(case.hearing_date, -14) and nothing_corrected()


def test_a_committee_of_another_office_is_refused():
    case = CommitteeCaseFactory()
    actor = clerk_of(case.incident)
    foreign = CommitteeFactory()
    with pytest.raises(ValidationError):
        corrections.correct_referral(
            committee_case=case, committee=foreign, requested_on=case.requested_on, reason=REASON, actor=actor
        )
    case.refresh_from_db()
    assert case.committee != foreign and nothing_corrected()


# The hearing -------------------------------------------------------------------------------------


def test_correct_the_hearing_date():
    measure = MeasureFactory()
    case = measure.committee_case
    actor = clerk_of(case.incident)
    on = days_after(case.hearing_date, -2)
    corrections.correct_hearing_date(committee_case=case, hearing_date=on, reason=REASON, actor=actor)
    case.refresh_from_db()
    assert case.hearing_date == on
    corrected(case, actor=actor, detail="correct the hearing date")
    assert status_of(case.incident) == Status.DECIDED


def test_a_hearing_after_its_measures_is_refused():
    measure = MeasureFactory()
    case = measure.committee_case
    heard_on = case.hearing_date
    with pytest.raises(ValidationError) as refused:
        corrections.correct_hearing_date(
            committee_case=case, hearing_date=days_after(heard_on, 1), reason=REASON, actor=clerk_of(case.incident)
        )
    assert "the hearing must stay on or before that date" in str(refused.value)
    case.refresh_from_db()
    assert case.hearing_date == heard_on and nothing_corrected()


def test_a_hearing_not_recorded_is_not_corrected_but_recorded_by_its_step():
    case = CommitteeCaseFactory()
    with pytest.raises(ValidationError, match="record it by its step"):
        corrections.correct_hearing_date(
            committee_case=case, hearing_date=days_after(case.requested_on, 3), reason=REASON, actor=None
        )
    assert nothing_corrected()


# A measure ---------------------------------------------------------------------------------------


def test_correct_a_measures_offender_number_days_hours_and_decision_date():
    measure = MeasureFactory()
    incident = measure.committee_case.incident
    actor = clerk_of(incident)
    other = OffenderFactory(incident=incident)
    on = days_after(measure.decided_on, 1)
    corrections.correct_measure(
        measure=measure, offender=other, number=5, decided_on=on, days=3, hours=10, reason=REASON, actor=actor
    )
    measure.refresh_from_db()
    assert (measure.offender, measure.number, measure.decided_on, measure.days, measure.hours) == (other, 5, on, 3, 10)
    corrected(measure, actor=actor, detail="correct a measure")
    assert status_of(incident) == Status.DECIDED


def test_expelling_a_middle_school_student_by_correction_is_refused():
    incident = IncidentFactory(school=SchoolFactory(level=SchoolLevel.MIDDLE))
    measure = MeasureFactory(committee_case=HeardCommitteeCaseFactory(incident=incident))
    with pytest.raises(ValidationError) as refused:
        corrections.correct_measure(
            measure=measure,
            offender=measure.offender,
            number=9,
            decided_on=measure.decided_on,
            days=None,
            hours=None,
            reason=REASON,
            actor=clerk_of(incident),
        )
    assert "Expulsion can only be imposed on high-school students" in str(refused.value)
    measure.refresh_from_db()
    assert measure.number == 1 and nothing_corrected()


def test_a_decision_moved_after_its_appeal_or_a_victims_notice_is_refused():
    appeal = AppealFactory()
    measure = appeal.measure
    with pytest.raises(ValidationError, match="An appeal cannot be filed before the decision"):
        corrections.correct_measure(
            measure=measure,
            offender=measure.offender,
            number=measure.number,
            decided_on=days_after(appeal.filed_on, 1),
            days=None,
            hours=None,
            reason=REASON,
            actor=None,
        )
    notice = VictimNoticeFactory()
    (decided,) = notice.committee_case.measures.all()
    with pytest.raises(ValidationError, match="The decision cannot be notified before it was made"):
        corrections.correct_measure(
            measure=decided,
            offender=decided.offender,
            number=decided.number,
            decided_on=days_after(notice.notified_on, 1),
            days=None,
            hours=None,
            reason=REASON,
            actor=None,
        )
    measure.refresh_from_db()
    decided.refresh_from_db()
    assert measure.decided_on == days_after(appeal.filed_on, -14) and decided.decided_on < notice.notified_on
    assert nothing_corrected()


def test_a_replacement_measure_and_an_appealed_measures_offender_are_not_corrected():
    appeal = AppealFactory(changed=True)
    replacement = Measure.objects.get(ordered_by_appeal=appeal)
    values = {"number": 3, "decided_on": replacement.decided_on, "days": None, "hours": None, "reason": REASON}
    with pytest.raises(ValidationError, match="ordered by an appeal"):
        corrections.correct_measure(measure=replacement, offender=replacement.offender, **values)
    other = OffenderFactory(incident=appeal.measure.committee_case.incident)
    with pytest.raises(ValidationError, match="withdraw them before changing its offender"):
        corrections.correct_measure(measure=appeal.measure, offender=other, **values)
    assert nothing_corrected()


# Carrying out ------------------------------------------------------------------------------------


def test_set_correct_and_clear_a_carrying_out():
    measure = MeasureFactory()
    incident = measure.committee_case.incident
    actor = clerk_of(incident)
    first, second = days_after(measure.decided_on, 5), days_after(measure.decided_on, 7)
    corrections.correct_carried_out(measure=measure, on=first, reason=REASON, actor=actor)
    assert status_of(incident) == Status.MEASURES_CARRIED_OUT
    # A day recorded is moved by a correction (the step itself refuses a second carrying out).
    with pytest.raises(ValidationError, match="already carried out"):
        steps.record_measure_carried_out(measure=measure, on=second, actor=actor)
    corrections.correct_carried_out(measure=measure, on=second, reason=REASON, actor=actor)
    measure.refresh_from_db()
    assert measure.carried_out_on == second
    corrections.correct_carried_out(measure=measure, on=None, reason=REASON, actor=actor)
    measure.refresh_from_db()
    assert measure.carried_out_on is None
    corrected(measure, actor=actor, detail="correct a carrying out")
    assert status_of(incident) == Status.DECIDED
    assert measure.history.filter(history_change_reason=REASON).count() == 3


def test_clearing_the_carrying_out_of_a_closed_case_is_refused():
    measure = MeasureFactory()
    incident = measure.committee_case.incident
    steps.record_measure_carried_out(measure=measure, on=days_after(measure.decided_on, 3), actor=None)
    steps.close_case(incident=incident, on=days_after(measure.decided_on, 4), actor=None)
    with pytest.raises(ValidationError, match="record when this measure was carried out"):
        corrections.correct_carried_out(measure=measure, on=None, reason=REASON, actor=None)
    measure.refresh_from_db()
    assert measure.carried_out_on is not None and status_of(incident) == Status.CLOSED and nothing_corrected()


def test_an_unchanged_correction_is_refused():
    measure = MeasureFactory()
    with pytest.raises(ValidationError, match="Nothing to correct"):
        corrections.correct_carried_out(measure=measure, on=None, reason=REASON, actor=None)
    assert nothing_corrected()


# An appeal entered by mistake ----------------------------------------------------------------------


def test_remove_a_pending_appeal_entered_by_mistake():
    appeal = AppealFactory()
    incident = appeal.measure.committee_case.incident
    actor = clerk_of(incident)
    assert status_of(incident) == Status.UNDER_APPEAL
    corrections.withdraw_appeal(appeal=appeal, reason=REASON, actor=actor)
    assert not Appeal.objects.filter(pk=appeal.pk).exists()
    corrected(appeal, actor=actor, detail="correct: remove an appeal entered by mistake", deleted=True)
    assert status_of(incident) == Status.DECIDED


def test_remove_a_decided_appeal_with_the_measure_it_ordered():
    appeal = AppealFactory(changed=True)
    replacement = Measure.objects.get(ordered_by_appeal=appeal)
    actor = clerk_of(appeal.measure.committee_case.incident)
    corrections.withdraw_appeal(appeal=appeal, reason=REASON, actor=actor)
    assert not Measure.objects.filter(pk=replacement.pk).exists()
    corrected(replacement, actor=actor, detail="correct: remove an appeal entered by mistake", deleted=True)
    assert Measure.objects.filter(pk=appeal.measure.pk).final().exists()  # (the appealed measure counts again)


def test_an_appeal_whose_replacement_was_carried_out_is_not_removed():
    appeal = AppealFactory(changed=True)
    replacement = Measure.objects.get(ordered_by_appeal=appeal)
    steps.record_measure_carried_out(measure=replacement, on=days_after(replacement.decided_on, 2), actor=None)
    with pytest.raises(ValidationError, match="correct its carrying out before removing the appeal"):
        corrections.withdraw_appeal(appeal=appeal, reason=REASON, actor=None)
    assert Appeal.objects.filter(pk=appeal.pk).exists() and Measure.objects.filter(pk=replacement.pk).exists()
    assert nothing_corrected()


def test_an_appeal_whose_removal_would_leave_a_closed_case_with_a_measure_to_carry_out_is_refused():
    appeal = AppealFactory(revoked=True)
    incident = appeal.measure.committee_case.incident
    steps.close_case(incident=incident, on=days_after(appeal.decided_on, 1), actor=None)
    with pytest.raises(ValidationError, match="carried out"):
        corrections.withdraw_appeal(appeal=appeal, reason=REASON, actor=None)
    assert Appeal.objects.filter(pk=appeal.pk).exists() and status_of(incident) == Status.CLOSED
    assert nothing_corrected()


# Reopening ---------------------------------------------------------------------------------------


def test_reopen_a_case_closed_without_hearing():
    case = CommitteeCaseFactory()
    incident = case.incident
    steps.close_case(incident=incident, on=days_after(case.requested_on, 3), reason="withdrawn", actor=None)
    assert status_of(incident) == Status.CLOSED
    actor = clerk_of(incident)
    corrections.reopen_case(incident=incident, reason=REASON, actor=actor)
    incident.refresh_from_db()
    case.refresh_from_db()
    assert (incident.closed_on, incident.closure_reason, case.closed_on, case.closure_reason) == (None, "", None, "")
    corrected(case, actor=actor, detail="correct: reopen the case")
    corrected(incident, actor=actor, detail="correct: reopen the case")
    assert status_of(incident) == Status.REFERRED


def test_a_case_not_closed_is_not_reopened():
    incident = IncidentFactory()
    with pytest.raises(ValidationError, match="no closing to undo"):
        corrections.reopen_case(incident=incident, reason=REASON, actor=None)


# The reason ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", "x" * (corrections.REASON_MAX_LENGTH + 1)])
def test_a_reason_is_required_and_short(reason):
    measure = MeasureFactory()
    with pytest.raises(ValidationError) as refused:
        corrections.correct_carried_out(measure=measure, on=measure.decided_on, reason=reason, actor=None)
    assert set(refused.value.error_dict) == {"reason"}
    measure.refresh_from_db()
    assert measure.carried_out_on is None and nothing_corrected()


@pytest.mark.parametrize("reason", ["김민지 학생 보호자 요청으로 정정", "보호자 연락처 010-1234-5678 확인"])
def test_a_reason_with_a_victims_name_or_an_identifier_is_refused(reason):
    measure = MeasureFactory()
    VictimFactory(incident=measure.committee_case.incident, name="김민지")
    with pytest.raises(ValidationError) as refused:
        corrections.correct_carried_out(measure=measure, on=measure.decided_on, reason=reason, actor=None)
    (message,) = refused.value.error_dict["reason"]
    assert "Write the people's codes" in str(message.message) and "김민지" not in str(message.message)
    measure.refresh_from_db()
    assert measure.carried_out_on is None and nothing_corrected()
    assert not Measure.history.filter(history_change_reason=reason).exists()


# The case page -------------------------------------------------------------------------------------


def correct_url(incident, what: str, on=None) -> str:
    url = reverse("admin:cases_incident_correct", args=[incident.pk, what])
    return f"{url}?on={on.pk}" if on is not None else url


def case_url(incident) -> str:
    return reverse("admin:cases_incident_change", args=[incident.pk])


def posted(client, url: str, data: dict):
    """Post the correction form as the page gave it: with the version of the record it was loaded at."""
    loaded = client.get(url).context["form"]["loaded_version"].value()
    return client.post(url, {"loaded_version": loaded, **data})


@pytest.fixture
def clerk_for(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def login(incident):
        client.clerk = clerk_of(incident)
        client.force_login(client.clerk)
        return client

    return login


def iso(date: datetime.date | None) -> str:
    return date.isoformat() if date else ""


def _referral():
    case = CommitteeCaseFactory()
    on = days_after(case.requested_on, -1)
    data = {"committee": case.committee_id, "requested_on": iso(on)}
    return case.incident, case, data, lambda: CommitteeCase.objects.get(pk=case.pk).requested_on == on


def _hearing():
    case = HeardCommitteeCaseFactory()
    on = days_after(case.hearing_date, -1)
    return (
        case.incident,
        case,
        {"hearing_date": iso(on)},
        lambda: CommitteeCase.objects.get(pk=case.pk).hearing_date == on,
    )


def _measure():
    measure = MeasureFactory()
    data = {
        "offender": measure.offender_id,
        "number": 2,
        "decided_on": iso(measure.decided_on),
        "days": "",
        "hours": "",
    }
    return measure.committee_case.incident, measure, data, lambda: Measure.objects.get(pk=measure.pk).number == 2


def _carried_out():
    measure = MeasureFactory()
    steps.record_measure_carried_out(measure=measure, on=days_after(measure.decided_on, 2), actor=None)
    return (
        measure.committee_case.incident,
        measure,
        {"on": ""},
        lambda: not Measure.objects.get(pk=measure.pk).carried_out_on,
    )


def _appeal():
    appeal = AppealFactory()
    return appeal.measure.committee_case.incident, appeal, {}, lambda: not Appeal.objects.filter(pk=appeal.pk).exists()


def _reopen():
    incident = IncidentFactory()
    steps.close_case(incident=incident, on=days_after(incident.report_date, 1), reason="withdrawn", actor=None)
    incident.refresh_from_db()
    return incident, None, {}, lambda: status_of(incident) == Status.REPORTED


CASES = {
    "referral": _referral,
    "hearing": _hearing,
    "measure": _measure,
    "carried_out": _carried_out,
    "appeal": _appeal,
    "reopen": _reopen,
}


@pytest.mark.parametrize("what", CASES)
def test_each_correction_is_offered_on_the_case_page_and_saved_from_its_form(clerk_for, what):
    incident, target, data, done = CASES[what]()
    client = clerk_for(incident)
    url = correct_url(incident, what, target)
    assert url.replace("&", "&amp;") in client.get(case_url(incident)).content.decode()
    response = posted(client, url, {**data, "reason": REASON})
    assert response.status_code == 302 and response.url == case_url(incident), response.context["form"].errors
    assert done()
    entry = AccessLog.objects.filter(detail__startswith=STEP_MARK + "correct").get()
    assert (entry.user, entry.target_id) == (client.clerk, str(incident.pk))
    page = client.get(response.url)
    assert "saved, with its reason in the change history" in page.content.decode()


def test_the_correction_form_starts_from_the_values_recorded(clerk_for):
    measure = MeasureFactory(days=4)
    client = clerk_for(measure.committee_case.incident)
    form = client.get(correct_url(measure.committee_case.incident, "measure", measure)).context["form"]
    assert form["offender"].value() == measure.offender_id and form["days"].value() == 4
    assert form["decided_on"].value() == measure.decided_on


def test_a_refused_correction_is_a_field_error_and_saves_nothing(clerk_for):
    case = HeardCommitteeCaseFactory()
    client = clerk_for(case.incident)
    late = days_after(case.hearing_date, 1)
    response = posted(
        client,
        correct_url(case.incident, "referral", case),
        {"committee": case.committee_id, "requested_on": iso(late), "reason": REASON},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["requested_on"] == ["The hearing cannot be before the referral."]
    case.refresh_from_db()
    assert case.requested_on != late and nothing_corrected()


def test_a_reason_with_a_name_is_an_error_on_the_reason(clerk_for):
    measure = MeasureFactory()
    incident = measure.committee_case.incident
    VictimFactory(incident=incident, name="김민지")
    client = clerk_for(incident)
    response = posted(
        client,
        correct_url(incident, "measure", measure),
        {"offender": measure.offender_id, "number": 2, "decided_on": iso(measure.decided_on), "reason": "김민지 요청"},
    )
    assert response.status_code == 200 and list(response.context["form"].errors) == ["reason"]
    measure.refresh_from_db()
    assert measure.number == 1 and nothing_corrected()


def test_a_correction_from_a_form_loaded_before_another_change_is_refused(clerk_for):
    measure = MeasureFactory()
    incident = measure.committee_case.incident
    client = clerk_for(incident)
    url = correct_url(incident, "measure", measure)
    loaded = client.get(url).context["form"]["loaded_version"].value()
    corrections.correct_measure(
        measure=measure,
        offender=measure.offender,
        number=3,
        decided_on=measure.decided_on,
        days=None,
        hours=None,
        reason=REASON,
        actor=client.clerk,
    )
    data = {"offender": measure.offender_id, "number": 2, "decided_on": iso(measure.decided_on), "reason": REASON}
    response = client.post(url, {"loaded_version": loaded, **data})
    assert response.status_code == 200
    assert "Someone else saved this measure while you were editing it" in str(
        response.context["form"].non_field_errors()
    )
    measure.refresh_from_db()
    assert measure.number == 3
    assert AccessLog.objects.filter(detail__startswith=STEP_MARK + "correct").count() == 1


def test_a_supervisor_sees_no_correction_and_is_refused(client):
    measure = MeasureFactory()
    incident = measure.committee_case.incident
    client.force_login(UserFactory(supervisor=True, office=incident.office, is_staff=True))
    assert "/correct/" not in client.get(case_url(incident)).content.decode()
    url = correct_url(incident, "carried_out", measure)
    assert client.get(url).status_code == 403
    assert client.post(url, {"on": iso(measure.decided_on), "reason": REASON}).status_code == 403
    measure.refresh_from_db()
    assert measure.carried_out_on is None and nothing_corrected()


def test_an_office_admin_takes_no_correction(client):
    measure = MeasureFactory()
    incident = measure.committee_case.incident
    client.force_login(UserFactory(role="admin", office=incident.office, is_staff=True))
    response = client.post(
        correct_url(incident, "carried_out", measure), {"on": iso(measure.decided_on), "reason": REASON}
    )
    assert response.status_code in (302, 403) and getattr(response, "url", None) != case_url(incident)
    measure.refresh_from_db()
    assert measure.carried_out_on is None and nothing_corrected()


def test_another_offices_clerk_is_refused(client):
    measure = MeasureFactory()
    incident = measure.committee_case.incident
    client.force_login(UserFactory())
    response = client.post(
        correct_url(incident, "carried_out", measure), {"on": iso(measure.decided_on), "reason": REASON}
    )
    assert response.status_code == 302 and response.url != case_url(incident)
    measure.refresh_from_db()
    assert measure.carried_out_on is None and nothing_corrected()
    assert AccessLog.objects.filter(action=AccessLog.Action.DENIED).exists()


def test_a_record_of_another_case_or_no_such_correction_is_not_found(clerk_for):
    incident = IncidentFactory()
    other = MeasureFactory(committee_case=HeardCommitteeCaseFactory(incident=IncidentFactory(office=incident.office)))
    client = clerk_for(incident)
    assert client.post(correct_url(incident, "carried_out", other), {"on": "", "reason": REASON}).status_code == 404
    assert client.get(correct_url(incident, "everything")).status_code == 404
    assert nothing_corrected()


def test_the_same_changes_through_the_measures_inline_are_still_refused(clerk_for):
    """The committee case's page posts its measures' rows: an offender, a decision date or a carrying
    out typed there changes nothing (those fields are corrected only with a reason)."""
    measure = MeasureFactory()
    case = measure.committee_case
    other = OffenderFactory(incident=case.incident)
    client = clerk_for(case.incident)
    url = reverse("admin:cases_committeecase_change", args=[case.pk])
    data = page_data(client.get(url))
    data.update(
        {
            "measures-0-offender": other.pk,
            "measures-0-decided_on": iso(days_after(measure.decided_on, 1)),
            "measures-0-carried_out_on": iso(days_after(measure.decided_on, 2)),
            "hearing_date": iso(days_after(case.hearing_date, -1)),
            "requested_on": iso(days_after(case.requested_on, -1)),
        }
    )
    client.post(url, data)
    before = (measure.offender_id, measure.decided_on, measure.carried_out_on)
    measure.refresh_from_db()
    assert (measure.offender_id, measure.decided_on, measure.carried_out_on) == before
    stored = CommitteeCase.objects.get(pk=case.pk)
    assert (stored.hearing_date, stored.requested_on) == (case.hearing_date, case.requested_on)
    assert status_of(case.incident) == Status.DECIDED


@pytest.mark.parametrize("other_offenders", [0, 5])
def test_the_measure_correction_page_reads_a_fixed_number_of_queries(
    clerk_for, django_assert_num_queries, other_offenders
):
    """The session, the user, the case, the permissions (2), the measure, the office (scope), the
    offenders offered, the session saved (3): the same however many offenders the case has."""
    measure = MeasureFactory()
    incident = measure.committee_case.incident
    for _ in range(other_offenders):
        OffenderFactory(incident=incident)
    client = clerk_for(incident)
    url = correct_url(incident, "measure", measure)
    with django_assert_num_queries(11):
        assert client.get(url).status_code == 200
