"""Cases: an incident, its people, its committee cases, their measures and appeals.

One module per concept, each read at once: ``base`` (the base model, the window of the dates
entered, the status choices), ``querysets`` (scoping and the measures' finality), ``incident``
(incidents and takedown requests), ``people`` (victims, offenders, their relations, protection
and separation), ``committee`` (committee cases and measures), ``appeals`` (appeals, and the
victims' notices of a decision, from which their own appeal runs). The law they follow
(measures, tiers, periods) is ``casetracker/cases/law.py``; the checks that span records are
``casetracker/cases/rules.py``, which every ``clean()`` calls. Rules one table can hold are also
database constraints, the safety net for every other path. The deepfake content itself is never
stored: only a description.

Every public name is importable from here (``from casetracker.cases.models import Measure``).
"""

from ..law import (
    ART17_TIER_NUMBERS,
    EXPULSION_BY_LAW,
    HEARING_DAYS,
    MEASURES_BY_LAW,
    SEPARATION_MAX_DAYS,
    Art17Measure,
    Art25Measure,
    Law,
    Tier,
    measure_label,
)
from ..law import HEARING_EXTENSION_DAYS as EXTENSION_DAYS
from ..rules import validate_measure_for_offender
from .appeals import Appeal, VictimNotice
from .base import (
    DATES_FROM_2000,
    DERIVED_INCIDENT_FIELDS,
    GRADE_RANGE,
    GRADUATION,
    HAPPENED,
    PLANNED,
    PLANNED_DAYS_AHEAD,
    SEPARATION_END,
    CaseRecord,
    ClosureReason,
    Status,
)
from .committee import LAW_BY_COMMITTEE_KIND, CommitteeCase, Measure
from .generation import OfficeYearGeneration, PendingGeneration
from .incident import Incident, TakedownRequest
from .open_work import NO_LOCAL_OFFICE, OPEN_WORK_FIELDS, OpenWork, OpenWorkKind, PendingOpenWork
from .people import Offender, OffenderVictimRelation, Person, ProtectionMeasure, Separation, Victim
from .querysets import (
    AppealQuerySet,
    CaseQuerySet,
    IncidentQuerySet,
    MeasureQuerySet,
    ProtectionMeasureQuerySet,
    RelationQuerySet,
    VictimNoticeQuerySet,
)

__all__ = [
    "ART17_TIER_NUMBERS",
    "DATES_FROM_2000",
    "DERIVED_INCIDENT_FIELDS",
    "EXPULSION_BY_LAW",
    "EXTENSION_DAYS",
    "GRADE_RANGE",
    "GRADUATION",
    "HAPPENED",
    "HEARING_DAYS",
    "LAW_BY_COMMITTEE_KIND",
    "MEASURES_BY_LAW",
    "NO_LOCAL_OFFICE",
    "OPEN_WORK_FIELDS",
    "PLANNED",
    "PLANNED_DAYS_AHEAD",
    "SEPARATION_END",
    "SEPARATION_MAX_DAYS",
    "Appeal",
    "AppealQuerySet",
    "Art17Measure",
    "Art25Measure",
    "CaseQuerySet",
    "CaseRecord",
    "ClosureReason",
    "CommitteeCase",
    "Incident",
    "IncidentQuerySet",
    "Law",
    "Measure",
    "MeasureQuerySet",
    "Offender",
    "OffenderVictimRelation",
    "OfficeYearGeneration",
    "OpenWork",
    "OpenWorkKind",
    "PendingGeneration",
    "PendingOpenWork",
    "Person",
    "ProtectionMeasure",
    "ProtectionMeasureQuerySet",
    "RelationQuerySet",
    "Separation",
    "Status",
    "TakedownRequest",
    "Tier",
    "Victim",
    "VictimNotice",
    "VictimNoticeQuerySet",
    "measure_label",
    "validate_measure_for_offender",
]
