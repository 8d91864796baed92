"""Corrections of an appeal's decision (``corrections_appeals``): its outcome, date and replacement
corrected, the replacement measure created, corrected or removed with it (its history giving the
same reason), or the decision undone; refused, with nothing saved, where the replacement has steps
of its own or what depends on the decision would break; offered beside a decided appeal on the
case page; the measure's and the appeal's own pages still write no decision."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from casetracker.cases import corrections_appeals, steps
from casetracker.cases.models import Appeal, Measure, Status
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
from tests.factories import AppealFactory, UserFactory, VictimFactory, days_after

pytestmark = pytest.mark.django_db

# The fixtures of the first corrections' tests: a clerk of the case's office, logged in; in English.
clerk_for = test_step_corrections.clerk_for
in_english = test_step_corrections.in_english

DECISION = "correct an appeal's decision"
UNDO = "correct: undo an appeal's decision"


def correct(appeal, **values):
    """Correct ``appeal``'s decision: the values recorded, but for ``values``."""
    given = {
        "outcome": appeal.outcome,
        "decided_on": appeal.decided_on,
        "replacement_number": appeal.replacement_number,
        "replacement_days": appeal.replacement_days,
        "replacement_hours": appeal.replacement_hours,
        "reason": REASON,
        **values,
    }
    return corrections_appeals.correct_appeal_decision(appeal=appeal, **given)


def replacement_of(appeal) -> Measure | None:
    return Measure.objects.filter(ordered_by_appeal=appeal).first()


def stored(appeal) -> Appeal:
    return Appeal.objects.get(pk=appeal.pk)


def incident_of(appeal):
    return appeal.measure.committee_case.incident


# The service ---------------------------------------------------------------------------------------


def test_an_upheld_decision_corrected_to_changed_orders_the_replacement():
    appeal = AppealFactory(upheld=True)
    actor = clerk_of(incident_of(appeal))
    correct(appeal, outcome=Appeal.Outcome.CHANGED, replacement_number=3, replacement_days=5, actor=actor)
    appeal = stored(appeal)
    assert (appeal.outcome, appeal.replacement_number, appeal.replacement_days) == (Appeal.Outcome.CHANGED, 3, 5)
    corrected(appeal, actor=actor, detail=DECISION)
    replacement = replacement_of(appeal)
    assert (replacement.number, replacement.days, replacement.decided_on) == (3, 5, appeal.decided_on)
    latest = Measure.history.filter(id=replacement.pk).latest()
    assert (latest.history_type, latest.history_change_reason, latest.history_user) == ("+", REASON, actor)
    assert not Measure.objects.filter(pk=appeal.measure_id).final().exists()
    assert status_of(incident_of(appeal)) == Status.DECIDED


def test_a_changed_decisions_date_and_replacement_are_corrected_together():
    appeal = AppealFactory(changed=True)
    replacement = replacement_of(appeal)
    actor = clerk_of(incident_of(appeal))
    on = days_after(appeal.decided_on, -3)
    correct(appeal, decided_on=on, replacement_number=4, replacement_hours=10, actor=actor)
    replacement.refresh_from_db()
    assert (replacement.number, replacement.hours, replacement.decided_on) == (4, 10, on)
    assert replacement_of(appeal).pk == replacement.pk  # (the same measure, corrected)
    corrected(replacement, actor=actor, detail=DECISION)
    corrected(appeal, actor=actor, detail=DECISION)


def test_a_changed_decision_corrected_to_revoked_removes_the_replacement():
    appeal = AppealFactory(changed=True)
    replacement = replacement_of(appeal)
    actor = clerk_of(incident_of(appeal))
    # The form still holds the replacement: an outcome without one drops it.
    correct(appeal, outcome=Appeal.Outcome.REVOKED, actor=actor)
    appeal = stored(appeal)
    assert (appeal.outcome, appeal.replacement_number, appeal.replacement_days) == (Appeal.Outcome.REVOKED, None, None)
    assert replacement_of(appeal) is None
    corrected(replacement, actor=actor, detail=DECISION, deleted=True)
    assert status_of(incident_of(appeal)) == Status.DECIDED  # (every measure revoked: nothing to carry out)


def test_a_revoked_decision_corrected_to_upheld_makes_the_measure_count_again():
    appeal = AppealFactory(revoked=True)
    correct(appeal, outcome=Appeal.Outcome.UPHELD)
    assert Measure.objects.filter(pk=appeal.measure_id).final().exists()


