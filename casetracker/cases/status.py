"""Where a case stands, derived from its records: never typed, so never out of step.

The one rule is ``status_expression``: a queryset annotation, so lists can show, filter
and count by status in SQL; ``status_of`` asks it about one incident.

What is still outstanding comes first: a pending appeal, then a committee case not yet
heard (referred, or with its hearing scheduled), then measures not yet carried out. Only
then is a case closed (closed by a clerk, or every committee case closed without a
hearing), or done with its measures carried out, or decided with nothing to carry out.
"""

from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext_lazy as _

from .models import Appeal, CommitteeCase, Incident, IncidentQuerySet, Measure


class Status(models.TextChoices):
    REPORTED = "reported", _("reported")
    REFERRED = "referred", _("referred to a committee")
    HEARING_SCHEDULED = "hearing_scheduled", _("hearing scheduled")
    DECIDED = "decided", _("decided")
    MEASURES_CARRIED_OUT = "measures_carried_out", _("measures carried out")
    UNDER_APPEAL = "under_appeal", _("under appeal")
    CLOSED = "closed", _("closed")


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


def with_status(incidents: IncidentQuerySet) -> IncidentQuerySet:
    """``incidents`` with ``status`` and ``status_reason`` (the closure reason, "" unless closed)."""
    incidents = incidents.annotate(status=status_expression())
    return incidents.annotate(
        status_reason=Case(When(status=Status.CLOSED, then=closure_reason_expression()), default=Value(""))
    )


def status_of(incident: Incident, *, lock: bool = False) -> Status:
    """The current status of one incident; ``lock`` holds its row until the transaction ends."""
    incidents = Incident.objects.filter(pk=incident.pk).order_by()
    if lock:
        incidents = incidents.select_for_update(of=("self",))
    return Status(incidents.annotate(status=status_expression()).values_list("status", flat=True).get())
