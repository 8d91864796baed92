"""The incidents of the plan, drawn before any row is written: which year, office, committee,
school level, victims, offenders and final measures each one has, so that the counts come out
exactly as the plan says (casetracker/datasets/published/plan.py)."""

import datetime
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .plan import (
    LEVEL_WEIGHTS,
    MEASURES_BY_OFFICE,
    OFFICE_WEIGHTS,
    SEPTEMBER_2024,
    SEPTEMBER_2024_REFERRED,
    SURVEY_LEVELS,
    SURVEY_PERIOD,
    SURVEY_VICTIMS,
    SV_HEARD,
    SV_OFFENDING_STUDENTS,
    SV_PERIODS,
    SV_REFERRED,
    SV_SANCTIONED,
    SV_STUDENT_VICTIMS,
    TR_HEARD,
    TR_REPORTS,
    TR_STUDENT_OFFENDERS,
    TR_TEACHER_VICTIMS,
    UNREFERRED,
    D,
)


def split(total: int, weights: Iterable[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder): exact and stable."""
    weights = list(weights)
    scale = sum(weights)
    exact = [total * w / scale for w in weights]
    parts = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


@dataclass
class PlannedIncident:
    """One incident as planned, before its rows are written."""

    year: int
    category: str  # "sv", "tr", "unreferred"
    office: str
    start: datetime.date
    end: datetime.date
    level: str | None = None
    packages: list[list[int]] = field(default_factory=list)  # final Art. 17 measures per sanctioned offender
    extra_students: int = 0  # offending students without measures
    student_victims: int = 0
    teacher_victims: int = 0
    staff_victims: int = 0
    heard: bool = False
    pending: bool = False  # referred, hearing still to come
    in_survey: bool = False
    report_date: datetime.date | None = None


class Planner:
    """Draws the incidents of the plan with one seeded random generator."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)  # noqa: S311 -- reproducible sample data, not secrets

    # helpers -----------------------------------------------------------------------------
    def pick(self, weights: dict[str, float]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def spread(self, total: int, slots: int, *, minimum: int = 0, cap: int = 8) -> list[int]:
        """``total`` units over ``slots``, each at least ``minimum`` and at most ``cap``."""
        counts = [minimum] * slots
        for _ in range(total - minimum * slots):
            open_slots = [i for i in range(slots) if counts[i] < cap]
            counts[self.rng.choice(open_slots)] += 1
        return counts

    def measure_packages(self, office: str, sanctioned: int) -> list[list[int]]:
        """Split an office's final measures among ``sanctioned`` offenders: distinct
        numbers per offender, at most one heavy measure each."""
        total, off_record, heavy, expulsions = MEASURES_BY_OFFICE[office]
        recorded = total - off_record - heavy
        n7, n8 = split(heavy - expulsions, [40, 60])
        n4, n5, n6 = split(recorded, [25, 50, 25])
        n1, n2, n3 = split(off_record, [35, 45, 20])
        packages: list[list[int]] = [[] for _ in range(sanctioned)]
        heavy_numbers = [9] * expulsions + [8] * n8 + [7] * n7
        for package, number in zip(packages, heavy_numbers, strict=False):
            package.append(number)
        rest = [5] * n5 + [6] * n6 + [4] * n4 + [2] * n2 + [1] * n1 + [3] * n3
        for number in rest:
            open_packages = [p for p in packages if number not in p]
            smallest = min(len(p) for p in open_packages)
            self.rng.choice([p for p in open_packages if len(p) == smallest]).append(number)
        for package in packages:
            package.sort()
        return packages

    def plan(self) -> list[PlannedIncident]:
        rng = self.rng
        planned: list[PlannedIncident] = []
        # Heard school-violence cases, built from the measures: office totals are exact.
        sanctioned_by_office = split(sum(SV_SANCTIONED.values()), [m[0] for m in MEASURES_BY_OFFICE.values()])
        packages = [
            (office, package)
            for office, count in zip(MEASURES_BY_OFFICE, sanctioned_by_office, strict=True)
            for package in self.measure_packages(office, count)
        ]
        rng.shuffle(packages)
        start = 0
        for year, count in SV_SANCTIONED.items():
            year_packages = packages[start : start + count]
            start += count
            by_office: dict[str, list[list[int]]] = defaultdict(list)
            for office, package in year_packages:
                by_office[office].append(package)
            cases = dict.fromkeys(by_office, 1)
            while sum(cases.values()) < SV_HEARD[year]:
                open_offices = [o for o in by_office if cases[o] < len(by_office[o])]
                cases[rng.choice(open_offices)] += 1
            first, last = SV_PERIODS[year]
            if year == 2024:
                last = D(2024, 7, 10)  # heard and decided by the end of September
            for office, office_packages in by_office.items():
                rng.shuffle(office_packages)
                cuts = sorted(rng.sample(range(1, len(office_packages)), cases[office] - 1))
                for low, high in zip([0, *cuts], [*cuts, len(office_packages)], strict=True):
                    group = office_packages[low:high]
                    planned.append(
                        PlannedIncident(
                            year,
                            "sv",
                            office,
                            first,
                            last,
                            level="high" if any(9 in p for p in group) else None,
                            packages=group,
                            heard=True,
                        )
                    )
        # School-violence cases referred but not heard (closed, or still waiting).
        offices, weights = list(OFFICE_WEIGHTS), list(OFFICE_WEIGHTS.values())
        for year, referred in SV_REFERRED.items():
            unheard = referred - SV_HEARD[year]
            first, last = SV_PERIODS[year]
            extra = SV_OFFENDING_STUDENTS[year] - SV_SANCTIONED[year]
            with_students = min(unheard, math.ceil(extra / 1.5))
            students = self.spread(extra, with_students, minimum=1, cap=3) + [0] * (unheard - with_students)
            for count in students:
                planned.append(
                    PlannedIncident(year, "sv", rng.choices(offices, weights)[0], first, last, extra_students=count)
                )
            year_cases = [p for p in planned if p.category == "sv" and p.year == year]
            heard = [p for p in year_cases if p.heard]
            victims = self.spread(SV_STUDENT_VICTIMS[year] - len(heard), len(year_cases), cap=7)
            for case, count in zip(year_cases, victims, strict=True):
                case.student_victims = count + (1 if case.heard else 0)
        # Teacher rights committees.
        for year, reports in TR_REPORTS.items():
            first, last = SV_PERIODS[year]
            teachers = self.spread(TR_TEACHER_VICTIMS[year], reports, minimum=1, cap=4)
            students = self.spread(TR_STUDENT_OFFENDERS[year], reports, minimum=1, cap=5)
            for i in range(reports):
                heard = i < TR_HEARD[year]
                planned.append(
                    PlannedIncident(
                        year,
                        "tr",
                        rng.choices(offices, weights)[0],
                        first,
                        D(2024, 7, 10) if heard and year == 2024 else last,
                        level=rng.choice(["middle", "high"]),
                        extra_students=students[i],
                        teacher_victims=teachers[i],
                        heard=heard,
                    )
                )
        # Never referred; and the September 2024 reports.
        for year, count in UNREFERRED.items():
            first, last = SV_PERIODS[year]
            for _ in range(count):
                planned.append(PlannedIncident(year, "unreferred", rng.choices(offices, weights)[0], first, last))
        for i in range(SEPTEMBER_2024):
            category = "sv" if i < SEPTEMBER_2024_REFERRED else "unreferred"
            office = rng.choices(offices, weights)[0]
            planned.append(PlannedIncident(2024, category, office, D(2024, 9, 1), SURVEY_PERIOD[1], pending=True))
        self.plan_survey(planned)
        for incident in planned:
            if incident.level is None:
                incident.level = self.pick(LEVEL_WEIGHTS)
        return planned

    def plan_survey(self, planned: list[PlannedIncident]) -> None:
        """School levels and victims of the 2024 survey window, to the ministry's figures."""
        survey = [p for p in planned if p.year == 2024]
        assert len(survey) == sum(SURVEY_LEVELS.values()), len(survey)
        for incident in survey:
            incident.in_survey = True
        # Levels already fixed (expulsions need a high school; teacher-rights cases) count first.
        remaining = Counter(SURVEY_LEVELS)
        remaining.subtract(p.level for p in survey if p.level)
        levels = [level for level, count in remaining.items() for _ in range(count)]
        self.rng.shuffle(levels)
        free = [p for p in survey if p.level is None]
        for incident, level in zip(free, levels, strict=True):
            incident.level = level
        # Victims of incidents referred nowhere in the window (and of September's).
        others = [p for p in survey if p.category == "unreferred" or p.pending]
        table_a_students = sum(p.student_victims for p in survey if p.category == "sv" and not p.pending)
        students = self.spread(SURVEY_VICTIMS["student"] - table_a_students, len(others), cap=6)
        for incident, count in zip(others, students, strict=True):
            incident.student_victims = count
        teacher_tr = sum(p.teacher_victims for p in survey if p.category == "tr")
        for kind, count in (("teacher", SURVEY_VICTIMS["teacher"] - teacher_tr), ("staff", SURVEY_VICTIMS["staff"])):
            for incident in self.rng.sample([p for p in others if p.category == "unreferred"], count):
                setattr(incident, f"{kind}_victims", getattr(incident, f"{kind}_victims") + 1)
        for incident in others:
            if self.rng.random() < 0.6:
                incident.extra_students = self.rng.randint(1, 3)