def test_a_replacement_with_steps_of_its_own_is_not_removed():
    carried = AppealFactory(changed=True)
    replacement = replacement_of(carried)
    steps.record_measure_carried_out(measure=replacement, on=days_after(replacement.decided_on, 2), actor=None)
    with pytest.raises(ValidationError) as refused:
        correct(carried, outcome=Appeal.Outcome.UPHELD)
    assert "correct its carrying out before changing this decision" in str(refused.value.error_dict["outcome"])
    # Nor is its decision moved after that carrying out.
    with pytest.raises(ValidationError) as refused:
        correct(carried, decided_on=days_after(replacement.carried_out_on, 1))
    assert "the decision cannot be later" in str(refused.value.error_dict["decided_on"])
    appealed = AppealFactory(changed=True)
    AppealFactory(measure=replacement_of(appealed))
    for outcome in (Appeal.Outcome.REVOKED, Appeal.Outcome.UPHELD):
        with pytest.raises(ValidationError, match="itself under appeal"):
            correct(appealed, outcome=outcome)
    assert stored(carried).outcome == stored(appealed).outcome == Appeal.Outcome.CHANGED
    assert replacement_of(carried) and replacement_of(appealed) and nothing_corrected()


def test_a_decision_moved_after_an_appeal_against_its_replacement_is_refused():
    appeal = AppealFactory(changed=True)
    later = AppealFactory(measure=replacement_of(appeal), filed_on=days_after(appeal.decided_on, 2))
    with pytest.raises(ValidationError, match="An appeal cannot be filed before the decision"):
        correct(appeal, decided_on=days_after(later.filed_on, 1))
    assert replacement_of(appeal).decided_on == stored(appeal).decided_on == days_after(appeal.filed_on, 30)
    assert nothing_corrected()


def test_revoking_a_measure_carried_out_before_the_decision_is_refused():
    appeal = AppealFactory(upheld=True)
    measure = appeal.measure
    steps.record_measure_carried_out(measure=measure, on=days_after(appeal.decided_on, 1), actor=None)
    with pytest.raises(ValidationError, match="changed or revoked on appeal"):
        correct(appeal, outcome=Appeal.Outcome.REVOKED)
    assert stored(appeal).outcome == Appeal.Outcome.UPHELD and nothing_corrected()


def test_a_closed_case_left_with_a_measure_to_carry_out_is_refused():
    appeal = AppealFactory(revoked=True)
    incident = incident_of(appeal)
    steps.close_case(incident=incident, on=days_after(appeal.decided_on, 1), actor=None)
    with pytest.raises(ValidationError, match="carried out"):
        correct(appeal, outcome=Appeal.Outcome.UPHELD)
    assert stored(appeal).outcome == Appeal.Outcome.REVOKED and status_of(incident) == Status.CLOSED
    assert nothing_corrected()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"decided_on": "before filing"}, "decided_on", "The decision cannot be before the filing."),
        ({"outcome": "changed"}, "replacement_number", "Give the measure the appeal changed it to."),
        ({"outcome": "changed", "replacement_number": 1}, "replacement_number", "must differ from the appealed one"),
        ({"outcome": "pending"}, "outcome", "Choose the outcome"),
    ],
)
def test_a_wrong_decision_is_refused_on_its_field(values, field, message):
    appeal = AppealFactory(upheld=True)
    if values.get("decided_on") == "before filing":
        values = {"decided_on": days_after(appeal.filed_on, -1)}
    with pytest.raises(ValidationError) as refused:
        correct(appeal, **values)
    assert message in str(refused.value.error_dict[field])
    assert stored(appeal).outcome == Appeal.Outcome.UPHELD and replacement_of(appeal) is None
    assert nothing_corrected()


def test_a_pending_appeal_is_decided_by_its_step_not_corrected():
    appeal = AppealFactory()
    with pytest.raises(ValidationError, match="record its decision by its step"):
        correct(appeal, outcome=Appeal.Outcome.UPHELD, decided_on=days_after(appeal.filed_on, 3))
    with pytest.raises(ValidationError, match="no decision to undo"):
        corrections_appeals.undo_appeal_decision(appeal=appeal, reason=REASON)
    assert stored(appeal).outcome == Appeal.Outcome.PENDING and nothing_corrected()


