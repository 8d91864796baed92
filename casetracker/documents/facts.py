"""What a document may say of a case, read once from the records: a snapshot the letters are written from.

``case_facts`` reads the case through the case selectors (the user's scope) in a fixed number of
queries, whatever the size of the case; the letters (``letters.py``) are pure functions of the
snapshot, so that nothing in a letter is typed by hand and the benchmark can build one in memory.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import translation

from casetracker.cases import selectors
from casetracker.cases.law import measure_label
from casetracker.cases.models import Incident, Measure, Offender, Victim


@dataclass(frozen=True)
class PersonFacts:
    pk: int
    code: str
    name: str
    kind: str  # Victim.Kind / Offender.Kind value
    kind_label: str
    school_level_label: str = ""
    grade: int | None = None

    @property
    def is_student(self) -> bool:
        return self.kind == "student"

    @property
    def shown_name(self) -> str:
        """The name when recorded, else the case code (names are optional)."""
        return self.name or self.code


@dataclass(frozen=True)
class MeasureFacts:
    pk: int
    offender_pk: int
    law: str
    number: int
    label: str
    decided_on: datetime.date
    days: int | None = None
    hours: int | None = None


@dataclass(frozen=True)
class CommitteeFacts:
    pk: int
    committee_name: str
    is_school_violence: bool
    requested_on: datetime.date
    hearing_scheduled_on: datetime.date | None
    hearing_date: datetime.date | None
    measures: tuple[MeasureFacts, ...] = ()

    def measures_of(self, offender_pk: int) -> tuple[MeasureFacts, ...]:
        return tuple(measure for measure in self.measures if measure.offender_pk == offender_pk)

    @property
    def decided_on(self) -> datetime.date | None:
        return min((measure.decided_on for measure in self.measures), default=None)


@dataclass(frozen=True)
class SeparationFacts:
    pk: int
    offender_pk: int
    victim_pk: int
    starts_on: datetime.date
    ends_on: datetime.date


@dataclass(frozen=True)
class TakedownFacts:
    pk: int
    platform_label: str
    requested_on: datetime.date


@dataclass(frozen=True)
class Letterhead:
    """The office's own text (``OfficeLetterhead``), or the office's name alone."""

    office_name: str
    sender: str = ""
    contact: str = ""
    footer: str = ""
    hearing_place: str = ""


@dataclass(frozen=True)
class CaseFacts:
    pk: int
    case_number: str
    office_id: int
    school_name: str
    school_level_label: str
    report_date: datetime.date
    content_kind_label: str
    image_source_label: str
    channel_labels: tuple[str, ...]
    police_referred_on: datetime.date | None
    letterhead: Letterhead
    victims: tuple[PersonFacts, ...] = ()
    offenders: tuple[PersonFacts, ...] = ()
    committee_cases: tuple[CommitteeFacts, ...] = ()
    separations: tuple[SeparationFacts, ...] = ()
    takedowns: tuple[TakedownFacts, ...] = ()
    names: frozenset[str] = field(default=frozenset())

    def victim(self, pk: int) -> PersonFacts:
        return next(person for person in self.victims if person.pk == pk)

    def offender(self, pk: int) -> PersonFacts:
        return next(person for person in self.offenders if person.pk == pk)


def _person(person, kind_choices) -> PersonFacts:
    return PersonFacts(
        pk=person.pk,
        code=person.code,
        name=person.name,
        kind=person.kind,
        kind_label=str(kind_choices(person.kind).label),
        school_level_label=person.get_school_level_display() if person.school_level else "",
        grade=person.grade,
    )


def case_facts(user, incident: Incident, *, letterhead: Letterhead) -> CaseFacts:
    """The snapshot of ``incident`` (already fetched through ``user``'s scope), in Korean.

    Eight queries: the incident with its school, its channels, victims, offenders, committee
    cases, their original measures (as the committee decided them, before any appeal),
    separations and takedown requests.
    """
    with translation.override("ko"):
        incident = (
            selectors.incidents_for(user).select_related("school").prefetch_related("channels").get(pk=incident.pk)
        )
        victims = tuple(_person(v, Victim.Kind) for v in selectors.victims_for(user).filter(incident=incident))
        offenders = tuple(_person(o, Offender.Kind) for o in selectors.offenders_for(user).filter(incident=incident))
        measures = selectors.measures_for(user).original().order_by("offender__code", "law", "number", "pk")
        committee_cases = (
            selectors.committee_cases_for(user)
            .filter(incident=incident)
            .select_related("committee")
            .prefetch_related(Prefetch("measures", queryset=measures, to_attr="original_measures"))
            .order_by("requested_on", "pk")
        )
        committees = tuple(
            CommitteeFacts(
                pk=case.pk,
                committee_name=case.committee.name_ko,
                is_school_violence=case.committee.kind == "school_violence",
                requested_on=case.requested_on,
                hearing_scheduled_on=case.hearing_scheduled_on,
                hearing_date=case.hearing_date,
                measures=tuple(_measure(measure) for measure in case.original_measures),
            )
            for case in committee_cases
        )
        separations = tuple(
            SeparationFacts(s.pk, s.offender_id, s.victim_id, s.starts_on, s.ends_on)
            for s in selectors.separations_for(user).filter(incident=incident).order_by("starts_on", "pk")
        )
        takedowns = tuple(
            TakedownFacts(t.pk, t.get_platform_display(), t.requested_on)
            for t in selectors.takedown_requests_for(user).filter(incident=incident).order_by("requested_on", "pk")
        )
        return CaseFacts(
            pk=incident.pk,
            case_number=incident.case_number,
            office_id=incident.office_id,
            school_name=incident.school.name_ko,
            school_level_label=incident.school.get_level_display(),
            report_date=incident.report_date,
            content_kind_label=incident.get_content_kind_display(),
            image_source_label=incident.get_image_source_display() if incident.image_source else "",
            channel_labels=tuple(channel.name_ko for channel in incident.channels.all()),
            police_referred_on=incident.police_referred_on,
            letterhead=letterhead,
            victims=victims,
            offenders=offenders,
            committee_cases=committees,
            separations=separations,
            takedowns=takedowns,
            names=frozenset(person.name for person in (*victims, *offenders) if person.name),
        )


def _measure(measure: Measure) -> MeasureFacts:
    return MeasureFacts(
        pk=measure.pk,
        offender_pk=measure.offender_id,
        law=measure.law,
        number=measure.number,
        label=measure_label(measure.law, measure.number),
        decided_on=measure.decided_on,
        days=measure.days,
        hours=measure.hours,
    )
