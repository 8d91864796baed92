"""Every scoped read of case data that other areas (reports, imports, workflow) build on.

Each function takes the user first: nothing fetches case data without a scope.
"""

import datetime
from dataclasses import dataclass

from django.db import connections
from django.db.models import BigIntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from casetracker.core.formatting import format_date

from . import retention, visibility
from .models import (
    Appeal,
    CommitteeCase,
    Incident,
    Law,
    Measure,
    Offender,
    OfficeYearGeneration,
    OpenWork,
    OpenWorkKind,
    PendingGeneration,
    PendingOpenWork,
    ProtectionMeasure,
    Separation,
    TakedownRequest,
    Victim,
    VictimNotice,
    measure_label,
)
from .models.generation import EVERYTHING
from .status import referral_field


def incidents_for(user) -> QuerySet[Incident]:
    return Incident.objects.for_user(user)


def identities_coming_due_for(user, *, by: datetime.date) -> QuerySet[Incident]:
    """Closed cases of ``user``'s scope still holding names whose retention period ends by ``by``
    (or has ended), with ``identities_closed_on`` and ``identities_kept_until`` (``retention``)."""
    return retention.coming_due(incidents_for(user), by=by)


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


def measures_for(user) -> QuerySet[Measure]:
    """Every measure in ``user``'s scope, original and replaced ones alike (``final_measures_for`` for counts)."""
    return Measure.objects.for_user(user)


def appeals_for(user) -> QuerySet[Appeal]:
    return Appeal.objects.for_user(user)


def victim_notices_for(user):
    """The days the victims' sides were notified of their committees' decisions, in ``user``'s scope,
    each with its committee's ``decided_on`` (an alias, for the appeal deadline in SQL)."""
    return VictimNotice.objects.for_user(user).with_decision()


def separations_for(user) -> QuerySet[Separation]:
    return Separation.objects.for_user(user)


def protection_measures_for(user) -> QuerySet[ProtectionMeasure]:
    return ProtectionMeasure.objects.for_user(user)


def generations(*, office_ids: list[int] | None, years: tuple[int | None, int | None], using: str) -> tuple:
    """The tokens of the office-years that figures over ``office_ids`` (None: every office) and the
    report years ``years`` (first, last; None: unbounded) read, with row (0, 0) for everything else:
    ``((office_id, year, token), ...)`` in order, the token None for an office-year that the current
    transaction has changed and not committed. One indexed query. See ``generations.py``."""
    first, last = years
    rows = Q()
    if office_ids is not None:
        rows &= Q(office_id__in=office_ids)
    if first is not None:
        rows &= Q(year__gte=first)
    if last is not None:
        rows &= Q(year__lte=last)
    found = OfficeYearGeneration.objects.using(using)
    pending = PendingGeneration.objects.using(using).filter(txid=RawSQL("txid_current_if_assigned()", ()))
    if rows:  # (an empty Q would drop out of the OR below: every row is read then)
        office, year = EVERYTHING
        found = found.filter(rows | Q(office_id=office, year=year))
        pending = pending.filter(rows | Q(office_id=office, year=year))
    tokens = found.values_list("office_id", "year", "token")
    if connections[using].vendor == "postgresql":
        # The office-years this transaction changed, not committed yet: no token (see generations.py).
        tokens = tokens.union(
            pending.values_list("office_id", "year", Value(None, output_field=BigIntegerField())), all=True
        )
    return tuple(tokens.order_by("office_id", "year"))


def with_open_work(user, offices: QuerySet) -> QuerySet:
    """``offices`` (a queryset of offices) each with ``open_<kind>`` for every ``OpenWorkKind``: the
    open work of ``user``'s scope in that office, read from the sums the triggers keep
    (``cases/open_work.py``), with the current transaction's own changes not yet committed
    (PostgreSQL). Subqueries of the offices' one query, each a few indexed rows."""
    parts = [OpenWork.objects.for_user(user)]
    if connections[offices.db].vendor == "postgresql":
        parts.append(PendingOpenWork.objects.for_user(user).filter(txid=RawSQL("txid_current_if_assigned()", ())))
    annotations = {}
    for kind in OpenWorkKind:
        sums = [
            Coalesce(
                Subquery(
                    part.filter(office_id=OuterRef("pk"), kind=kind)
                    .order_by()
                    .values("office_id")
                    .annotate(total=Sum("count"))
                    .values("total")
                ),
                0,
            )
            for part in parts
        ]
        total = sums[0]
        for more in sums[1:]:
            total = total + more
        annotations[f"open_{kind.value}"] = total
    return offices.annotate(**annotations)