def test_a_reason_with_a_name_or_the_values_recorded_change_nothing():
    appeal = AppealFactory(upheld=True)
    VictimFactory(incident=incident_of(appeal), name="김민지")
    with pytest.raises(ValidationError) as refused:
        correct(appeal, outcome=Appeal.Outcome.REVOKED, reason="김민지 측 요청")
    assert set(refused.value.error_dict) == {"reason"}
    with pytest.raises(ValidationError, match="Nothing to correct"):
        correct(appeal)
    assert stored(appeal).outcome == Appeal.Outcome.UPHELD and nothing_corrected()


# Undoing a decision ------------------------------------------------------------------------------


def test_undo_a_decision_entered_by_mistake():
    appeal = AppealFactory(changed=True)
    replacement = replacement_of(appeal)
    incident = incident_of(appeal)
    actor = clerk_of(incident)
    corrections_appeals.undo_appeal_decision(appeal=appeal, reason=REASON, actor=actor)
    appeal = stored(appeal)
    assert (appeal.outcome, appeal.decided_on, appeal.replacement_number) == (Appeal.Outcome.PENDING, None, None)
    assert replacement_of(appeal) is None
    corrected(replacement, actor=actor, detail=UNDO, deleted=True)
    corrected(appeal, actor=actor, detail=UNDO)
    assert status_of(incident) == Status.UNDER_APPEAL
    # Pending again: its decision is the step's to record.
    steps.decide_appeal(
        appeal=appeal, outcome=Appeal.Outcome.UPHELD, decided_on=days_after(appeal.filed_on, 5), actor=actor
    )
    assert stored(appeal).outcome == Appeal.Outcome.UPHELD


def test_a_decision_of_a_closed_case_or_with_a_carried_out_replacement_is_not_undone():
    appeal = AppealFactory(upheld=True)
    measure = appeal.measure
    steps.record_measure_carried_out(measure=measure, on=days_after(measure.decided_on, 2), actor=None)
    steps.close_case(incident=incident_of(appeal), on=days_after(appeal.decided_on, 1), actor=None)
    with pytest.raises(ValidationError, match="reopen the case before undoing its decision"):
        corrections_appeals.undo_appeal_decision(appeal=appeal, reason=REASON)
    changed = AppealFactory(changed=True)
    replacement = replacement_of(changed)
    steps.record_measure_carried_out(measure=replacement, on=days_after(replacement.decided_on, 2), actor=None)
    with pytest.raises(ValidationError, match="correct its carrying out before changing this decision"):
        corrections_appeals.undo_appeal_decision(appeal=changed, reason=REASON)
    assert stored(appeal).outcome == Appeal.Outcome.UPHELD and stored(changed).outcome == Appeal.Outcome.CHANGED
    assert nothing_corrected()


def test_a_decision_is_not_undone_beside_a_pending_appeal_of_the_same_party():
    appeal = AppealFactory(upheld=True)
    AppealFactory(measure=appeal.measure, filed_on=days_after(appeal.decided_on, 1))
    with pytest.raises(ValidationError, match="already pending"):
        corrections_appeals.undo_appeal_decision(appeal=appeal, reason=REASON)
    assert stored(appeal).outcome == Appeal.Outcome.UPHELD and nothing_corrected()


# The case page -------------------------------------------------------------------------------------


def test_the_page_offers_both_beside_a_decided_appeal_only(clerk_for):
    pending = AppealFactory()
    incident = incident_of(pending)
    decided = AppealFactory(
        measure=pending.measure, appellant=Appeal.Appellant.VICTIM, upheld=True, filed_on=pending.filed_on
    )
    client = clerk_for(incident)
    page = client.get(case_url(incident)).content.decode()
    assert correct_url(incident, "appeal_decision", decided) in page
    assert correct_url(incident, "undo_appeal_decision", decided) in page
    assert correct_url(incident, "appeal_decision", pending) not in page
    assert correct_url(incident, "undo_appeal_decision", pending) not in page


def test_a_closed_case_offers_the_correction_but_not_the_undoing(clerk_for):
    appeal = AppealFactory(revoked=True)
    incident = incident_of(appeal)
    steps.close_case(incident=incident, on=days_after(appeal.decided_on, 1), actor=None)
    page = clerk_for(incident).get(case_url(incident)).content.decode()
    assert correct_url(incident, "appeal_decision", appeal) in page
    assert correct_url(incident, "undo_appeal_decision", appeal) not in page


