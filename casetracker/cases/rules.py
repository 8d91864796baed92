"""The rules that span records: a row checked against its incident, its committee, its measures,
its appeals, or the other rows of its case.

The models' ``clean()`` methods call these, in their place among the checks of one row, so that
every path runs them: the admin's forms and inlines, the importer and the case services all
validate with ``full_clean()``. What one table can hold stays in the models' ``Meta.constraints``
as well; what no single row can tell is here, with its message on the field the user typed.

Each check adds its messages to ``errors`` (field name to message), as ``clean()`` collects them;
one that stops at its first message says so. The models are read through the package at call
time: this module is imported while the models' modules load.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casetracker.cases import models as case_models
from casetracker.core.formatting import format_date
from casetracker.core.models import SchoolLevel

from .law import EXPULSION_BY_LAW, MEASURES_BY_LAW, Law

# A step is taken once: a second carrying out or extension on another day is refused, since it is a
# correction of the first, not a step; and a hearing held is not scheduled again. ``corrections`` (the
# one writer of a correction, with its reason on the history) sets this while it saves, and only those
# "taken once" checks give way; every other rule holds.
_correcting: ContextVar[bool] = ContextVar("step_correction", default=False)


@contextmanager
def correcting() -> Iterator[None]:
    token = _correcting.set(True)
    try:
        yield
    finally:
        _correcting.reset(token)


# Measures and the offender they are imposed on -----------------------------------------------
def validate_measure_for_offender(law: str, number: int, offender, *, field: str) -> None:
    """The rules a measure must keep for the law and the offender it is imposed on (raises)."""
    choices = MEASURES_BY_LAW[Law(law)]
    if number not in choices.values:
        message = _("%(law)s has no measure %(number)s.") % {"law": Law(law).label, "number": number}
        raise ValidationError({field: message})
    if offender.kind != case_models.Offender.Kind.STUDENT:
        raise ValidationError({field: _("Measures can only be imposed on an identified student.")})
    if number == EXPULSION_BY_LAW[Law(law)] and offender.school_level != SchoolLevel.HIGH:
        raise ValidationError(
            {
                field: _("Expulsion can only be imposed on high-school students (this student is at a %(level)s).")
                % {"level": SchoolLevel(offender.school_level).label}
            }
        )


# Incidents ------------------------------------------------------------------------------------
def incident_school(incident, errors: dict) -> None:
    if incident.school_id and incident.office_id and incident.school.office_id != incident.office_id:
        errors["school"] = _("This school belongs to another office of education.")


def incident_closure(incident, errors: dict) -> None:
    """A closed case has a date, no committee case still open, no appeal pending and no measure
    left to carry out (of those filed or decided by its closing), and a reason exactly when no
    committee heard it."""
    if incident.closure_reason and not incident.closed_on:
        errors["closed_on"] = _("Give the date the case was closed.")
    if not incident.closed_on:
        return
    if incident.report_date and incident.closed_on < incident.report_date:
        errors["closed_on"] = _("The case cannot be closed before the report.")
    elif incident.pk is not None and incident.committee_cases.filter(hearing_date=None, closed_on=None).exists():
        errors["closed_on"] = _(
            "A committee case of this incident is still open: record its hearing, or close it without one "
            "(its date and reason), before closing the case."
        )
    elif (
        incident.pk is not None
        and case_models.Appeal.objects.filter(
            measure__committee_case__incident_id=incident.pk,
            outcome=case_models.Appeal.Outcome.PENDING,
            filed_on__lte=incident.closed_on,
        ).exists()
    ):
        errors["closed_on"] = _("An appeal is pending: decide it before closing the case.")
    elif (
        incident.pk is not None
        and case_models.Measure.objects.filter(
            committee_case__incident_id=incident.pk, carried_out_on__isnull=True, decided_on__lte=incident.closed_on
        )
        .final()
        .exists()
    ):
        errors["closed_on"] = _("Record that the measures were carried out before closing the case.")
    heard = incident.pk is not None and incident.committee_cases.filter(hearing_date__isnull=False).exists()
    if heard and incident.closure_reason:
        errors["closure_reason"] = _("This case had a hearing: leave the reason for closing without a hearing empty.")
    elif not heard and not incident.closure_reason:
        errors["closure_reason"] = _("Give the reason for closing the case without a hearing.")


# People ---------------------------------------------------------------------------------------
def victim_against_recorded(victim, errors: dict) -> None:
    """What is already recorded about this victim must stay true."""
    if victim.pk is None:
        return
    if victim.incident_id and victim.relations.exclude(offender__incident_id=victim.incident_id).exists():
        errors["incident"] = _("This victim's relations are recorded in their case: they cannot move.")
    if victim.kind != case_models.Victim.Kind.STUDENT and victim.protection_measures.exists():
        errors["kind"] = _("This victim has Art. 16 protection measures, which are for students.")


def offender_against_recorded_measures(offender, errors: dict) -> None:
    """What the measures and relations already recorded on this offender rely on."""
    if offender.pk is None:
        return
    measures = case_models.Measure.objects.filter(offender_id=offender.pk)
    if offender.incident_id and (
        measures.exclude(committee_case__incident_id=offender.incident_id).exists()
        or offender.relations.exclude(victim__incident_id=offender.incident_id).exists()
    ):
        errors.setdefault(
            "incident", _("This offender's measures and relations are recorded in their case: they cannot move.")
        )
    if "kind" not in errors and offender.kind != case_models.Offender.Kind.STUDENT and measures.exists():
        errors["kind"] = _("Measures are recorded on this offender, which only an identified student can receive.")
    expulsions = Q()
    for law, number in EXPULSION_BY_LAW.items():
        expulsions |= Q(law=law, number=number)
    if (
        "school_level" not in errors
        and offender.school_level != SchoolLevel.HIGH
        and measures.filter(expulsions).exists()
    ):
        errors["school_level"] = _("This offender was expelled, which only a high-school student can be.")


def relation_in_one_case(relation, errors: dict) -> None:
    if relation.offender_id and relation.victim_id and relation.offender.incident_id != relation.victim.incident_id:
        errors["victim"] = _("The victim must belong to the same case as the offender.")


def protection_measure_for_student(measure) -> None:
    """Art. 16 protection is for a student victim, from the report on (raises at the first message)."""
    victim = getattr(measure, "victim", None)
    if victim is not None and victim.kind != case_models.Victim.Kind.STUDENT:
        raise ValidationError(_("Art. 16 protection measures are for student victims."))
    if (
        victim is not None
        and victim.incident_id
        and measure.ordered_on
        and measure.ordered_on < victim.incident.report_date
    ):
        raise ValidationError({"ordered_on": _("A protection measure cannot be ordered before the report.")})


def separation_in_one_case(separation, errors: dict) -> None:
    if separation.incident_id:
        if separation.offender_id and separation.offender.incident_id != separation.incident_id:
            errors["offender"] = _("This offender belongs to another case.")
        if separation.victim_id and separation.victim.incident_id != separation.incident_id:
            errors["victim"] = _("This victim belongs to another case.")


# Committee cases ------------------------------------------------------------------------------
def committee_case_in_incident(case, incident, committee, errors: dict) -> None:
    """The committee is the incident's office's, and the referral comes after the report."""
    if incident and committee and committee.office_id != incident.office_id:
        errors["committee"] = _("This committee belongs to another office of education.")
    if incident and case.requested_on and incident.report_date and case.requested_on < incident.report_date:
        errors["requested_on"] = _("The referral cannot be before the report (%(date)s).") % {
            "date": format_date(incident.report_date)
        }


def committee_case_open_in_closed_incident(case, incident, errors: dict) -> None:
    if incident and incident.closed_on and not case.hearing_date and not case.closed_on:
        errors["closed_on"] = _(
            "The incident is closed: record this committee case's hearing, or close it without one."
        )


def committee_case_referral(case, errors: dict, incident) -> None:
    """A case is referred while it waits for a hearing: not after a committee heard it, nor after it
    closed (whichever of the two committee cases is entered first)."""
    # (An import has the incident's committee cases at hand, its own rows among them: ``_other_cases``.)
    others = getattr(case, "_other_cases", None)
    if others is None:
        others = list(
            case_models.CommitteeCase._base_manager.filter(incident_id=incident.pk)
            .exclude(pk=case.pk)
            .values_list("requested_on", "hearing_date", "closed_on")
        )
    heard_on = min((heard for _requested, heard, _closed in others if heard), default=None)
    closed_on = incident.closed_on
    if others and all(closed for _requested, _heard, closed in others):
        closed_on = min(filter(None, [closed_on, max(closed for _requested, _heard, closed in others)]))
    referred_later = max((requested for requested, _heard, _closed in others if requested), default=None)
    if heard_on and heard_on < case.requested_on:
        errors["requested_on"] = _(
            "This case was heard on %(date)s: it can no longer be referred to a committee after that."
        ) % {"date": format_date(heard_on)}
    elif closed_on and closed_on < case.requested_on:
        errors["requested_on"] = _(
            "This case was closed on %(date)s: it can no longer be referred to a committee after that."
        ) % {"date": format_date(closed_on)}
    elif case.hearing_date and referred_later and case.hearing_date < referred_later and "hearing_date" not in errors:
        errors["hearing_date"] = _(
            "This case was referred to another committee on %(date)s: this hearing cannot be before that."
        ) % {"date": format_date(referred_later)}


def committee_case_against_recorded_steps(case, errors: dict) -> None:
    """A committee case heard or closed has no hearing left to schedule or hold, nor a deadline to
    extend; and the deadline is extended once: a recorded extension is not made again on another day."""
    stored = (
        case_models.CommitteeCase._base_manager.filter(pk=case.pk)
        .values("extended_on", "hearing_scheduled_on", "hearing_date", "closed_on")
        .first()
    )
    if stored is None:
        return
    if stored["hearing_date"]:
        done = _("The hearing of this committee case is already recorded (%(date)s).") % {
            "date": format_date(stored["hearing_date"])
        }
    elif stored["closed_on"]:
        done = _("This committee case was closed without a hearing on %(date)s.") % {
            "date": format_date(stored["closed_on"])
        }
    else:
        done = None
    # (A correction moves the one extension recorded, or the day a held hearing had been scheduled for.)
    correcting = _correcting.get()
    if case.extended_on and case.extended_on != stored["extended_on"]:
        if stored["extended_on"]:
            if not correcting:
                errors.setdefault("extended_on", _("The hearing deadline has already been extended once."))
        elif done:
            errors.setdefault("extended_on", done)
    if done and case.hearing_scheduled_on != stored["hearing_scheduled_on"] and not correcting:
        errors.setdefault("hearing_scheduled_on", done)
    if stored["closed_on"] and case.closed_on and case.hearing_date:
        errors.setdefault("hearing_date", done)


def committee_case_against_recorded_measures(case, errors: dict, incident, committee) -> None:
    """A case whose measures are recorded keeps its incident, its law and a hearing before them."""
    measures = list(
        case_models.Measure.objects.filter(committee_case_id=case.pk).values_list(
            "offender__incident_id", "law", "decided_on"
        )
    )
    if not measures:
        return
    if incident and any(incident_id != incident.pk for incident_id, _law, _date in measures):
        errors.setdefault(
            "incident", _("This case's measures concern offenders of its incident: it cannot move to another.")
        )
    if committee and any(law != case_models.LAW_BY_COMMITTEE_KIND[committee.kind] for _id, law, _date in measures):
        errors.setdefault("committee", _("This case has measures under the law of another kind of committee."))
    first_decision = min(decided_on for _id, _law, decided_on in measures)
    if case.hearing_date is None or case.hearing_date > first_decision:
        errors.setdefault(
            "hearing_date",
            _("Measures were decided on %(date)s: the hearing must stay on or before that date.")
            % {"date": format_date(first_decision)},
        )


# Measures -------------------------------------------------------------------------------------
def measure_in_case(measure, case, errors: dict) -> None:
    """The measure follows its committee case: its law, after its hearing and the report, on an
    offender of its incident."""
    if case is None or getattr(case, "committee", None) is None:
        return
    expected_law = case.law
    if not measure.law:
        measure.law = expected_law
    elif measure.law != expected_law:
        errors["number"] = _("A %(committee)s imposes measures under %(law)s.") % {
            "committee": case.committee.get_kind_display(),
            "law": Law(expected_law).label,
        }
    if case.hearing_date is None:
        errors["decided_on"] = _("Measures can only be imposed after the hearing: record its date first.")
    elif measure.decided_on and measure.decided_on < case.hearing_date:
        errors["decided_on"] = _("The decision cannot be before the hearing (%(date)s).") % {
            "date": format_date(case.hearing_date)
        }
    if measure.decided_on and measure.decided_on < case.incident.report_date:
        message = _("The decision cannot be before the report (%(date)s).")
        errors.setdefault("decided_on", message % {"date": format_date(case.incident.report_date)})
    offender = getattr(measure, "offender", None)
    if offender is not None and offender.incident_id != case.incident_id:
        errors["offender"] = _("This offender belongs to another case.")


def measure_carrying_out(measure, errors: dict, incident) -> None:
    """A measure is carried out once, and only while it counts (not once an appeal changed or revoked
    it); a measure decided by the day its case closed was carried out by then."""
    stored, superseded_on = None, None
    if measure.pk is not None:
        stored = (
            case_models.Measure._base_manager.filter(pk=measure.pk).values_list("carried_out_on", flat=True).first()
        )
        superseded_on = (
            case_models.Appeal.objects.filter(
                measure_id=measure.pk, outcome__in=case_models.Appeal.SUPERSEDING_OUTCOMES
            )
            .values_list("decided_on", flat=True)
            .first()
        )
    if measure.carried_out_on and stored and measure.carried_out_on != stored and not _correcting.get():
        errors["carried_out_on"] = _("This measure was already carried out on %(date)s.") % {
            "date": format_date(stored)
        }
    elif measure.carried_out_on and superseded_on and measure.carried_out_on >= superseded_on:
        errors["carried_out_on"] = _(
            "This measure was changed or revoked on appeal: record the measure that replaced it, if any."
        )
    elif (
        not measure.carried_out_on
        and not superseded_on
        and incident.closed_on
        and measure.decided_on
        and measure.decided_on <= incident.closed_on
    ):
        errors["carried_out_on"] = _("The case was closed on %(date)s: record when this measure was carried out.") % {
            "date": format_date(incident.closed_on)
        }


def measure_for_offender(measure, errors: dict) -> None:
    offender = getattr(measure, "offender", None)
    if (
        offender is not None
        and measure.law
        and measure.number is not None
        and not errors.keys() & {"offender", "number"}
    ):
        try:
            validate_measure_for_offender(measure.law, measure.number, offender, field="number")
        except ValidationError as error:
            errors.update(error.error_dict)


# Appeals --------------------------------------------------------------------------------------
def appeal_against_other_appeals(appeal, errors: dict, measure) -> None:
    """One pending appeal per party and kind; once an appeal changed or revoked the measure, it is
    not changed or revoked again, and later appeals are against the measure that replaced it."""
    Appeal = case_models.Appeal
    others = list(measure.appeals.exclude(pk=appeal.pk).values_list("appellant", "kind", "outcome", "decided_on"))
    pending = {(appellant, kind) for appellant, kind, outcome, _decided in others if outcome == Appeal.Outcome.PENDING}
    if appeal.outcome == Appeal.Outcome.PENDING and (appeal.appellant, appeal.kind) in pending:
        errors["appellant"] = _("An appeal of this kind by the same party is already pending against this measure.")
    superseded_on = next(
        (decided for _appellant, _kind, outcome, decided in others if outcome in Appeal.SUPERSEDING_OUTCOMES), None
    )
    message = _("This measure was already changed or revoked on appeal; appeal the measure that replaced it.")
    if superseded_on and appeal.outcome in Appeal.SUPERSEDING_OUTCOMES:
        errors["outcome"] = message
    elif superseded_on and appeal.filed_on and appeal.filed_on >= superseded_on:
        errors["filed_on"] = message


def appeal_after_decision(appeal, errors: dict, measure) -> None:
    if measure and appeal.filed_on and measure.decided_on and appeal.filed_on < measure.decided_on:
        errors["filed_on"] = _("An appeal cannot be filed before the decision (%(date)s).") % {
            "date": format_date(measure.decided_on)
        }


def appeal_replacement(appeal, errors: dict, measure) -> None:
    """The measure an appeal changed the appealed one into: another, and one the offender can receive."""
    # (A measure being entered on the same page may still lack its law or offender: its own form reports that.)
    if not (measure and measure.law and measure.offender_id):
        return
    if appeal.replacement_number == measure.number:
        errors["replacement_number"] = _("The new measure must differ from the appealed one.")
    else:
        try:
            validate_measure_for_offender(
                measure.law, appeal.replacement_number, measure.offender, field="replacement_number"
            )
        except ValidationError as error:
            errors.update(error.error_dict)


def appeal_in_closed_incident(appeal, errors: dict, measure) -> None:
    incident = measure.committee_case.incident if measure and measure.committee_case_id else None
    if (
        incident is not None
        and incident.closed_on
        and appeal.outcome == case_models.Appeal.Outcome.PENDING
        and appeal.filed_on
        and appeal.filed_on <= incident.closed_on
    ):
        errors.setdefault(
            "outcome",
            _("The case was closed on %(date)s with no appeal pending: record the decision of this appeal.")
            % {"date": format_date(incident.closed_on)},
        )


def appeal_replacement_not_under_appeal(appeal, errors: dict) -> None:
    if appeal.pk and appeal.outcome != case_models.Appeal.Outcome.CHANGED:
        replacement = case_models.Measure.objects.filter(ordered_by_appeal=appeal).first()
        if replacement is None:
            return
        # Dropping the replacement would lose its own steps: every path (the importer too) is refused.
        if replacement.carried_out_on is not None:
            errors["outcome"] = _(
                "The measure this appeal ordered is recorded as carried out: correct its carrying out "
                "before changing this decision."
            )
        elif replacement.appeals.exists():
            errors["outcome"] = _("The measure this appeal ordered is itself under appeal; decide that appeal first.")
        elif not _correcting.get():
            # (The measure goes only with an audited correction of the decision, ``no_delete``.)
            errors["outcome"] = _(
                "This appeal's decision ordered a measure: change the decision by its correction on the case page."
            )


# Victims' notices of a decision -----------------------------------------------------------------
def decision_date(case):
    """The day of a committee case's decision: its first measure as imposed (before any appeal), else
    the hearing's date; None before the hearing. (In SQL: ``VictimNoticeQuerySet.with_decision``.)"""
    if case is None or case.pk is None:
        return None
    first = (
        case_models.Measure.objects.filter(committee_case=case, ordered_by_appeal__isnull=True)
        .order_by("decided_on")
        .values_list("decided_on", flat=True)
        .first()
    )
    return first or case.hearing_date


def victim_notice_in_case(notice, errors: dict) -> None:
    """A victim of the committee case's own incident, notified once the committee has decided."""
    case = getattr(notice, "committee_case", None)
    victim = getattr(notice, "victim", None)
    if case is None:
        return
    if victim is not None and victim.incident_id != case.incident_id:
        errors["victim"] = _("This victim belongs to another case.")
    decided_on = decision_date(case)
    if decided_on is None:
        errors["notified_on"] = _("The committee has not decided yet: record the hearing and its measures first.")
    elif notice.notified_on and notice.notified_on < decided_on:
        errors["notified_on"] = _("The decision cannot be notified before it was made (%(date)s).") % {
            "date": format_date(decided_on)
        }
