"""Where a case stands, derived from its records: never typed, so never out of step.

The one rule is ``derived_expressions``: SQL over the case's committee cases, measures, appeals
and takedown requests, for each field stored on the incident (``Incident.status``, the closure
reason, the committee kinds the incident went to, and the open work the work queue counts), so
that lists and reports read a column. Database
triggers generated from it (``triggers.py``, installed by a migration on SQLite and PostgreSQL)
store them again in the same statement as any write to those tables: the services, the admin,
loaddata, ``QuerySet.update()``, raw SQL and cascades alike. ``out_of_step`` compares the stored
columns with the rule (``manage.py refresh_case_status --check``, and after every test).

What is still outstanding comes first: a pending appeal, then a committee case not yet
heard (referred, or with its hearing scheduled), then measures not yet carried out. Only
then is a case closed (closed by a clerk, or every committee case closed without a
hearing), or done with its measures carried out, or decided with nothing left to carry out
(every measure revoked on appeal). A case is "decided" only once a measure is recorded: heard
with none, it is "heard" (the decision still to be entered), until a measure is recorded or the
clerk closes it (the committee imposed none).
"""

from collections.abc import Iterator, Sequence

from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.db.models.lookups import Exact

from casetracker.core.models import Committee

from .models import DERIVED_INCIDENT_FIELDS, Appeal, CommitteeCase, Incident, Measure, Status, TakedownRequest

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
        # Measures decided and all revoked on appeal: decided, nothing to carry out.
        When(Exists(Measure.objects.filter(committee_case__incident=OuterRef("pk"))), then=Value(Status.DECIDED)),
        When(Exists(_committee_cases().filter(hearing_date__isnull=False)), then=Value(Status.HEARD)),
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


class _Count(Subquery):
    """How many rows a queryset of the incident's records gives, as a subquery."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) counted)"
    output_field = models.IntegerField()


def open_work_expressions() -> dict[str, models.Expression]:
    """The case's open work that the work queue counts (``Incident.hearings_awaited`` ...), as SQL: the
    work queue lists the same rows (``workflow/queue.py``: hearings, measures, takedowns)."""
    return {
        # A case closed by the clerk awaits no hearing, whatever its committee cases.
        "hearings_awaited": Case(
            When(closed_on__isnull=False, then=Value(0)),
            default=_Count(_open_committee_cases().values("pk")),
            output_field=models.IntegerField(),
        ),
        "measures_to_carry_out": _Count(_final_measures().filter(carried_out_on__isnull=True).values("pk")),
        "takedowns_open": _Count(
            TakedownRequest.objects.filter(incident=OuterRef("pk"), outcome__in=TakedownRequest.OPEN_OUTCOMES).values(
                "pk"
            )
        ),
    }


def referral_field(kind: str, *, heard: bool = False) -> str:
    """The incident's stored flag for "referred to (heard by) a committee of ``kind``"."""
    name = Committee.Kind(kind).value
    return f"heard_by_{name}_committee" if heard else f"referred_to_{name}_committee"


def derived_expressions() -> dict[str, models.Expression]:
    """Every stored derived field of the incident (``DERIVED_INCIDENT_FIELDS``), as SQL over its records.

    The one rule: the database triggers are generated from it (``triggers.py``), and the checks
    (``out_of_step``) compare the stored columns with it.
    """
    expressions: dict[str, models.Expression] = {
        "status": status_expression(),
        # The reason is the status's detail: only a closed case has one.
        "status_reason": Case(
            When(Exact(status_expression(), Value(Status.CLOSED)), then=closure_reason_expression()),
            default=Value(""),
            output_field=models.CharField(),
        ),
    }
    for kind in Committee.Kind:
        cases = _committee_cases().filter(committee__kind=kind)
        expressions[referral_field(kind)] = Exists(cases)
        expressions[referral_field(kind, heard=True)] = Exists(cases.filter(hearing_date__isnull=False))
    expressions.update(open_work_expressions())
    assert list(expressions) == DERIVED_INCIDENT_FIELDS, "one expression per stored field, in the model's order"
    return expressions


# Incidents compared per statement: PostgreSQL runs the subqueries row by row for a few hundred
# incidents, but for thousands it hashes whole tables.
BATCH = 500


def derived_values(pks: Sequence[int], *, using: str = "default") -> Iterator[tuple[int, dict, dict]]:
    """``(pk, stored, derived)`` for each incident of ``pks``: its stored fields, and what its records give."""
    derived_names = {field: f"derived_{field}" for field in DERIVED_INCIDENT_FIELDS}
    annotations = {derived_names[field]: expression for field, expression in derived_expressions().items()}
    for start in range(0, len(pks), BATCH):
        rows = (
            Incident.objects.using(using)
            .filter(pk__in=pks[start : start + BATCH])
            .order_by()
            .annotate(**annotations)
            .values("pk", *DERIVED_INCIDENT_FIELDS, *annotations)
        )
        for row in rows:
            stored = {field: row[field] for field in DERIVED_INCIDENT_FIELDS}
            derived = {field: _python_value(field, row[derived_names[field]]) for field in DERIVED_INCIDENT_FIELDS}
            yield row["pk"], stored, derived


def _python_value(field: str, value):
    """An annotation as the column would hold it (SQLite gives EXISTS as 0 or 1)."""
    return bool(value) if isinstance(Incident._meta.get_field(field), models.BooleanField) else value


def out_of_step(incidents: QuerySet) -> list[int]:
    """The pks of ``incidents`` whose stored status, reason or referrals differ from their records."""
    pks = list(incidents.order_by("pk").values_list("pk", flat=True))
    return [pk for pk, stored, derived in derived_values(pks, using=incidents.db) if stored != derived]


def with_derived_status(incidents: QuerySet) -> QuerySet:
    """``incidents`` with ``derived_status`` worked out now from their records (the stored one aside)."""
    return incidents.annotate(derived_status=status_expression())


def status_of(incident: Incident, *, lock: bool = False) -> Status:
    """The current status of one incident (stored, and kept right by the triggers within the transaction);
    ``lock`` holds its row until the transaction ends, so the step that follows sees no other change."""
    incidents = Incident.objects.filter(pk=incident.pk).order_by()
    if lock:
        incidents = incidents.select_for_update()
    return Status(incidents.values_list("status", flat=True).get())