def test_a_supervisor_is_offered_neither_and_is_refused(client):
    appeal = AppealFactory(upheld=True)
    incident = incident_of(appeal)
    client.force_login(UserFactory(supervisor=True, office=incident.office, is_staff=True))
    assert "/correct/" not in client.get(case_url(incident)).content.decode()
    for what in ("appeal_decision", "undo_appeal_decision"):
        assert client.post(correct_url(incident, what, appeal), {"reason": REASON}).status_code == 403
    assert stored(appeal).outcome == Appeal.Outcome.UPHELD and nothing_corrected()


def test_the_decision_is_corrected_from_its_form(clerk_for):
    appeal = AppealFactory(changed=True)
    incident = incident_of(appeal)
    client = clerk_for(incident)
    url = correct_url(incident, "appeal_decision", appeal)
    form = client.get(url).context["form"]
    assert (form["outcome"].value(), form["replacement_number"].value()) == ("changed", 2)
    data = {"outcome": "changed", "decided_on": iso(appeal.decided_on), "replacement_number": 5, "reason": REASON}
    response = posted(client, url, {**data, "replacement_days": 3})
    assert response.status_code == 302 and response.url == case_url(incident), response.context["form"].errors
    assert (replacement_of(appeal).number, replacement_of(appeal).days) == (5, 3)
    assert "saved, with its reason in the change history" in client.get(response.url).content.decode()


def test_the_decision_is_undone_from_its_form(clerk_for):
    appeal = AppealFactory(upheld=True)
    incident = incident_of(appeal)
    client = clerk_for(incident)
    response = posted(client, correct_url(incident, "undo_appeal_decision", appeal), {"reason": REASON})
    assert response.status_code == 302 and response.url == case_url(incident)
    assert stored(appeal).outcome == Appeal.Outcome.PENDING
    corrected(appeal, actor=client.clerk, detail=UNDO)


def test_a_refused_decision_is_an_error_on_its_field_and_saves_nothing(clerk_for):
    appeal = AppealFactory(changed=True)
    AppealFactory(measure=replacement_of(appeal))
    incident = incident_of(appeal)
    client = clerk_for(incident)
    url = correct_url(incident, "appeal_decision", appeal)
    early = {"outcome": "changed", "decided_on": iso(days_after(appeal.filed_on, -1)), "replacement_number": 2}
    response = posted(client, url, {**early, "reason": REASON})
    assert response.context["form"].errors["decided_on"] == ["The decision cannot be before the filing."]
    response = posted(client, url, {"outcome": "upheld", "decided_on": iso(appeal.decided_on), "reason": REASON})
    (message,) = response.context["form"].errors["outcome"]
    assert "itself under appeal" in message
    assert stored(appeal).outcome == Appeal.Outcome.CHANGED and replacement_of(appeal) and nothing_corrected()


def test_a_form_loaded_before_another_correction_is_refused(clerk_for):
    appeal = AppealFactory(upheld=True)
    incident = incident_of(appeal)
    client = clerk_for(incident)
    url = correct_url(incident, "appeal_decision", appeal)
    loaded = client.get(url).context["form"]["loaded_version"].value()
    correct(appeal, decided_on=days_after(appeal.decided_on, -1), actor=client.clerk)
    data = {"outcome": "revoked", "decided_on": iso(appeal.decided_on), "reason": REASON}
    response = client.post(url, {"loaded_version": loaded, **data})
    assert response.status_code == 200
    assert "Someone else saved this appeal" in str(response.context["form"].non_field_errors())
    assert stored(appeal).outcome == Appeal.Outcome.UPHELD


def test_the_measures_and_the_appeals_pages_write_no_decision(clerk_for):
    appeal = AppealFactory(upheld=True)
    measure = appeal.measure
    client = clerk_for(incident_of(appeal))
    changes = {"outcome": "revoked", "decided_on": iso(days_after(appeal.decided_on, -1)), "replacement_number": 3}
    url = reverse("admin:cases_measure_change", args=[measure.pk])
    data = page_data(client.get(url))
    data.update({f"appeals-0-{name}": value for name, value in changes.items()})
    client.post(url, data)
    url = reverse("admin:cases_appeal_change", args=[appeal.pk])
    data = page_data(client.get(url))
    client.post(url, {**data, **changes})
    after = stored(appeal)
    assert (after.outcome, after.decided_on, after.replacement_number) == (
        Appeal.Outcome.UPHELD,
        appeal.decided_on,
        None,
    )
    assert replacement_of(appeal) is None
