"""Corrections of the hearing deadline's extension and of the scheduled hearing date
(``corrections.correct_extension``, ``correct_hearing_schedule``): saved with their reason on the
change history and a "correct ..." entry on the access log, the one extension corrected without
counting as a second; refusals save nothing; the case page offers each only where it applies, to
the case office's clerks; the committee case's own page still writes neither."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from casetracker.cases import corrections, steps
from casetracker.cases.models import CommitteeCase, Status
from casetracker.cases.status import status_of
from tests.cases import test_step_corrections
from tests.cases.test_admin import page_data
from tests.cases.test_step_corrections import (
    REASON,
    case_url,
    clerk_of,
    correct_url,
    corrected,
    iso,
    nothing_corrected,
    posted,
)
from tests.factories import CommitteeCaseFactory, HeardCommitteeCaseFactory, UserFactory, VictimFactory, days_after

pytestmark = pytest.mark.django_db

# The fixtures of the first corrections' tests: a clerk of the case's office, logged in; in English.
clerk_for = test_step_corrections.clerk_for
in_english = test_step_corrections.in_english

EXTENSION_REASON = "위원 일정 조정"


def extended(case=None, *, days: int = 5) -> CommitteeCase:
    """A committee case waiting for its hearing, its deadline extended by its step ``days`` after the referral."""
    case = case or CommitteeCaseFactory()
    return steps.extend_hearing_deadline(
        committee_case=case, on=days_after(case.requested_on, days), reason=EXTENSION_REASON, actor=None
    )


def heard(case: CommitteeCase, *, days: int = 20) -> CommitteeCase:
    steps.record_hearing_and_decision(
        committee_case=case, hearing_date=days_after(case.requested_on, days), measures=[], actor=None
    )
    case.refresh_from_db()
    return case


def stored(case: CommitteeCase) -> CommitteeCase:
    return CommitteeCase.objects.get(pk=case.pk)


# The extension -----------------------------------------------------------------------------------


def test_correct_the_extensions_date_and_reason_without_it_counting_as_a_second():
    case = extended()
    actor = clerk_of(case.incident)
    on = days_after(case.requested_on, 8)
    with pytest.raises(ValidationError, match="already been extended once"):
        steps.extend_hearing_deadline(committee_case=case, on=on, reason=EXTENSION_REASON, actor=actor)
    corrections.correct_extension(
        committee_case=case, extended_on=on, extension_reason="  위원회 사정  ", reason=REASON, actor=actor
    )
    case = stored(case)
    assert (case.extended_on, case.extension_reason) == (on, "위원회 사정")
    assert case.hearing_deadline == days_after(case.requested_on, 28)
    corrected(case, actor=actor, detail="correct the hearing deadline's extension")
    assert status_of(case.incident) == Status.REFERRED


def test_the_extension_of_a_case_already_heard_is_corrected():
    case = heard(extended())
    actor = clerk_of(case.incident)
    on = days_after(case.requested_on, 2)
    corrections.correct_extension(
        committee_case=case, extended_on=on, extension_reason=EXTENSION_REASON, reason=REASON, actor=actor
    )
    assert stored(case).extended_on == on
    corrected(case, actor=actor, detail="correct the hearing deadline's extension")
    assert status_of(case.incident) == Status.HEARD


def test_remove_an_extension_recorded_by_mistake_and_the_step_is_open_again():
    case = extended()
    actor = clerk_of(case.incident)
    corrections.correct_extension(
        committee_case=case, extended_on=None, extension_reason="left over", reason=REASON, actor=actor
    )
    case = stored(case)
    assert (case.extended_on, case.extension_reason) == (None, "")
    assert case.hearing_deadline == days_after(case.requested_on, 21)
    corrected(case, actor=actor, detail="correct the hearing deadline's extension")
    # The law's one extension was never taken: the step takes it now.
    steps.extend_hearing_deadline(
        committee_case=case, on=days_after(case.requested_on, 6), reason=EXTENSION_REASON, actor=actor
    )
    assert stored(case).extended_on == days_after(case.requested_on, 6)


def test_removing_the_extension_of_a_hearing_held_in_it_shows_the_hearing_late():
    case = heard(extended(), days=25)
    assert not case.heard_late
    corrections.correct_extension(committee_case=case, extended_on=None, extension_reason="", reason=REASON)
    assert stored(case).heard_late


@pytest.mark.parametrize(
    ("days", "extension_reason", "field", "message"),
    [
        (22, EXTENSION_REASON, "extended_on", "between the referral and the original deadline"),
        (-1, EXTENSION_REASON, "extended_on", "between the referral and the original deadline"),
        (6, "", "extension_reason", "Give the reason for extending the deadline."),
        (6, "김민지 학생 사정", "extension_reason", "Write the people's codes"),
    ],
)
def test_a_wrong_extension_is_refused_on_its_field_and_saves_nothing(days, extension_reason, field, message):
    case = extended()
    before = case.extended_on
    VictimFactory(incident=case.incident, name="김민지")
    with pytest.raises(ValidationError) as refused:
        corrections.correct_extension(
            committee_case=case,
            extended_on=days_after(case.requested_on, days),
            extension_reason=extension_reason,
            reason=REASON,
        )
    assert message in str(refused.value.error_dict[field])
    assert (stored(case).extended_on, stored(case).extension_reason) == (before, EXTENSION_REASON)
    assert nothing_corrected()


def test_no_extension_recorded_is_the_steps_to_take():
    case = CommitteeCaseFactory()
    with pytest.raises(ValidationError, match="extend it by its step"):
        corrections.correct_extension(
            committee_case=case,
            extended_on=days_after(case.requested_on, 3),
            extension_reason=EXTENSION_REASON,
            reason=REASON,
        )
    assert stored(case).extended_on is None and nothing_corrected()


def test_a_reason_with_an_identifier_or_the_values_recorded_change_nothing():
    case = extended()
    before = case.extended_on
    with pytest.raises(ValidationError) as refused:
        corrections.correct_extension(
            committee_case=case, extended_on=None, extension_reason="", reason="보호자 010-1234-5678 요청"
        )
    assert set(refused.value.error_dict) == {"reason"}
    with pytest.raises(ValidationError, match="Nothing to correct"):
        corrections.correct_extension(
            committee_case=case, extended_on=before, extension_reason=EXTENSION_REASON, reason=REASON
        )
    assert stored(case).extended_on == before and nothing_corrected()


# The scheduled hearing date ----------------------------------------------------------------------


def scheduled_and_heard(days: int = 12) -> CommitteeCase:
    case = CommitteeCaseFactory()
    steps.schedule_hearing(committee_case=case, on=days_after(case.requested_on, days), actor=None)
    return heard(case, days=14)


def test_correct_the_scheduled_date_of_a_hearing_held():
    case = scheduled_and_heard()
    actor = clerk_of(case.incident)
    on = days_after(case.requested_on, 13)
    with pytest.raises(ValidationError, match="already recorded"):
        steps.schedule_hearing(committee_case=case, on=on, actor=actor)
    corrections.correct_hearing_schedule(committee_case=case, scheduled_on=on, reason=REASON, actor=actor)
    case = stored(case)
    assert (case.hearing_scheduled_on, case.hearing_date) == (on, days_after(case.requested_on, 14))
    corrected(case, actor=actor, detail="correct the scheduled hearing date")
    assert status_of(case.incident) == Status.HEARD


def test_clear_a_schedule_of_a_case_closed_without_its_hearing():
    case = CommitteeCaseFactory()
    steps.schedule_hearing(committee_case=case, on=days_after(case.requested_on, 12), actor=None)
    steps.close_case(incident=case.incident, on=days_after(case.requested_on, 5), reason="withdrawn", actor=None)
    actor = clerk_of(case.incident)
    corrections.correct_hearing_schedule(committee_case=case, scheduled_on=None, reason=REASON, actor=actor)
    assert stored(case).hearing_scheduled_on is None
    corrected(case, actor=actor, detail="correct the scheduled hearing date")
    assert status_of(case.incident) == Status.CLOSED


def test_a_schedule_before_the_hearing_is_moved_by_its_step_not_corrected():
    case = CommitteeCaseFactory()
    steps.schedule_hearing(committee_case=case, on=days_after(case.requested_on, 12), actor=None)
    with pytest.raises(ValidationError, match="by the step 'Schedule the hearing'"):
        corrections.correct_hearing_schedule(
            committee_case=case, scheduled_on=days_after(case.requested_on, 13), reason=REASON
        )
    assert stored(case).hearing_scheduled_on == days_after(case.requested_on, 12) and nothing_corrected()


def test_no_schedule_recorded_is_not_added_after_the_hearing():
    case = HeardCommitteeCaseFactory()
    with pytest.raises(ValidationError, match="there is none to correct"):
        corrections.correct_hearing_schedule(committee_case=case, scheduled_on=case.hearing_date, reason=REASON)
    assert stored(case).hearing_scheduled_on is None and nothing_corrected()


def test_a_schedule_before_the_referral_is_refused():
    case = scheduled_and_heard()
    with pytest.raises(ValidationError) as refused:
        corrections.correct_hearing_schedule(
            committee_case=case, scheduled_on=days_after(case.requested_on, -1), reason=REASON
        )
    assert refused.value.error_dict["hearing_scheduled_on"][0].messages == [
        "The hearing cannot be scheduled before the referral."
    ]
    assert stored(case).hearing_scheduled_on == days_after(case.requested_on, 12) and nothing_corrected()


# The case page -------------------------------------------------------------------------------------


def test_the_page_offers_each_correction_only_where_it_applies(clerk_for):
    waiting = CommitteeCaseFactory()
    steps.schedule_hearing(committee_case=waiting, on=days_after(waiting.requested_on, 12), actor=None)
    client = clerk_for(waiting.incident)
    page = client.get(case_url(waiting.incident)).content.decode()
    # Waiting for its hearing: the schedule is moved by its step, the deadline extended by its step.
    assert correct_url(waiting.incident, "schedule", waiting) not in page
    assert correct_url(waiting.incident, "extension", waiting) not in page
    extended(waiting)
    heard(waiting)
    page = client.get(case_url(waiting.incident)).content.decode()
    assert correct_url(waiting.incident, "schedule", waiting) in page
    assert correct_url(waiting.incident, "extension", waiting) in page


def test_a_supervisor_is_offered_neither_and_is_refused(client):
    case = extended()
    client.force_login(UserFactory(supervisor=True, office=case.incident.office, is_staff=True))
    assert "/correct/" not in client.get(case_url(case.incident)).content.decode()
    url = correct_url(case.incident, "extension", case)
    assert client.get(url).status_code == 403
    assert client.post(url, {"extended_on": "", "reason": REASON}).status_code == 403
    assert stored(case).extended_on == case.extended_on and nothing_corrected()


@pytest.mark.parametrize("what", ["extension", "schedule"])
def test_each_is_saved_from_its_form(clerk_for, what):
    if what == "extension":
        case = extended()
        on = days_after(case.requested_on, 9)
        data = {"extended_on": iso(on), "extension_reason": "위원회 사정"}
    else:
        case = scheduled_and_heard()
        on = days_after(case.requested_on, 10)
        data = {"scheduled_on": iso(on)}
    client = clerk_for(case.incident)
    form = client.get(correct_url(case.incident, what, case)).context["form"]
    assert form["extended_on" if what == "extension" else "scheduled_on"].value() in (
        case.extended_on,
        case.hearing_scheduled_on,
    )
    response = posted(client, correct_url(case.incident, what, case), {**data, "reason": REASON})
    assert response.status_code == 302 and response.url == case_url(case.incident), response.context["form"].errors
    case = stored(case)
    assert (case.extended_on if what == "extension" else case.hearing_scheduled_on) == on
    latest = CommitteeCase.history.filter(id=case.pk).latest()
    assert (latest.history_change_reason, latest.history_user) == (REASON, client.clerk)


def test_an_extension_past_the_original_deadline_is_an_error_on_its_date(clerk_for):
    case = extended()
    client = clerk_for(case.incident)
    data = {"extended_on": iso(days_after(case.requested_on, 22)), "extension_reason": EXTENSION_REASON}
    response = posted(client, correct_url(case.incident, "extension", case), {**data, "reason": REASON})
    assert response.status_code == 200
    (message,) = response.context["form"].errors["extended_on"]
    assert "between the referral and the original deadline" in message
    assert stored(case).extended_on == case.extended_on and nothing_corrected()


def test_a_form_loaded_before_another_correction_is_refused(clerk_for):
    case = extended()
    client = clerk_for(case.incident)
    url = correct_url(case.incident, "extension", case)
    loaded = client.get(url).context["form"]["loaded_version"].value()
    corrections.correct_extension(
        committee_case=case, extended_on=days_after(case.requested_on, 7), extension_reason="A", reason=REASON
    )
    response = client.post(url, {"loaded_version": loaded, "extended_on": "", "reason": REASON})
    assert response.status_code == 200
    assert "Someone else saved this committee case" in str(response.context["form"].non_field_errors())
    assert stored(case).extended_on == days_after(case.requested_on, 7)


def test_the_committee_cases_page_writes_neither_the_extension_nor_the_schedule(clerk_for):
    case = scheduled_and_heard()
    case.extended_on, case.extension_reason = days_after(case.requested_on, 3), EXTENSION_REASON
    CommitteeCase.objects.filter(pk=case.pk).update(extended_on=case.extended_on, extension_reason=EXTENSION_REASON)
    client = clerk_for(case.incident)
    url = reverse("admin:cases_committeecase_change", args=[case.pk])
    data = page_data(client.get(url))
    data.update(
        {
            "extended_on": iso(days_after(case.requested_on, 9)),
            "extension_reason": "바꾼 사유",
            "hearing_scheduled_on": iso(days_after(case.requested_on, 10)),
        }
    )
    client.post(url, data)
    after = stored(case)
    assert (after.extended_on, after.extension_reason, after.hearing_scheduled_on) == (
        case.extended_on,
        EXTENSION_REASON,
        case.hearing_scheduled_on,
    )
