"""The printable case summary (사안 요약): one A4 sheet of a case, in Korean, from the case page.

What it holds: the case's number, office and school; the timeline of its records
(``selectors.case_timeline``: report, police, takedowns, referrals, hearings, decisions, carrying
out, appeals, closure); its people by their codes and the relations of each pair; the measures of
each offender with their status; every deadline as the case page shows it (the workspace's own
``Deadline`` objects, not worked out again); and the case's documents (the register).

The sheet leaves the office, so it carries no name, whoever prints it: people by code only (their
names are never read here, even for the office's clerks, who see them on the case page), no
account's name (a document's issuer is left out), and the free text (the description, the reason
for an extension) in the protected form at most (``visibility.shown_outside_office``).

Who may print it is who may open the case page: the page's own admin fetches the case
(``IncidentAdmin.get_object``: the user's scope, a case outside it refused and logged) and checks
its view permission; each print is on the access log, as each view of the case page is.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from casetracker.cases import selectors, visibility
from casetracker.cases.admin.workspace import Deadline, MeasureRow, Workspace, case_people, case_workspace
from casetracker.cases.models import Appeal, Incident, Offender, Victim
from casetracker.core.formatting import format_date

from .models import Document
from .services import documents_for

# The access log's detail of a print (in English, as the code writes every detail).
PRINTED = "case summary printed, names excluded"


@dataclass(frozen=True)
class DeadlineLine:
    """A deadline of the case, with what it is the deadline of (a committee, a measure, a separation)."""

    of: str
    deadline: Deadline


@dataclass(frozen=True)
class MeasureLine:
    committee: str
    offender: Offender
    row: MeasureRow

    @property
    def status(self) -> str:
        measure = self.row.measure
        if self.row.superseded:
            return _("changed or revoked on appeal")
        if self.row.pending_appeal:
            return _("under appeal")
        if measure.carried_out_on:
            return _("carried out on %(date)s") % {"date": format_date(measure.carried_out_on)}
        return _("to be carried out")

    @property
    def appeals(self) -> list[Appeal]:
        return self.row.appeals


@dataclass(frozen=True)
class CaseSummary:
    incident: Incident
    description: str
    timeline: list[selectors.TimelineEntry]
    workspace: Workspace
    relation_grid: list[tuple[Victim, list[str]]]
    measures: list[MeasureLine]
    deadlines: list[DeadlineLine]
    documents: list[Document]
    printed_on: datetime.date

    @property
    def victims(self):
        return self.workspace.victims

    @property
    def offenders(self) -> list[Offender]:
        return self.workspace.offenders


def case_summary(user, incident: Incident, *, today: datetime.date | None = None) -> CaseSummary:
    """The sheet of ``incident`` for ``user`` (who may open its page): a fixed number of queries
    however large the case (the case page's reads, the case's people once, the register)."""
    today = today or timezone.localdate()
    people = visibility.CasePeople()
    records = selectors.case_records(user, incident)
    case_people_rows = case_people(user, incident)
    workspace = case_workspace(user, incident, records=records, people=case_people_rows, today=today)
    timeline = selectors.case_timeline(user, incident, people=people, records=records, outside_office=True)
    description = visibility.shown_outside_office(
        user,
        Incident,
        "content_description",
        incident.content_description,
        office_id=incident.office_id,
        incident_id=incident.pk,
        people=people,
    )
    grid = [
        (
            row.victim,
            [
                relation.get_relation_display() if (relation := workspace.relations.get((row.victim.pk, o.pk))) else "-"
                for o in workspace.offenders
            ],
        )
        for row in workspace.victims
    ]
    measures, deadlines = [], []
    for case_row in workspace.committee_cases:
        committee = str(case_row.case.committee)
        deadlines.append(DeadlineLine(committee, case_row.hearing))
        if case_row.extension is not None and not case_row.case.extended_on and case_row.is_open:
            deadlines.append(DeadlineLine(committee, case_row.extension))
        for offender, rows in case_row.measures_by_offender:
            for row in rows:
                measures.append(MeasureLine(committee, offender, row))
                of = f"{offender.code}: {row.measure}"
                if not row.superseded:
                    deadlines.append(DeadlineLine(of, row.carry_out))
                deadlines.append(DeadlineLine(of, row.appeal_by))
    for victim_row in workspace.victims:
        for separation, latest_end in victim_row.separations:
            deadlines.append(DeadlineLine(f"{separation.offender.code} / {victim_row.victim.code}", latest_end))
        for period in victim_row.appeals:  # the victim's side's own appeal period against each decision
            deadlines.append(DeadlineLine(f"{victim_row.victim.code}: {period.case.committee}", period.deadline))
    documents = list(
        documents_for(user)
        .filter(incident=incident)
        .select_related("offender", "victim", "delivery")
        .order_by("created_at", "pk")
    )
    return CaseSummary(
        incident=incident,
        description=description,
        timeline=timeline,
        workspace=workspace,
        relation_grid=grid,
        measures=measures,
        deadlines=sorted(deadlines, key=lambda line: (line.deadline.due, line.of)),
        documents=documents,
        printed_on=today,
    )
