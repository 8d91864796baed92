"""The case page's workspace: the whole case, nested where each record belongs, with each deadline
beside its step and the steps that can be taken now.

People and their relations (a victim x offender grid), each victim's protection measures,
separations and own appeal period of each decision, the takedown requests, each committee case
with its hearing, the measures of each offender and the appeals of each measure. Read through the
user's scope (``selectors``), one query per kind of record however large the case, so the page's
query count does not grow with it.

The deadlines are the law's (``law.py``: the hearing's 21 days and the one 7-day extension, the
14 days to carry a measure out, the 90/180 days to appeal, for the offender's side from the
measure's notice and for each victim's side from their own (``VictimNotice``), the 7 days of a
separation); a deadline met is shown with its date, one still open with the days left or overdue.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from casetracker.core.formatting import format_date

from .. import selectors
from ..law import (
    APPEAL_DAYS_FROM_DECISION,
    APPEAL_DAYS_FROM_NOTICE,
    CARRY_OUT_DAYS,
    HEARING_DAYS,
    HEARING_EXTENSION_DAYS,
    SEPARATION_MAX_DAYS,
    appeal_deadline,
    carry_out_deadline,
    extension_deadline,
    separation_latest_end,
)
from ..models import (
    Appeal,
    CommitteeCase,
    Incident,
    Measure,
    Offender,
    OffenderVictimRelation,
    Status,
    Victim,
    VictimNotice,
)


@dataclass(frozen=True)
class Deadline:
    """A step's deadline as of ``today``: met (done on time or late), or open (days left or overdue)."""

    label: str
    due: datetime.date
    done_on: datetime.date | None
    today: datetime.date

    @property
    def late(self) -> bool:
        return (self.done_on or self.today) > self.due

    @property
    def state(self) -> str:
        if self.done_on is not None:
            return "late" if self.late else "met"
        return "overdue" if self.late else "open"

    @property
    def text(self) -> str:
        due = format_date(self.due)
        if self.done_on is not None:
            if self.late:
                days = (self.done_on - self.due).days
                return ngettext("%(due)s, met %(days)d day late", "%(due)s, met %(days)d days late", days) % {
                    "due": due,
                    "days": days,
                }
            return _("%(due)s, met") % {"due": due}
        days = (self.due - self.today).days
        if days < 0:
            return ngettext("%(due)s, %(days)d day overdue", "%(due)s, %(days)d days overdue", -days) % {
                "due": due,
                "days": -days,
            }
        if days == 0:
            return _("%(due)s, due today") % {"due": due}
        return ngettext("%(due)s, %(days)d day left", "%(due)s, %(days)d days left", days) % {"due": due, "days": days}


@dataclass
class MeasureRow:
    measure: Measure
    appeals: list[Appeal]
    carry_out: Deadline
    appeal_by: Deadline
    superseded: bool
    pending_appeal: bool


@dataclass
class CommitteeCaseRow:
    case: CommitteeCase
    hearing: Deadline
    extension: Deadline | None
    measures_by_offender: list[tuple[Offender, list[MeasureRow]]] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.case.hearing_date is None and self.case.closed_on is None


@dataclass(frozen=True)
class VictimAppeal:
    """A victim's side's appeal period against one committee case's decision: from their notice
    (None while none is delivered: the 180 days from the decision alone), met by their appeal."""

    case: CommitteeCase
    notice: VictimNotice | None
    deadline: Deadline


@dataclass
class VictimRow:
    victim: Victim
    protection_measures: list
    separations: list[tuple[object, Deadline]]
    appeals: list[VictimAppeal] = field(default_factory=list)


# The law's periods, for the page's headings (``law.py``).
PERIODS = {
    "hearing": HEARING_DAYS,
    "extension": HEARING_EXTENSION_DAYS,
    "carry_out": CARRY_OUT_DAYS,
    "appeal_from_notice": APPEAL_DAYS_FROM_NOTICE,
    "appeal_from_decision": APPEAL_DAYS_FROM_DECISION,
    "separation": SEPARATION_MAX_DAYS,
}


@dataclass
class Workspace:
    incident: Incident
    victims: list[VictimRow]
    offenders: list[Offender]
    relations: dict[tuple[int, int], object]  # (victim id, offender id): relation
    takedowns: list
    committee_cases: list[CommitteeCaseRow]
    today: datetime.date
    periods = PERIODS

    @property
    def is_closed(self) -> bool:
        return self.incident.status == Status.CLOSED


@dataclass(frozen=True)
class CasePeople:
    """The case's victims and offenders (by code) and the relation of each pair recorded."""

    victims: list[Victim]
    offenders: list[Offender]
    relations: dict[tuple[int, int], OffenderVictimRelation]  # (victim id, offender id): relation


