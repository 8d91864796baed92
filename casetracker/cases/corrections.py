"""Corrections of a recorded step: a wrong referral, hearing date, extension of the hearing deadline,
scheduled hearing date, measure, carrying out, an appeal entered by mistake, a closing to undo (and
an appeal's decision, ``corrections_appeals``).

A step is taken once (``steps``); what it recorded wrongly is corrected here, never through the
pages' inlines, where those fields stay read-only. A correction gives the new values and a reason,
and is saved as the steps save: through ``services.save_record`` (every rule of the models, the
scope of the actor, the database's constraints and the derived-status triggers), under the case's
lock, with the reason as the change history's reason and a "correct ..." entry on the access log,
in one transaction. A correction that would break a rule is refused with that rule's message and
saves nothing; so is one that would leave a record depending on it wrong (an appeal filed before
a decision date moved later, a victim's notice before it, a closed case with a measure left to
carry out): those are checked again before the transaction ends.

The reason is free text read by admins in the history: like every free text of a case, it may hold
no name of the case's people and no direct identifier (``identifiers``), and it fits the history's
reason (100 characters). Each takes the version of the record its form was loaded at
(``expected_version``): a record changed meanwhile is refused, never silently overwritten.

The only rules that give way are those that make a step "taken once" (a carrying out or an
extension recorded again on another day, a hearing held scheduled again: ``rules.correcting``): a
correction is not a second step.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from casetracker.core.models import Committee

from . import free_text, no_delete, rules
from .identifiers import find_identifiers
from .models import Appeal, CommitteeCase, Incident, Measure, Offender, VictimNotice
from .services import check_version, delete_record, save_record
from .steps import _lock_case, log_step

REASON_MAX_LENGTH = 100  # (the change history's reason, ``history_change_reason``)


def check_reason(*, incident: Incident, reason: str) -> str:
    """The reason of a correction, stripped: given, short enough, and with no name of the case's
    people nor a direct identifier in it (refused by field ``reason``, the kinds found named)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the correction.")}, code="required")
    if len(reason) > REASON_MAX_LENGTH:
        message = _("Keep the reason within %(count)d characters.") % {"count": REASON_MAX_LENGTH}
        raise ValidationError({"reason": message}, code="max_length")
    people = free_text.people_of([incident.pk])[incident.pk]
    found = find_identifiers(reason, people=people)
    if found:
        kinds = dict.fromkeys(str(item.label) for item in found)
        raise ValidationError({"reason": free_text.found_message(kinds)}, code="identifier")
    return reason


def _begin(incident: Incident, reason: str) -> str:
    _lock_case(incident)
    return check_reason(incident=incident, reason=reason)


def _audited(record, *, reason: str, actor) -> None:
    """The history row of ``record``'s next save or delete gives the reason (and the actor, outside a request too)."""
    record._change_reason = reason
    if getattr(actor, "pk", None):
        record._history_user = actor


def _changed(record, values: dict) -> bool:
    """Set ``values`` on ``record``; False if all were already those recorded."""
    changed = False
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed = True
    return changed


def _nothing_to_correct() -> ValidationError:
    return ValidationError(_("Nothing to correct: these are the values already recorded."), code="unchanged")


def _save(record, *, reason: str, actor, expected_version: int | None = None) -> None:
    _audited(record, reason=reason, actor=actor)
    with rules.correcting():
        save_record(record=record, actor=actor, expected_version=expected_version)


def _still_valid(records) -> None:
    """The records depending on the corrected one still keep their rules (raises the first refusal)."""
    for record in records:
        record.full_clean()


def _notices_of(committee_case: CommitteeCase):
    return VictimNotice.objects.filter(committee_case=committee_case).select_related("committee_case", "victim")


def _loaded_case(committee_case: CommitteeCase, reason: str) -> tuple[CommitteeCase, str]:
    reason = _begin(committee_case.incident, reason)
    committee_case.refresh_from_db()
    return committee_case, reason


@transaction.atomic
def correct_referral(
    *,
    committee_case: CommitteeCase,
    committee: Committee,
    requested_on: datetime.date,
    reason: str,
    actor=None,
    expected_version: int | None = None,
) -> CommitteeCase:
    """Correct the committee a case was referred to, or the day of the referral."""
    committee_case, reason = _loaded_case(committee_case, reason)
    if not _changed(committee_case, {"committee": committee, "requested_on": requested_on}):
        raise _nothing_to_correct()
    _save(committee_case, reason=reason, actor=actor, expected_version=expected_version)
    log_step(actor=actor, incident=committee_case.incident, step="correct the referral")
    return committee_case


