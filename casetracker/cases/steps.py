"""The workflow's steps: refer, schedule, extend, hear and decide, carry out, appeal, close.

Each step sets what it records and saves it through ``services.save_record``: whether the step
may happen now (the case referred and not yet heard, the measure still counting, no appeal
pending...) is a rule of the models, which the admin's forms and the importer run alike. A step
only refuses, itself, being taken twice (a hearing, an appeal's decision or a closing already
recorded): that is a correction of the date, not a second step.

``actor`` is the user taking the step (the admin's step forms pass the clerk; a command, None):
what the step points at must be in their scope (``services.check_choices``), django-simple-history
names them in the change history, and the step is on the access log (``log_step``), in the same
transaction. These are the only writers of the fields that drive a case's status (the referral,
extension, hearing, decision, carrying out, appeal and closing dates): the admin's inlines show
those fields read-only.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords

from casetracker.audit.models import AccessLog
from casetracker.audit.services import log_access
from casetracker.core.formatting import format_date
from casetracker.core.models import Committee

from .models import Appeal, CommitteeCase, Incident, Measure, Offender
from .services import save_record
from .status import Status, status_of

STEP_MARK = "step: "


def log_step(*, actor, incident: Incident, step: str) -> None:
    """The step on the access log: who took which step on which case (the change history has the rest)."""
    request = getattr(HistoricalRecords.context, "request", None)
    log_access(action=AccessLog.Action.CHANGE, request=request, user=actor, target=incident, detail=STEP_MARK + step)


def _lock_case(incident: Incident) -> None:
    """Hold the incident's row to the end of the transaction: two steps on one case run one after the other."""
    list(Incident.objects.select_for_update().filter(pk=incident.pk).values_list("pk"))


@transaction.atomic
def refer_to_committee(*, incident: Incident, committee: Committee, on: datetime.date, actor=None) -> CommitteeCase:
    """Refer the incident to a committee (school violence, or teacher rights): the hearing is due in 21 days."""
    _lock_case(incident)
    incident.refresh_from_db()
    committee_case = CommitteeCase(incident=incident, committee=committee, requested_on=on)
    save_record(record=committee_case, actor=actor)
    log_step(actor=actor, incident=incident, step="refer to committee")
    return committee_case


def _loaded(committee_case: CommitteeCase) -> CommitteeCase:
    _lock_case(committee_case.incident)
    committee_case.refresh_from_db()
    return committee_case


@transaction.atomic
def extend_hearing_deadline(
    *, committee_case: CommitteeCase, on: datetime.date, reason: str, actor=None
) -> CommitteeCase:
    """Extend the hearing deadline by 7 days; the law allows this once."""
    committee_case = _loaded(committee_case)
    committee_case.extended_on = on
    committee_case.extension_reason = reason
    save_record(record=committee_case, actor=actor)
    log_step(actor=actor, incident=committee_case.incident, step="extend the hearing deadline")
    return committee_case


@transaction.atomic
def schedule_hearing(*, committee_case: CommitteeCase, on: datetime.date, actor=None) -> CommitteeCase:
    """Set (or move) the date of the hearing."""
    committee_case = _loaded(committee_case)
    committee_case.hearing_scheduled_on = on
    save_record(record=committee_case, actor=actor)
    log_step(actor=actor, incident=committee_case.incident, step="schedule the hearing")
    return committee_case


@dataclass(frozen=True)
class MeasureDecision:
    """One measure the committee imposed on one offender (the number under the committee's law)."""

    offender: Offender
    number: int
    days: int | None = None
    hours: int | None = None


class DecisionRefused(ValidationError):
    """One of the measures decided was refused by its rules: ``position`` says which (in the order given)."""

    def __init__(self, position: int, error: ValidationError):
        super().__init__(error.error_dict if hasattr(error, "error_dict") else error.error_list)
        self.position = position


@transaction.atomic
def record_hearing_and_decision(
    *,
    committee_case: CommitteeCase,
    hearing_date: datetime.date,
    measures: Sequence[MeasureDecision],
    decided_on: datetime.date | None = None,
    notified_on: datetime.date | None = None,
    actor=None,
) -> list[Measure]:
    """Record the hearing and the measures decided (none, if the committee imposed none).

    The decision is dated the day of the hearing unless ``decided_on`` says otherwise.
    """
    committee_case = _loaded(committee_case)
    if committee_case.hearing_date is not None:
        message = _("The hearing of this committee case is already recorded (%(date)s).")
        raise ValidationError(message % {"date": format_date(committee_case.hearing_date)}, code="not_allowed")
    committee_case.hearing_date = hearing_date
    save_record(record=committee_case, actor=actor)
    measures = _save_decisions(committee_case, measures, decided_on or hearing_date, notified_on, actor=actor)
    log_step(actor=actor, incident=committee_case.incident, step=f"record the hearing, {len(measures)} measure(s)")
    return measures


