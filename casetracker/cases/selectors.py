"""Every scoped read of case data that other areas (reports, imports, workflow) build on.

Each function takes the user first: nothing fetches case data without a scope.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from casetracker.core.models import Committee

from .models import CommitteeCase, Incident, Law, Measure, Offender, TakedownRequest, Victim


def incidents_for(user) -> QuerySet[Incident]:
    return Incident.objects.for_user(user)


def final_measures_for(user, *, law: str | None = None) -> QuerySet[Measure]:
    """The measures offenders ultimately received (after appeals), in ``user``'s scope."""
    measures = Measure.objects.for_user(user).final()
    return measures.filter(law=Law(law)) if law else measures


def victims_for(user) -> QuerySet[Victim]:
    return Victim.objects.for_user(user)


def offenders_for(user) -> QuerySet[Offender]:
    return Offender.objects.for_user(user)


def takedown_requests_for(user) -> QuerySet[TakedownRequest]:
    return TakedownRequest.objects.for_user(user)


def committee_cases_for(user) -> QuerySet[CommitteeCase]:
    return CommitteeCase.objects.for_user(user)


def referred_to(kind: str, *, incident: str = "pk", heard: bool = False) -> Q:
    """Incidents (reached through ``incident``) referred to a committee of ``kind``; heard ones only if asked."""
    cases = CommitteeCase.objects.filter(incident=OuterRef(incident), committee__kind=Committee.Kind(kind))
    if heard:
        cases = cases.filter(hearing_date__isnull=False)
    return Q(Exists(cases))