@transaction.atomic
def correct_hearing_date(
    *,
    committee_case: CommitteeCase,
    hearing_date: datetime.date,
    reason: str,
    actor=None,
    expected_version: int | None = None,
) -> CommitteeCase:
    """Correct the date of a hearing recorded (its measures must stay on or after it)."""
    committee_case, reason = _loaded_case(committee_case, reason)
    if committee_case.hearing_date is None:
        raise ValidationError(_("No hearing is recorded on this committee case: record it by its step."))
    if not _changed(committee_case, {"hearing_date": hearing_date}):
        raise _nothing_to_correct()
    _save(committee_case, reason=reason, actor=actor, expected_version=expected_version)
    _still_valid(_notices_of(committee_case))
    log_step(actor=actor, incident=committee_case.incident, step="correct the hearing date")
    return committee_case


@transaction.atomic
def correct_extension(
    *,
    committee_case: CommitteeCase,
    extended_on: datetime.date | None,
    extension_reason: str,
    reason: str,
    actor=None,
    expected_version: int | None = None,
) -> CommitteeCase:
    """Correct the day the hearing deadline was extended or the reason given for it, or remove an
    extension recorded by mistake (``extended_on`` None): the deadline is then 21 days again, and a
    case still waiting for its hearing may be extended by its step.

    The law allows one extension: this corrects the one recorded and is not a second
    (``rules.correcting``), heard or not; where none is recorded it is the step's to take. The
    extension stays within the original deadline, and its reason is free text of the case."""
    committee_case, reason = _loaded_case(committee_case, reason)
    if committee_case.extended_on is None:
        raise ValidationError(
            _("No extension of the hearing deadline is recorded on this committee case: extend it by its step."),
            code="not_allowed",
        )
    extension_reason = (extension_reason or "").strip() if extended_on else ""
    if not _changed(committee_case, {"extended_on": extended_on, "extension_reason": extension_reason}):
        raise _nothing_to_correct()
    _save(committee_case, reason=reason, actor=actor, expected_version=expected_version)
    log_step(actor=actor, incident=committee_case.incident, step="correct the hearing deadline's extension")
    return committee_case


@transaction.atomic
def correct_hearing_schedule(
    *,
    committee_case: CommitteeCase,
    scheduled_on: datetime.date | None,
    reason: str,
    actor=None,
    expected_version: int | None = None,
) -> CommitteeCase:
    """Correct the day a hearing had been scheduled for, once the hearing is recorded (or the case
    closed without one), or clear it (None) if it was recorded on the wrong case.

    Until then the schedule step moves it as often as the committee does, and needs no reason. Once
    the hearing is held the step is closed (``rules.committee_case_against_recorded_steps``): a
    hearing held is not scheduled again. But the day it had been set for stays in the record (the
    case's timeline and summary show it), so a day typed wrong is corrected here, with its reason.
    It may differ from the hearing's own day, since a hearing brought forward or put off is recorded
    on the day it was held: no rule ties the two, and the schedule stays on or after the referral.
    A schedule never recorded is not added afterwards: the hearing's day is the record's fact."""
    committee_case, reason = _loaded_case(committee_case, reason)
    if committee_case.hearing_date is None and committee_case.closed_on is None:
        raise ValidationError(
            _("The hearing is not held yet: move its date by the step 'Schedule the hearing'."), code="not_allowed"
        )
    if committee_case.hearing_scheduled_on is None:
        raise ValidationError(_("No hearing date was scheduled on this committee case: there is none to correct."))
    if not _changed(committee_case, {"hearing_scheduled_on": scheduled_on}):
        raise _nothing_to_correct()
    _save(committee_case, reason=reason, actor=actor, expected_version=expected_version)
    log_step(actor=actor, incident=committee_case.incident, step="correct the scheduled hearing date")
    return committee_case


def _loaded_measure(measure: Measure, reason: str) -> tuple[Measure, str]:
    reason = _begin(measure.committee_case.incident, reason)
    measure.refresh_from_db()
    return measure, reason