def _save_decisions(
    committee_case: CommitteeCase,
    decisions: Sequence[MeasureDecision],
    decided_on: datetime.date,
    notified_on: datetime.date | None,
    *,
    actor,
) -> list[Measure]:
    saved = []
    for position, decision in enumerate(decisions):
        measure = Measure(
            committee_case=committee_case,
            offender=decision.offender,
            number=decision.number,
            days=decision.days,
            hours=decision.hours,
            decided_on=decided_on,
            notified_on=notified_on,
        )
        try:
            saved.append(save_record(record=measure, actor=actor))
        except ValidationError as error:
            raise DecisionRefused(position, error) from None
    return saved


@transaction.atomic
def decide_measures(
    *,
    committee_case: CommitteeCase,
    measures: Sequence[MeasureDecision],
    decided_on: datetime.date | None = None,
    notified_on: datetime.date | None = None,
    actor=None,
) -> list[Measure]:
    """Record measures decided after the hearing was recorded (a measure left out, a later sitting).

    The decision is dated the day of the hearing unless ``decided_on`` says otherwise.
    """
    committee_case = _loaded(committee_case)
    if committee_case.hearing_date is None:
        raise ValidationError(_("Record the hearing first: measures are decided at a hearing."), code="not_allowed")
    if not measures:
        raise ValidationError(_("Enter at least one measure decided."), code="required")
    decided_on = decided_on or committee_case.hearing_date
    saved = _save_decisions(committee_case, measures, decided_on, notified_on, actor=actor)
    log_step(actor=actor, incident=committee_case.incident, step=f"decide {len(saved)} measure(s)")
    return saved


@transaction.atomic
def record_measure_carried_out(*, measure: Measure, on: datetime.date, actor=None) -> Measure:
    """Record that the school carried the measure out (due within 14 days of the decision).

    Allowed for each measure decided and still to carry out: one that an appeal changed or
    revoked is not, and its replacement is.
    """
    incident = measure.committee_case.incident
    _lock_case(incident)
    measure.refresh_from_db()
    measure.carried_out_on = on
    save_record(record=measure, actor=actor)
    log_step(actor=actor, incident=incident, step="record a measure carried out")
    return measure


@transaction.atomic
def file_appeal(
    *,
    measure: Measure,
    appellant: str,
    filed_on: datetime.date,
    kind: str = Appeal.Kind.ADMINISTRATIVE_APPEAL,
    actor=None,
) -> Appeal:
    """An offender or a victim (or their guardians) appeals against a measure."""
    incident = measure.committee_case.incident
    _lock_case(incident)
    appeal = Appeal(measure=measure, appellant=appellant, kind=kind, filed_on=filed_on)
    save_record(record=appeal, actor=actor)
    log_step(actor=actor, incident=incident, step="file an appeal")
    return appeal


@transaction.atomic
def decide_appeal(
    *,
    appeal: Appeal,
    outcome: str,
    decided_on: datetime.date,
    replacement_number: int | None = None,
    replacement_days: int | None = None,
    replacement_hours: int | None = None,
    actor=None,
) -> Appeal:
    """Record the appeal's decision; a changed measure is replaced, a revoked one no longer counts."""
    incident = appeal.measure.committee_case.incident
    _lock_case(incident)
    appeal.refresh_from_db()
    if appeal.outcome != Appeal.Outcome.PENDING:
        raise ValidationError(
            _("This appeal was already decided (%(outcome)s).") % {"outcome": appeal.get_outcome_display()},
            code="not_allowed",
        )
    if outcome == Appeal.Outcome.PENDING:
        raise ValidationError({"outcome": _("Choose the outcome: upheld, changed or revoked.")})
    appeal.outcome = outcome
    appeal.decided_on = decided_on
    appeal.replacement_number = replacement_number
    appeal.replacement_days = replacement_days
    appeal.replacement_hours = replacement_hours
    save_record(record=appeal, actor=actor)
    log_step(actor=actor, incident=incident, step="decide an appeal")
    return appeal


@transaction.atomic
def close_case(*, incident: Incident, on: datetime.date, reason: str = "", actor=None) -> Incident:
    """Close the case.

    Without a hearing (never referred, or referred and not heard) the reason is required,
    and every committee case still open closes with it. After a hearing the case closes once
    its measures are carried out and no appeal is pending, and needs no reason (the models'
    rules of closing, ``rules.incident_closure``).
    """
    _lock_case(incident)
    incident.refresh_from_db()
    if status_of(incident) == Status.CLOSED:
        raise ValidationError(_("This case is already closed."), code="not_allowed")
    open_cases = list(incident.committee_cases.filter(hearing_date__isnull=True, closed_on__isnull=True))
    for committee_case in open_cases:
        committee_case.closed_on = on
        committee_case.closure_reason = reason
        save_record(record=committee_case, actor=actor)
    heard = incident.committee_cases.filter(hearing_date__isnull=False).exists()
    incident.closed_on = on
    # After a hearing, a reason is that of the committee cases still open, never the incident's.
    incident.closure_reason = "" if heard and open_cases else reason
    save_record(record=incident, actor=actor)
    log_step(actor=actor, incident=incident, step="close the case")
    return incident
