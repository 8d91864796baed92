"""Corrections of an appeal's decision: its outcome, date and replacement measure entered wrong, or
a decision entered by mistake undone (the appeal pending again). The rest of the corrections, and
how each is saved (reason, case lock, version, change history, access log), are in ``corrections``.

A decision orders what follows from it: the appealed measure counts or not, and a "changed"
decision has its replacement measure (``services.save_appeal`` creates, updates or removes it with
the outcome, its change history naming the same reason). A replacement is removed only if it has
no steps of its own (carried out, appealed), as when the appeal itself is removed; one kept and
corrected must still keep its rules and those of its appeals. Whatever depends on the decision is
checked again before the transaction ends: the appealed measure's carrying out and other appeals,
and a closed case (no appeal pending, nothing left to carry out).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from casetracker.core.formatting import format_date

from .corrections import _begin, _changed, _nothing_to_correct, _save, _still_valid, check_replacement_removable
from .models import Appeal, Measure
from .steps import log_step


def _loaded_appeal(appeal: Appeal, reason: str) -> tuple[Appeal, str]:
    reason = _begin(appeal.measure.committee_case.incident, reason)
    appeal = Appeal.objects.select_related("measure__committee_case__incident", "measure__offender").get(pk=appeal.pk)
    return appeal, reason


def _redecide(appeal: Appeal, values: dict, *, reason: str, actor, expected_version: int | None, step: str) -> None:
    """Save ``appeal`` with its decision's ``values``, its replacement following, and check again
    what depends on the decision (raises the first refusal; the caller's transaction rolls back)."""
    replacement = Measure.objects.filter(ordered_by_appeal=appeal).first()
    if replacement is not None and values["outcome"] != Appeal.Outcome.CHANGED:
        check_replacement_removable(
            replacement,
            field="outcome",
            carried_out=_(
                "The measure this appeal ordered is recorded as carried out: correct its carrying out "
                "before changing this decision."
            ),
        )
    if (
        replacement is not None
        and replacement.carried_out_on
        and values["decided_on"]
        and values["decided_on"] > replacement.carried_out_on
    ):
        message = _("The measure this appeal ordered was carried out on %(date)s: the decision cannot be later.")
        raise ValidationError({"decided_on": message % {"date": format_date(replacement.carried_out_on)}})
    if not _changed(appeal, values):
        raise _nothing_to_correct()
    measure = appeal.measure
    _save(appeal, reason=reason, actor=actor, expected_version=expected_version)
    incident = measure.committee_case.incident
    measure.refresh_from_db()
    incident.refresh_from_db()
    measure.committee_case.incident = incident
    dependents = [measure, *measure.appeals.exclude(pk=appeal.pk).select_related("measure__committee_case__incident")]
    replacement = Measure.objects.filter(ordered_by_appeal=appeal).first()
    if replacement is not None:
        dependents.extend(replacement.appeals.select_related("measure__committee_case__incident"))
    _still_valid([*dependents, incident])
    log_step(actor=actor, incident=incident, step=step)


@transaction.atomic
def correct_appeal_decision(
    *,
    appeal: Appeal,
    outcome: str,
    decided_on: datetime.date,
    replacement_number: int | None = None,
    replacement_days: int | None = None,
    replacement_hours: int | None = None,
    reason: str,
    actor=None,
    expected_version: int | None = None,
) -> Appeal:
    """Correct a recorded decision of an appeal: its outcome, its date, and the measure it changed
    the appealed one into (number, days, hours), which follows: created when the outcome becomes
    "changed", corrected with it, removed when it no longer is. An outcome other than "changed" has
    no replacement, so what the form still holds of one is dropped."""
    appeal, reason = _loaded_appeal(appeal, reason)
    if appeal.outcome == Appeal.Outcome.PENDING:
        raise ValidationError(_("This appeal is not decided yet: record its decision by its step."), code="not_allowed")
    if outcome == Appeal.Outcome.PENDING:
        raise ValidationError({"outcome": _("Choose the outcome: upheld, changed or revoked.")})
    changed = outcome == Appeal.Outcome.CHANGED
    values = {
        "outcome": outcome,
        "decided_on": decided_on,
        "replacement_number": replacement_number if changed else None,
        "replacement_days": replacement_days if changed else None,
        "replacement_hours": replacement_hours if changed else None,
    }
    step = "correct an appeal's decision"
    _redecide(appeal, values, reason=reason, actor=actor, expected_version=expected_version, step=step)
    return appeal


@transaction.atomic
def undo_appeal_decision(*, appeal: Appeal, reason: str, actor=None, expected_version: int | None = None) -> Appeal:
    """Undo a decision entered by mistake: the appeal is pending again, its replacement measure (if
    the decision changed the measure) removed, and the appealed measure counts again.

    A closed case has no appeal pending that was filed by its closing (``rules.appeal_in_closed_incident``):
    such a decision is undone once the case is reopened."""
    appeal, reason = _loaded_appeal(appeal, reason)
    if appeal.outcome == Appeal.Outcome.PENDING:
        raise ValidationError(_("This appeal is not decided: there is no decision to undo."), code="not_allowed")
    incident = appeal.measure.committee_case.incident
    if incident.closed_on and appeal.filed_on <= incident.closed_on:
        message = _(
            "The case was closed on %(date)s with this appeal decided: reopen the case before undoing its decision."
        )
        raise ValidationError(message % {"date": format_date(incident.closed_on)}, code="not_allowed")
    values = dict.fromkeys(("decided_on", "replacement_number", "replacement_days", "replacement_hours"))
    values["outcome"] = Appeal.Outcome.PENDING
    _redecide(
        appeal,
        values,
        reason=reason,
        actor=actor,
        expected_version=expected_version,
        step="correct: undo an appeal's decision",
    )
    return appeal
