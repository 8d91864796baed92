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

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from functools import cache

from django.db import models, transaction
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


def referral_expressions(using: str = "default") -> dict[str, Exists]:
    """The incident's referral flags (``referral_field``), as SQL over its committee cases.

    The committees of each kind are listed first (a few hundred rows, one query): joined in the
    SQL, their kind made PostgreSQL misjudge how many committee cases match and hash all of them
    (0.8 s) rather than look up the few of each incident.
    """
    by_kind: dict[str, list[int]] = defaultdict(list)
    for kind, pk in Committee.objects.using(using).order_by().values_list("kind", "pk"):
        by_kind[kind].append(pk)
    flags = {}
    for kind in Committee.Kind:
        cases = _committee_cases().filter(committee__in=by_kind[kind])
        flags[referral_field(kind)] = Exists(cases)
        flags[referral_field(kind, heard=True)] = Exists(cases.filter(hearing_date__isnull=False))
    return flags


# Incidents worked out per statement. PostgreSQL runs the subqueries row by row for a few
# hundred incidents (18 ms for 500 at a million), but for thousands it hashes whole tables (1 s for 5,000).
BATCH = 500


def derived_values(pks: Sequence[int], *, using: str = "default") -> Iterator[tuple[int, dict, dict]]:
    """``(pk, stored, derived)`` for each incident of ``pks``: its stored fields, and what its records give."""
    referrals = referral_expressions(using)
    flags = list(referrals)
    derived_flags = [f"derived_{flag}" for flag in flags]
    for start in range(0, len(pks), BATCH):
        rows = (
            Incident.objects.using(using)
            .filter(pk__in=pks[start : start + BATCH])
            .order_by()
            .annotate(
                derived_status=status_expression(),
                derived_closure_reason=closure_reason_expression(),
                **{f"derived_{flag}": expression for flag, expression in referrals.items()},
            )
            .values(
                "pk",
                *DERIVED_INCIDENT_FIELDS,
                "derived_status",
                "derived_closure_reason",
                *derived_flags,
            )
        )
        for row in rows:
            status = row["derived_status"]
            derived = {
                "status": status,
                # The reason is the status's detail: only a closed case has one.
                "status_reason": row["derived_closure_reason"] if status == Status.CLOSED else "",
                **{flag: bool(row[f"derived_{flag}"]) for flag in flags},
            }
            yield row["pk"], {field: row[field] for field in DERIVED_INCIDENT_FIELDS}, derived


def refresh_derived(incidents: QuerySet) -> None:
    """Store the status, closure reason and committee referrals of ``incidents``, from their records."""
    _refresh(list(incidents.order_by("pk").values_list("pk", flat=True)), using=incidents.db)


def _refresh(pks: Sequence[int], *, using: str = "default") -> None:
    """Work the incidents of ``pks`` out and write those whose stored fields differ: an UPDATE per set of
    values (a handful), none when nothing moved (a new incident, a change that keeps the status).

    The rows are locked first, in a statement of their own, so two transactions changing one case's
    records store their status one after the other, each from what the other committed. Neither the
    version nor the history moves: this is not an edit.
    """
    for start in range(0, len(pks), BATCH):
        batch = pks[start : start + BATCH]
        incidents = Incident.objects.using(using)
        with transaction.atomic(using=using):  # (a savepoint inside the caller's transaction)
            list(incidents.select_for_update().filter(pk__in=batch).order_by("pk").values_list("pk"))
            changes: dict[tuple, list[int]] = defaultdict(list)
            for pk, stored, derived in derived_values(batch, using=using):
                if stored != derived:
                    changes[tuple(derived.items())].append(pk)
            for values, changed in changes.items():
                incidents.filter(pk__in=changed).update(**dict(values))


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
    _refresh(sorted({*incidents_of(records), *incident_pks}))


def settled_when_created(record: CaseRecord) -> bool:
    """True for an incident just inserted, not closed, whose derived fields hold their defaults.

    Nothing can be recorded under a row inserted a moment ago, so the rule gives it exactly those
    defaults (reported, no reason, no referral): there is nothing to work out. An import of new
    cases skips a SELECT per 500 incidents this way (bench/README.md). Whatever this misses, the
    check after every test (``out_of_step``) would find.
    """
    if not isinstance(record, Incident) or record.closed_on is not None:
        return False
    return all(getattr(record, name) == default for name, default in _derived_defaults().items())


@cache
def _derived_defaults() -> dict[str, object]:
    """The derived fields' defaults (looked up once: ``settled_when_created`` runs for each new row)."""
    return {name: Incident._meta.get_field(name).get_default() for name in DERIVED_INCIDENT_FIELDS}


def out_of_step(incidents: QuerySet) -> list[int]:
    """The pks of ``incidents`` whose stored status, reason or referrals differ from their records."""
    pks = list(incidents.order_by("pk").values_list("pk", flat=True))
    return [pk for pk, stored, derived in derived_values(pks, using=incidents.db) if stored != derived]


def with_derived_status(incidents: QuerySet) -> QuerySet:
    """``incidents`` with ``derived_status`` worked out now from their records (the stored one aside)."""
    return incidents.annotate(derived_status=status_expression())


def status_of(incident: Incident, *, lock: bool = False) -> Status:
    """The current status of one incident, worked out now; ``lock`` holds its row until the transaction ends."""
    incidents = Incident.objects.filter(pk=incident.pk).order_by()
    if lock:
        incidents = incidents.select_for_update(of=("self",))
    return Status(with_derived_status(incidents).values_list("derived_status", flat=True).get())