@transaction.atomic
def correct_measure(
    *,
    measure: Measure,
    offender: Offender,
    number: int,
    decided_on: datetime.date,
    days: int | None,
    hours: int | None,
    reason: str,
    actor=None,
    expected_version: int | None = None,
) -> Measure:
    """Correct a measure as decided: its offender, number, decision date, days or hours.

    A measure ordered by an appeal follows that appeal's decision, and is not corrected here; the
    offender of a measure already appealed is not changed (the appeals were the offender's)."""
    measure, reason = _loaded_measure(measure, reason)
    if measure.ordered_by_appeal_id:
        raise ValidationError(
            _("This measure was ordered by an appeal's decision and follows it: it is not corrected on its own."),
            code="not_allowed",
        )
    if offender.pk != measure.offender_id and measure.appeals.exists():
        raise ValidationError(
            {"offender": _("Appeals are recorded against this measure: withdraw them before changing its offender.")}
        )
    values = {"offender": offender, "number": number, "decided_on": decided_on, "days": days, "hours": hours}
    if not _changed(measure, values):
        raise _nothing_to_correct()
    _save(measure, reason=reason, actor=actor, expected_version=expected_version)
    appeals = list(measure.appeals.select_related("measure__committee_case__incident"))
    _still_valid([*appeals, *_notices_of(measure.committee_case)])
    log_step(actor=actor, incident=measure.committee_case.incident, step="correct a measure")
    return measure


@transaction.atomic
def correct_carried_out(
    *, measure: Measure, on: datetime.date | None, reason: str, actor=None, expected_version: int | None = None
) -> Measure:
    """Correct the day a measure was carried out, set it if it was left out, or clear it (None) if it
    was recorded by mistake."""
    measure, reason = _loaded_measure(measure, reason)
    if not _changed(measure, {"carried_out_on": on}):
        raise _nothing_to_correct()
    _save(measure, reason=reason, actor=actor, expected_version=expected_version)
    log_step(actor=actor, incident=measure.committee_case.incident, step="correct a carrying out")
    return measure


def check_replacement_removable(replacement: Measure, *, carried_out: str, field: str | None = None) -> None:
    """A measure an appeal ordered goes with its decision only if it has no steps of its own: not
    carried out (refused with ``carried_out``), not itself appealed (on ``field``, if given)."""
    if replacement.carried_out_on is not None:
        message = carried_out
    elif replacement.appeals.exists():
        message = _("The measure this appeal ordered is itself under appeal: remove or decide that appeal first.")
    else:
        return
    raise ValidationError({field: message} if field else message, code="not_allowed")


@transaction.atomic
def withdraw_appeal(*, appeal: Appeal, reason: str, actor=None, expected_version: int | None = None) -> None:
    """Remove an appeal entered by mistake; its change history keeps it, with the reason.

    A pending appeal goes alone. A decided one goes with what its decision ordered: the measure it
    revoked counts again, and the replacement of a measure it changed is removed too, unless that
    replacement has steps of its own (carried out, appealed), which are corrected first. Whatever
    counts again must still keep its rules (a closed case with nothing left to carry out).
    """
    incident = appeal.measure.committee_case.incident
    reason = _begin(incident, reason)
    appeal = Appeal.objects.select_related("measure").get(pk=appeal.pk)  # (the caller's copy keeps its id)
    if expected_version is not None:
        check_version(record=appeal, expected_version=expected_version)
    replacement = Measure.objects.filter(ordered_by_appeal=appeal).first()
    if replacement is not None:
        check_replacement_removable(
            replacement,
            carried_out=_(
                "The measure this appeal ordered is recorded as carried out: correct its carrying out "
                "before removing the appeal."
            ),
        )
    measure = appeal.measure
    # The one delete of these records the database lets through (``no_delete``), for this appeal only.
    with no_delete.withdrawing(appeal):
        if replacement is not None:
            _audited(replacement, reason=reason, actor=actor)
            delete_record(record=replacement)
        _audited(appeal, reason=reason, actor=actor)
        delete_record(record=appeal)
    measure.refresh_from_db()
    incident.refresh_from_db()
    _still_valid([measure, incident])
    log_step(actor=actor, incident=incident, step="correct: remove an appeal entered by mistake")


@transaction.atomic
def reopen_case(*, incident: Incident, reason: str, actor=None, expected_version: int | None = None) -> Incident:
    """Undo a closing: the case is open again, and so are the committee cases that its closing
    closed without a hearing (those closed on its day). The status follows from the records."""
    reason = _begin(incident, reason)
    incident.refresh_from_db()
    if incident.closed_on is None:
        raise ValidationError(_("This case was not closed by its closing step: there is no closing to undo."))
    closed_with_it = list(
        incident.committee_cases.filter(hearing_date__isnull=True, closed_on=incident.closed_on).select_related(
            "committee"
        )
    )
    incident.closed_on, incident.closure_reason = None, ""
    _save(incident, reason=reason, actor=actor, expected_version=expected_version)
    for committee_case in closed_with_it:
        committee_case.incident = incident
        committee_case.closed_on, committee_case.closure_reason = None, ""
        _save(committee_case, reason=reason, actor=actor)
    log_step(actor=actor, incident=incident, step="correct: reopen the case")
    return incident