def case_people(user, incident: Incident) -> CasePeople:
    """Three queries: the victims, the offenders, their relations (in ``user``'s scope)."""
    return CasePeople(
        victims=list(selectors.victims_for(user).filter(incident=incident).order_by("code", "pk")),
        offenders=list(selectors.offenders_for(user).filter(incident=incident).order_by("code", "pk")),
        relations={
            (relation.victim_id, relation.offender_id): relation
            # (In no order: a dict by pair. The model's ordering joined each side's case and office again.)
            for relation in OffenderVictimRelation.objects.for_user(user).filter(offender__incident=incident).order_by()
        },
    )


def relation_field(victim: Victim, offender: Offender) -> str:
    """The name of the grid's cell of one pair in the case page's form."""
    return f"relation_{victim.pk}_{offender.pk}"


def case_workspace(
    user,
    incident: Incident,
    *,
    records: selectors.CaseRecords,
    people: CasePeople | None = None,
    today: datetime.date | None = None,
) -> Workspace:
    """The whole of ``incident`` for ``user``, from the page's ``records`` and ``people`` (or three
    queries for them), whatever its size."""
    today = today or timezone.localdate()
    people = people or case_people(user, incident)
    victims, offenders, relations = people.victims, people.offenders, people.relations
    protections = defaultdict(list)
    for protection in records.protection_measures:
        protections[protection.victim_id].append(protection)
    separations = defaultdict(list)
    for separation in sorted(records.separations, key=lambda s: (s.starts_on, s.pk)):
        latest_end = Deadline(_("separation"), separation_latest_end(separation.starts_on), separation.ends_on, today)
        separations[separation.victim_id].append((separation, latest_end))
    takedowns = records.takedowns
    cases = sorted(records.committee_cases, key=lambda case: (case.requested_on, case.pk))
    measures = sorted(records.measures, key=lambda m: (m.decided_on, m.number, m.pk))
    appeals = defaultdict(list)
    for appeal in records.appeals:
        appeals[appeal.measure_id].append(appeal)

    rows = []
    for case in cases:
        done = case.hearing_date or case.closed_on
        extension = None
        if case.extended_on is not None or (case.hearing_date is None and case.closed_on is None):
            extension = Deadline(_("extension"), extension_deadline(case.requested_on), case.extended_on, today)
        row = CommitteeCaseRow(case, Deadline(_("hearing"), case.hearing_deadline, done, today), extension)
        by_offender = defaultdict(list)
        for measure in measures:
            if measure.committee_case_id != case.pk:
                continue
            measure.committee_case = case
            its_appeals = appeals.get(measure.pk, [])
            by_offender[measure.offender_id].append(
                MeasureRow(
                    measure=measure,
                    appeals=its_appeals,
                    carry_out=Deadline(
                        _("carrying out"), carry_out_deadline(measure.decided_on), measure.carried_out_on, today
                    ),
                    appeal_by=Deadline(
                        _("appeal"),
                        appeal_deadline(measure.decided_on, measure.notified_on),
                        min((a.filed_on for a in its_appeals), default=None),
                        today,
                    ),
                    superseded=any(a.outcome in Appeal.SUPERSEDING_OUTCOMES for a in its_appeals),
                    pending_appeal=any(a.outcome == Appeal.Outcome.PENDING for a in its_appeals),
                )
            )
        row.measures_by_offender = [(o, by_offender[o.pk]) for o in offenders if by_offender.get(o.pk)]
        rows.append(row)
    victim_appeals = _victim_appeals(records, cases, measures, today)
    return Workspace(
        incident=incident,
        victims=[
            VictimRow(
                victim,
                protections.get(victim.pk, []),
                separations.get(victim.pk, []),
                victim_appeals(victim),
            )
            for victim in victims
        ],
        offenders=offenders,
        relations=relations,
        takedowns=takedowns,
        committee_cases=rows,
        today=today,
    )


def _victim_appeals(records: selectors.CaseRecords, cases: list[CommitteeCase], measures: list[Measure], today):
    """A victim's appeal periods, one per decided committee case (``VictimRow.appeals``).

    The decision's day is its first measure as imposed (``rules.decision_date``, here from the
    page's records); the period is met by the first appeal a victim's side filed against any of its
    measures (an appeal names the side, not the victim: ``VictimNoticeQuerySet.without_victims_appeal``).
    """
    notices = {(notice.committee_case_id, notice.victim_id): notice for notice in records.victim_notices}
    decided = []
    for case in cases:
        imposed = [m.decided_on for m in measures if m.committee_case_id == case.pk and not m.ordered_by_appeal_id]
        appealed = [
            appeal.filed_on
            for appeal in records.appeals
            if appeal.measure.committee_case_id == case.pk and appeal.appellant == Appeal.Appellant.VICTIM
        ]
        if imposed:
            decided.append((case, min(imposed), min(appealed, default=None)))

    def of(victim: Victim) -> list[VictimAppeal]:
        periods = []
        for case, decided_on, appealed_on in decided:
            notice = notices.get((case.pk, victim.pk))
            due = appeal_deadline(decided_on, notice.notified_on if notice else None)
            periods.append(VictimAppeal(case, notice, Deadline(_("appeal"), due, appealed_on, today)))
        return periods

    return of