def referred_to(kind: str, *, incident: str = "pk", heard: bool = False) -> Q:
    """Incidents (reached through ``incident``) referred to a committee of ``kind``; heard ones only if asked.

    Read from the incident's stored flags (``status.refresh_derived``): one column, not a subquery per row.
    """
    path = "" if incident == "pk" else f"{incident}__"
    return Q(**{f"{path}{referral_field(kind, heard=heard)}": True})


# The case's timeline ----------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    date: datetime.date
    event: str
    detail: str = ""


# Events of the same day in the order the steps follow one another.
(
    _REPORT,
    _POLICE,
    _SEPARATION,
    _PROTECTION,
    _TAKEDOWN,
    _TAKEDOWN_ANSWER,
    _REFERRAL,
    _EXTENSION,
    _SCHEDULED,
    _HEARING,
    _COMMITTEE_CLOSED,
    _MEASURE,
    _NOTIFIED,
    _CARRIED_OUT,
    _APPEAL,
    _APPEAL_DECIDED,
    _CLOSED,
) = range(17)


@dataclass(frozen=True)
class CaseRecords:
    """The records below an incident that its page shows, each kind read once (``case_records``)."""

    takedowns: list[TakedownRequest]
    separations: list[Separation]
    protection_measures: list[ProtectionMeasure]
    committee_cases: list[CommitteeCase]
    measures: list[Measure]
    appeals: list[Appeal]
    victim_notices: list[VictimNotice]


def case_records(user, incident: Incident) -> CaseRecords:
    """Seven queries, however large the case: one per kind of record, in ``user``'s scope.

    Each in its model's order, less what is the same for every record of one incident: the models'
    orderings begin with the incident (its report date, its office's order, its number), which
    joined the incident and its office to each query again for nothing."""
    return CaseRecords(
        takedowns=list(takedown_requests_for(user).filter(incident=incident).order_by(*ONE_INCIDENT["takedown"])),
        separations=list(
            separations_for(user)
            .filter(incident=incident)
            .select_related("offender", "victim")
            .order_by(*ONE_INCIDENT["separation"])
        ),
        protection_measures=list(
            protection_measures_for(user)
            .filter(victim__incident=incident)
            .select_related("victim")
            .order_by("victim__code", "ordered_on", "number")
        ),
        committee_cases=list(committee_cases_for(user).filter(incident=incident).select_related("committee")),
        measures=list(
            measures_for(user)
            .filter(committee_case__incident=incident)
            .select_related("offender")
            .order_by("decided_on", "pk")
        ),
        appeals=list(
            appeals_for(user)
            .filter(measure__committee_case__incident=incident)
            .select_related("measure__offender")
            .order_by(
                "-measure__committee_case__requested_on",
                "measure__committee_case__id",
                "measure__offender__code",
                "measure__number",
                "filed_on",
                "id",
            )
        ),
        victim_notices=list(
            victim_notices_for(user)
            .filter(committee_case__incident=incident)
            .select_related("victim")
            .order_by("-committee_case__requested_on", "committee_case__id", "victim__code")
        ),
    )


# The orderings of the records of one incident: their models' own, without the incident they begin with.
ONE_INCIDENT = {
    "person": ["code"],
    "takedown": ["requested_on", "id"],
    "separation": ["starts_on", "id"],
}


