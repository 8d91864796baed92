"""Where a case stands, derived from its records: never typed, so never out of step.

The one rule is ``status_expression``: SQL over the case's committee cases, measures and
appeals. ``refresh_derived`` stores its result on the incident (``Incident.status``, with the
closure reason and the committee kinds the incident went to), and the case services call it
with every change, so lists filter and show the status, and reports count referrals, from a
column. ``status_of`` works it out afresh for one incident, for the workflow's checks.

What is still outstanding comes first: a pending appeal, then a committee case not yet
heard (referred, or with its hearing scheduled), then measures not yet carried out. Only
then is a case closed (closed by a clerk, or every committee case closed without a
hearing), or done with its measures carried out, or decided with nothing to carry out.
"""

from collections.abc import Iterable

from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, NullIf

from casetracker.core.models import Committee

from .models import DERIVED_INCIDENT_FIELDS, Appeal, CaseRecord, CommitteeCase, Incident, Measure, Status

# Before a hearing: the steps that refer, schedule, extend, hear or close without a hearing.
BEFORE_HEARING = (Status.REPORTED, Status.REFERRED, Status.HEARING_SCHEDULED)


def _committee_cases():
    return CommitteeCase.objects.filter(incident=OuterRef("pk"))


def _open_committee_cases():
    return _committee_cases().filter(hearing_date__isnull=True, closed_on__isnull=True)


def _final_measures():
    return Measure.objects.filter(committee_case__incident=OuterRef("pk")).final()


def status_expression() -> Case:
    """The status of each incident of a queryset, as SQL."""
    pending_appeals = Appeal.objects.filter(
        measure__committee_case__incident=OuterRef("pk"), outcome=Appeal.Outcome.PENDING
    )
    closed_by_committees = Exists(_committee_cases()) & ~Exists(_committee_cases().filter(closed_on__isnull=True))
    return Case(
        When(Exists(pending_appeals), then=Value(Status.UNDER_APPEAL)),
        When(Exists(_open_committee_cases().filter(hearing_scheduled_on__isnull=True)), then=Value(Status.REFERRED)),
        When(Exists(_open_committee_cases()), then=Value(Status.HEARING_SCHEDULED)),
        When(Exists(_final_measures().filter(carried_out_on__isnull=True)), then=Value(Status.DECIDED)),
        When(Q(closed_on__isnull=False) | closed_by_committees, then=Value(Status.CLOSED)),
        When(Exists(_final_measures()), then=Value(Status.MEASURES_CARRIED_OUT)),
        When(Exists(_committee_cases().filter(hearing_date__isnull=False)), then=Value(Status.DECIDED)),
        default=Value(Status.REPORTED),
        output_field=models.CharField(),
    )


def closure_reason_expression() -> Case:
    """Why the case closed without a hearing: the incident's reason, else its last committee case's;
    none if a committee heard it."""
    last_closed = _committee_cases().filter(closed_on__isnull=False).order_by("-closed_on", "-pk")
    return Case(
        When(Exists(_committee_cases().filter(hearing_date__isnull=False)), then=Value("")),
        default=Coalesce(
            NullIf(models.F("closure_reason"), Value("")),
            models.Subquery(last_closed.values("closure_reason")[:1]),
            Value(""),
        ),
        output_field=models.CharField(),
    )


def referral_field(kind: str, *, heard: bool = False) -> str:
    """The incident's stored flag for "referred to (heard by) a committee of ``kind``"."""
    name = Committee.Kind(kind).value
    return f"heard_by_{name}_committee" if heard else f"referred_to_{name}_committee"


def referral_expressions() -> dict[str, Exists]:
    """The incident's referral flags (``referral_field``), as SQL over its committee cases."""
    flags = {}
    for kind in Committee.Kind:
        cases = _committee_cases().filter(committee__kind=kind)
        flags[referral_field(kind)] = Exists(cases)
        flags[referral_field(kind, heard=True)] = Exists(cases.filter(hearing_date__isnull=False))
    return flags


def refresh_derived(incidents: QuerySet) -> None:
    """Store the status, closure reason and committee referrals of ``incidents``, from their records.

    Two UPDATE statements whatever the number of incidents; the second reads the status the
    first stored. Neither changes the incident's version or history: they are not an edit.
    """
    incidents = Incident.objects.filter(pk__in=incidents.values("pk")) if incidents.query.is_sliced else incidents
    incidents.order_by().update(status=status_expression(), **referral_expressions())
    incidents.order_by().update(
        status_reason=Case(When(status=Status.CLOSED, then=closure_reason_expression()), default=Value(""))
    )


# How to reach the incident from a record whose changes move its status or referrals.
_PATH_TO_INCIDENT = {
    Incident: "pk",
    CommitteeCase: "committee_cases",
    Measure: "committee_cases__measures",
    Appeal: "committee_cases__measures__appeals",
}


def incidents_of(records: Iterable[CaseRecord]) -> list[int]:
    """The pks of the incidents that ``records`` (of one model or several) belong to."""
    pks: set[int] = set()
    by_model: dict[type, list[int]] = {}
    for record in records:
        if type(record) in _PATH_TO_INCIDENT and record.pk is not None:
            by_model.setdefault(type(record), []).append(record.pk)
    for model, record_pks in by_model.items():
        if model is Incident:
            pks.update(record_pks)
        else:
            found = Incident.objects.filter(**{f"{_PATH_TO_INCIDENT[model]}__in": record_pks})
            pks.update(found.values_list("pk", flat=True))
    return sorted(pks)


def refresh_derived_of(*records: CaseRecord, incident_pks: Iterable[int] = ()) -> None:
    """``refresh_derived`` for the incidents of ``records`` (and ``incident_pks``); other records are ignored."""
    pks = sorted({*incidents_of(records), *incident_pks})
    for start in range(0, len(pks), 500):
        refresh_derived(Incident.objects.filter(pk__in=pks[start : start + 500]))


def out_of_step(incidents: QuerySet) -> QuerySet:
    """The incidents of ``incidents`` whose stored status, reason or referrals differ from their records."""
    derived = {"derived_status": status_expression(), **{f"derived_{k}": v for k, v in referral_expressions().items()}}
    incidents = incidents.annotate(**derived).annotate(
        derived_status_reason=Case(
            When(derived_status=Status.CLOSED, then=closure_reason_expression()), default=Value("")
        )
    )
    differs = Q()
    for field in DERIVED_INCIDENT_FIELDS:
        differs |= ~Q(**{field: models.F(f"derived_{field}")})
    return incidents.filter(differs)


def with_derived_status(incidents: QuerySet) -> QuerySet:
    """``incidents`` with ``derived_status`` worked out now from their records (the stored one aside)."""
    return incidents.annotate(derived_status=status_expression())


def status_of(incident: Incident, *, lock: bool = False) -> Status:
    """The current status of one incident, worked out now; ``lock`` holds its row until the transaction ends."""
    incidents = Incident.objects.filter(pk=incident.pk).order_by()
    if lock:
        incidents = incidents.select_for_update(of=("self",))
    return Status(with_derived_status(incidents).values_list("derived_status", flat=True).get())
