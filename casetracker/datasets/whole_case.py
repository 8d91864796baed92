"""One whole case, of a given size, for the case page's query-count test and its bench.

Victims and offenders (half each), every offender's relation to every victim, a protection
measure per victim, a separation, a takedown request, a heard committee case with the measures
shared out over the offenders, and an appeal on the first measure. Each record is saved through
``services.save_record`` (the models' rules; the triggers store the case's status).
"""

import datetime

from casetracker.cases import services
from casetracker.cases.law import FIRST_MEASURE_BY_LAW
from casetracker.cases.models import (
    Appeal,
    CommitteeCase,
    Incident,
    Measure,
    Offender,
    OffenderVictimRelation,
    ProtectionMeasure,
    Separation,
    TakedownRequest,
    Victim,
)
from casetracker.core.dates import days_after
from casetracker.core.models import Committee


def add_whole_case(*, incident: Incident, committee: Committee, people: int = 10, measures: int = 10) -> Incident:
    """Fill ``incident`` (saved, with no people yet) with a whole case of ``people`` and ``measures``."""
    save = lambda record: services.save_record(record=record, actor=None)  # noqa: E731
    level, start = incident.school.level, incident.report_date
    victims = [
        save(Victim(incident=incident, code=f"V{n + 1}", kind=Victim.Kind.STUDENT, school_level=level, grade=2))
        for n in range(people // 2)
    ]
    offenders = [
        save(Offender(incident=incident, code=f"O{n + 1}", kind=Offender.Kind.STUDENT, school_level=level, grade=2))
        for n in range(people - len(victims))
    ]
    for offender in offenders:
        for victim in victims:
            save(OffenderVictimRelation(offender=offender, victim=victim, relation="classmate"))
    for victim in victims:
        save(ProtectionMeasure(victim=victim, number=ProtectionMeasure.Number.COUNSELLING, ordered_on=start))
    save(Separation(incident=incident, offender=offenders[0], victim=victims[0], starts_on=start, ends_on=start))
    save(TakedownRequest(incident=incident, platform=TakedownRequest.Platform.TELEGRAM, requested_on=start))
    case = save(
        CommitteeCase(
            incident=incident,
            committee=committee,
            requested_on=days_after(start, 3),
            hearing_date=days_after(start, 17),
        )
    )
    decided = [
        save(
            Measure(
                committee_case=case,
                offender=offenders[n % len(offenders)],
                number=FIRST_MEASURE_BY_LAW[case.law] + n // len(offenders),
                decided_on=case.hearing_date,
            )
        )
        for n in range(measures)
    ]
    filed_on = min(days_after(case.hearing_date, 10), datetime.date.today())
    save(Appeal(measure=decided[0], appellant=Appeal.Appellant.OFFENDER, filed_on=filed_on))
    return incident