def case_timeline(
    user,
    incident: Incident,
    *,
    people: visibility.CasePeople | None = None,
    records: CaseRecords | None = None,
    outside_office: bool = False,
) -> list[TimelineEntry]:
    """Everything recorded about ``incident``, with its date, oldest first.

    Seven queries, however long the case (none with ``records``, which the page read already): one
    per kind of record below the incident (and two for the case's people, to those who see its
    narratives in their protected form, unless the page has ``people`` already). ``outside_office``:
    for a sheet that leaves the office, the narratives in their protected form at most, for anyone
    (``visibility.shown_outside_office``).
    """
    people = people or visibility.CasePeople()
    show = visibility.shown_outside_office if outside_office else visibility.shown
    records = records or case_records(user, incident)
    events: list[tuple[datetime.date, int, str, str]] = [(incident.report_date, _REPORT, _("Reported"), "")]
    if incident.police_referred_on:
        events.append((incident.police_referred_on, _POLICE, _("Referred to the police"), ""))

    for request in records.takedowns:
        platform = request.get_platform_display()
        events.append((request.requested_on, _TAKEDOWN, _("Takedown requested"), platform))
        if request.answered_on:
            answer = f"{platform}: {request.get_outcome_display()}"
            events.append((request.answered_on, _TAKEDOWN_ANSWER, _("Takedown request answered"), answer))

    for separation in records.separations:
        detail = _("%(offender)s from %(victim)s, until %(date)s") % {
            "offender": separation.offender.code,
            "victim": separation.victim.code,
            "date": format_date(separation.ends_on),
        }
        events.append((separation.starts_on, _SEPARATION, _("Offender and victim separated"), detail))

    for protection in records.protection_measures:
        detail = f"{protection.victim.code}: {protection.get_number_display()}"
        events.append((protection.ordered_on, _PROTECTION, _("Protection measure ordered"), detail))

    for case in records.committee_cases:
        committee = str(case.committee)
        events.append((case.requested_on, _REFERRAL, _("Referred to the committee"), committee))
        if case.extended_on:
            reason = show(
                user,
                CommitteeCase,
                "extension_reason",
                case.extension_reason,
                office_id=incident.office_id,
                incident_id=incident.pk,
                people=people,
            )
            detail = f"{committee}: {reason}"
            events.append((case.extended_on, _EXTENSION, _("Hearing deadline extended by 7 days"), detail))
        if case.hearing_scheduled_on:
            events.append((case.hearing_scheduled_on, _SCHEDULED, _("Hearing scheduled for this day"), committee))
        if case.hearing_date:
            events.append((case.hearing_date, _HEARING, _("Hearing held"), committee))
        if case.closed_on:
            detail = f"{committee}: {case.get_closure_reason_display()}"
            events.append((case.closed_on, _COMMITTEE_CLOSED, _("Committee case closed without a hearing"), detail))

    for measure in records.measures:
        detail = f"{measure.offender.code}: {measure}"
        if measure.ordered_by_appeal_id:
            events.append((measure.decided_on, _MEASURE, _("Measure ordered by an appeal"), detail))
        else:
            events.append((measure.decided_on, _MEASURE, _("Measure decided"), detail))
        if measure.notified_on:
            events.append((measure.notified_on, _NOTIFIED, _("Decision notified"), detail))
        if measure.carried_out_on:
            events.append((measure.carried_out_on, _CARRIED_OUT, _("Measure carried out"), detail))

    committees = {case.pk: str(case.committee) for case in records.committee_cases}
    for notice in records.victim_notices:
        detail = f"{notice.victim.code}: {committees.get(notice.committee_case_id, '')}"
        events.append((notice.notified_on, _NOTIFIED, _("Decision notified to the victim's side"), detail))

    for appeal in records.appeals:
        measure = appeal.measure
        detail = f"{measure.offender.code}: {measure} ({appeal.get_kind_display()}, {appeal.get_appellant_display()})"
        events.append((appeal.filed_on, _APPEAL, _("Appeal filed"), detail))
        if appeal.decided_on:
            outcome = appeal.get_outcome_display()
            if appeal.outcome == Appeal.Outcome.CHANGED:
                outcome = _("%(outcome)s to %(measure)s") % {
                    "outcome": outcome,
                    "measure": measure_label(measure.law, appeal.replacement_number),
                }
            events.append(
                (appeal.decided_on, _APPEAL_DECIDED, _("Appeal decided"), f"{measure.offender.code}: {outcome}")
            )

    if incident.closed_on:
        events.append((incident.closed_on, _CLOSED, _("Case closed"), incident.get_closure_reason_display()))

    events.sort(key=lambda event: (event[0], event[1]))
    return [TimelineEntry(date=date, event=event, detail=detail) for date, _rank, event, detail in events]
