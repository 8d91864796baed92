"""The shipped dataset: reference data and one coherent set of deepfake cases.

``build(seed)`` returns fixture rows from which every figure of domain.md's tables A,
B and C follows by counting rows with the stated filters. The plan below holds the
targets the rows are drawn to; nothing in the application reads it, and no count is
stored: the tests and the reports count the loaded rows. The same seed gives the same
rows, so the committed fixtures can be checked against a fresh build.

Schools are fictional ("예시" means example); local offices, committees and the 17
offices of education are the real ones.
"""

import datetime
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from casetracker.core.data.local_offices import LOCAL_OFFICES
from casetracker.core.data.offices import CHANNELS, OFFICES

DEFAULT_SEED = 20240930
# The dataset describes the situation on the day of the press report.
AS_OF = datetime.date(2024, 9, 30)
TIMESTAMP = "2024-09-30T00:00:00Z"
D = datetime.date

# --- The plan -------------------------------------------------------------------------
# Table A: school violence review committees, by report year (2024 = to 31 August).
SV_PERIODS = {2022: (D(2022, 1, 1), D(2022, 12, 31)), 2023: (D(2023, 1, 1), D(2023, 12, 31))}
SV_PERIODS[2024] = (D(2024, 1, 1), D(2024, 8, 31))
SV_REFERRED = {2022: 60, 2023: 119, 2024: 241}
SV_HEARD = {2022: 29, 2023: 80, 2024: 107}
SV_OFFENDING_STUDENTS = {2022: 50, 2023: 118, 2024: 260}
SV_STUDENT_VICTIMS = {2022: 48, 2023: 187, 2024: 536}  # 2023: the dataset's choice
# Offenders who received measures, per year (the dataset's choice; the rest of the
# offending students are in cases not heard, or not yet heard).
SV_SANCTIONED = {2022: 40, 2023: 100, 2024: 191}
# Final Art. 17 measures per office: (all, measures 1-3, measures 7-9, of which expulsions).
# Gyeonggi and Seoul are published; the others are the dataset's choice and add up to
# the national 629 / 347 / 99 / 2.
MEASURES_BY_OFFICE = {
    "seoul": (89, 50, 8, 0),
    "busan": (55, 30, 11, 0),
    "daegu": (30, 17, 6, 0),
    "incheon": (45, 25, 9, 1),
    "gwangju": (14, 8, 3, 0),
    "daejeon": (15, 8, 3, 0),
    "ulsan": (10, 6, 2, 0),
    "sejong": (5, 3, 1, 0),
    "gyeonggi": (181, 100, 21, 0),
    "gangwon": (18, 10, 3, 0),
    "chungbuk": (17, 9, 3, 0),
    "chungnam": (27, 15, 5, 0),
    "jeonbuk": (20, 11, 4, 0),
    "jeonnam": (16, 9, 3, 0),
    "gyeongbuk": (26, 14, 5, 0),
    "gyeongnam": (48, 25, 10, 1),
    "jeju": (13, 7, 2, 0),
}
# Table B: the ministry's survey, every incident reported 2024-01-01 to 2024-09-27.
SURVEY_PERIOD = (D(2024, 1, 1), D(2024, 9, 27))
SURVEY_LEVELS = {"high": 279, "middle": 209, "elementary": 16}
SURVEY_POLICE = 417
SURVEY_TAKEDOWNS = 218
SURVEY_VICTIMS = {"student": 799, "teacher": 31, "staff": 3}
# Table C: teacher rights protection committees, by report year (2024 = to 31 August).
TR_REPORTS = {2023: 8, 2024: 20}
TR_TEACHER_VICTIMS = {2023: 12, 2024: 21}
TR_STUDENT_OFFENDERS = {2023: 10, 2024: 36}
TR_HEARD = {2023: 6, 2024: 12}  # the dataset's choice
TR_LOCAL_COMMITTEES_FROM = D(2024, 3, 28)
# Incidents never referred to a committee (the dataset's choice), and the September
# 2024 reports inside the survey window (some already referred, none heard yet).
UNREFERRED = {2022: 12, 2023: 25, 2024: 133}
SEPTEMBER_2024 = 110
SEPTEMBER_2024_REFERRED = 40

OFFICE_WEIGHTS = {
    "seoul": 16,
    "busan": 6,
    "daegu": 5,
    "incheon": 6,
    "gwangju": 3,
    "daejeon": 3,
    "ulsan": 2,
    "sejong": 1,
    "gyeonggi": 28,
    "gangwon": 3,
    "chungbuk": 3,
    "chungnam": 4,
    "jeonbuk": 3,
    "jeonnam": 3,
    "gyeongbuk": 4,
    "gyeongnam": 6,
    "jeju": 1,
}
LEVEL_WEIGHTS = {"high": 50, "middle": 44, "elementary": 4, "special": 2}
CONTENT_WEIGHTS = {"sexual_image": 75, "sexual_video": 15, "other_composite": 10}
SOURCE_WEIGHTS = {
    "social_profile": 50,
    "messenger_profile": 20,
    "school_photo": 15,
    "taken_covertly": 5,
    "unknown": 8,
    "other": 2,
}
CHANNEL_WEIGHTS = {
    "group_chat": 40,
    "telegram": 30,
    "anonymous_app": 10,
    "social_dm": 20,
    "humiliation_room": 15,
    "in_person": 10,
}
PLATFORM_WEIGHTS = {"telegram": 35, "kakaotalk": 20, "instagram": 20, "x": 10, "discord": 8, "youtube": 2, "other": 5}
TAKEDOWN_OUTCOME_WEIGHTS = {"removed": 55, "refused": 10, "no_answer": 15, "requested": 20}
MAX_GRADE = {"elementary": 6, "middle": 3, "high": 3, "special": 12}
LEVEL_KO = {"elementary": "초등학교", "middle": "중학교", "high": "고등학교", "special": "특수학교"}
LEVEL_EN = {"elementary": "Elementary School", "middle": "Middle School", "high": "High School"}
LEVEL_EN["special"] = "Special School"
SCHOOLS_PER_LOCAL_OFFICE = {"elementary": 1, "middle": 2, "high": 2}


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


class Builder:
    """Draws the rows of the plan with one seeded random generator."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)  # noqa: S311 -- reproducible sample data, not secrets
        self.rows: dict[str, list[dict]] = defaultdict(list)
        self.pk: Counter = Counter()

    # helpers -----------------------------------------------------------------------------
    def add(self, model: str, **fields) -> int:
        self.pk[model] += 1
        pk = self.pk[model]
        fields.setdefault("created_at", TIMESTAMP)
        fields.setdefault("updated_at", TIMESTAMP)
        self.rows[model].append({"model": model, "pk": pk, "fields": fields})
        return pk

    def pick(self, weights: dict[str, float]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def date_between(self, start: datetime.date, end: datetime.date) -> datetime.date:
        return start + datetime.timedelta(days=self.rng.randint(0, (end - start).days))

    def later(self, day: datetime.date, low: int, high: int) -> datetime.date:
        return day + datetime.timedelta(days=self.rng.randint(low, high))

    def spread(self, total: int, slots: int, *, minimum: int = 0, cap: int = 8) -> list[int]:
        """``total`` units over ``slots``, each at least ``minimum`` and at most ``cap``."""
        counts = [minimum] * slots
        for _ in range(total - minimum * slots):
            open_slots = [i for i in range(slots) if counts[i] < cap]
            counts[self.rng.choice(open_slots)] += 1
        return counts

    # reference data --------------------------------------------------------------------------
    def build_reference(self) -> None:
        self.office_pk, self.sv_committee, self.tr_committee, self.tr_provincial = {}, {}, {}, {}
        self.schools: dict[tuple[str, str], list[tuple[int, int | None]]] = defaultdict(list)
        self.local_offices: dict[str, list[int]] = defaultdict(list)
        for order, (code, name_en, name_ko) in enumerate(OFFICES, start=1):
            self.office_pk[code] = self.add(
                "core.office", code=code, name_en=name_en, name_ko=name_ko, sort_order=order
            )
        self.channel_pk = {}
        for order, (code, name_en, name_ko) in enumerate(CHANNELS, start=1):
            self.channel_pk[code] = self.add(
                "core.channel", code=code, name_en=name_en, name_ko=name_ko, sort_order=order
            )
        for code, name_en, name_ko in OFFICES:
            office = self.office_pk[code]
            prefix_ko = name_ko.removesuffix("교육청")
            self.tr_provincial[code] = self.add(
                "core.committee",
                kind="teacher_rights",
                office=office,
                local_office=None,
                name_ko=f"{prefix_ko} 교권보호위원회",
                name_en=f"{name_en} Teacher Rights Protection Committee",
            )
            places = LOCAL_OFFICES[code] or ((None, name_ko, name_en),)
            for local_code, local_ko, local_en in places:
                local = None
                if local_code is not None:
                    local = self.add(
                        "core.localoffice", office=office, code=local_code, name_ko=local_ko, name_en=local_en
                    )
                    self.local_offices[code].append(local)
                short_ko = local_ko.removeprefix(prefix_ko).removesuffix("교육지원청").removesuffix("교육청")
                short_en = local_en.removesuffix(" Office of Education").removesuffix(" District").removesuffix(" City")
                place_en = name_en if local_code is None or short_en == name_en else f"{name_en} {short_en}"
                self.sv_committee[(code, local)] = self.add(
                    "core.committee",
                    kind="school_violence",
                    office=office,
                    local_office=local,
                    name_ko=f"{local_ko} 학교폭력대책심의위원회",
                    name_en=f"{place_en} School Violence Review Committee",
                )
                if local is not None:
                    self.tr_committee[(code, local)] = self.add(
                        "core.committee",
                        kind="teacher_rights",
                        office=office,
                        local_office=local,
                        name_ko=f"{local_ko} 지역교권보호위원회",
                        name_en=f"{place_en} Local Teacher Rights Protection Committee",
                    )
                else:
                    self.tr_committee[(code, None)] = self.tr_provincial[code]
                slug = local_code or code
                for level, count in SCHOOLS_PER_LOCAL_OFFICE.items():
                    for n in range(1, count + 1):
                        school = self.add(
                            "core.school",
                            office=office,
                            local_office=local,
                            code=f"{slug}-{level[0]}{n}",
                            level=level,
                            name_ko=f"{short_ko}예시{n}{LEVEL_KO[level]}",
                            name_en=f"{place_en} Example {LEVEL_EN[level]} {n}",
                        )
                        self.schools[(code, level)].append((school, local))
            local = self.local_offices[code][0] if self.local_offices[code] else None
            school = self.add(
                "core.school",
                office=office,
                local_office=local,
                code=f"{code}-special1",
                level="special",
                name_ko=f"{prefix_ko}예시특수학교",
                name_en=f"{name_en} Example Special School",
            )
            self.schools[(code, "special")].append((school, local))

    # the plan ------------------------------------------------------------------------------
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

    # the rows ------------------------------------------------------------------------------
    def build_cases(self) -> None:
        planned = self.plan()
        # Report dates first, so that case numbers follow them within each office and year.
        for incident in planned:
            incident.report_date = self.date_between(incident.start, incident.end)
        planned.sort(key=lambda p: (p.report_date, p.office, p.category))
        survey = [p for p in planned if p.in_survey]
        police = set(map(id, self.rng.sample(survey, SURVEY_POLICE)))
        takedowns = set(map(id, self.rng.sample(survey, SURVEY_TAKEDOWNS)))
        sequence: Counter = Counter()
        self.sanctioned_measures: list[dict] = []
        for incident in planned:
            sequence[(incident.office, incident.year)] += 1
            number = f"{incident.year}-{sequence[(incident.office, incident.year)]:04d}"
            if incident.in_survey:
                has_police, takedown_count = id(incident) in police, int(id(incident) in takedowns)
            else:
                has_police = self.rng.random() < 0.7
                takedown_count = self.rng.choice([0, 0, 1, 1, 2])
            self.write_incident(incident, number, has_police, takedown_count)
        self.write_appeals()

    def write_incident(self, plan: PlannedIncident, case_number: str, police: bool, takedowns: int) -> None:
        rng = self.rng
        school, local = rng.choice(self.schools[(plan.office, plan.level)])
        channels = sorted({self.channel_pk[self.pick(CHANNEL_WEIGHTS)] for _ in range(rng.randint(1, 3))})
        report = plan.report_date
        incident = self.add(
            "cases.incident",
            office=self.office_pk[plan.office],
            school=school,
            case_number=case_number,
            report_date=report.isoformat(),
            content_kind=self.pick(CONTENT_WEIGHTS),
            content_description="",
            image_source=self.pick(SOURCE_WEIGHTS),
            channels=channels,
            police_referred_on=self.later(report, 0, 7).isoformat() if police else None,
        )
        platforms = [self.pick(PLATFORM_WEIGHTS)] if takedowns == 1 else rng.sample(list(PLATFORM_WEIGHTS), takedowns)
        for platform in platforms:
            requested = self.later(report, 0, 7)
            outcome = self.pick(TAKEDOWN_OUTCOME_WEIGHTS)
            answered = self.later(requested, 1, 14) if outcome in ("removed", "refused") else None
            self.add(
                "cases.takedownrequest",
                incident=incident,
                platform=platform,
                requested_on=requested.isoformat(),
                outcome=outcome,
                answered_on=answered.isoformat() if answered else None,
                follow_up_on=self.later(requested, 7, 7).isoformat() if outcome in ("requested", "no_answer") else None,
            )
        victims = self.write_victims(incident, plan)
        offenders = self.write_offenders(incident, plan)
        self.write_relations(offenders, victims, plan)
        if plan.category == "sv":
            self.write_sv_case(incident, plan, local, offenders, victims)
        elif plan.category == "tr":
            self.write_tr_case(incident, plan, local, offenders)

    def grade(self, level: str) -> int:
        if level == "elementary":
            return self.rng.randint(4, 6)
        return self.rng.randint(1, MAX_GRADE[level])

    def write_victims(self, incident: int, plan: PlannedIncident) -> list[tuple[int, str]]:
        victims = []
        kinds = ["student"] * plan.student_victims + ["teacher"] * plan.teacher_victims
        kinds += ["staff"] * plan.staff_victims
        for n, kind in enumerate(kinds, start=1):
            pk = self.add(
                "cases.victim",
                incident=incident,
                code=f"V{n}",
                kind=kind,
                school_level=plan.level,
                grade=self.grade(plan.level) if kind == "student" else None,
                name="",
            )
            victims.append((pk, kind))
        return victims

    def write_offenders(self, incident: int, plan: PlannedIncident) -> list[tuple[int, list[int]]]:
        """Student offenders with the final measures planned for each (none for some)."""
        offenders = []
        measures = plan.packages + [[] for _ in range(plan.extra_students)]
        for n, package in enumerate(measures, start=1):
            pk = self.add(
                "cases.offender",
                incident=incident,
                code=f"O{n}",
                kind="student",
                school_level=plan.level,
                grade=self.grade(plan.level),
                name="",
            )
            offenders.append((pk, package))
        if not offenders:
            kind = "outsider" if plan.category == "unreferred" and self.rng.random() < 0.15 else "unidentified"
            self.add("cases.offender", incident=incident, code="O1", kind=kind, school_level="", grade=None, name="")
        return offenders

    def write_relations(self, offenders, victims, plan: PlannedIncident) -> None:
        for offender, _package in offenders:
            for victim, kind in victims:
                if kind == "teacher":
                    relation = "teacher_of"
                elif kind == "staff":
                    relation = "same_school"
                else:
                    relation = self.pick({"classmate": 50, "same_school": 40, "acquaintance": 8, "stranger": 2})
                self.add("cases.offendervictimrelation", offender=offender, victim=victim, relation=relation)

    def hearing_timeline(self, requested: datetime.date, year: int) -> dict:
        """A hearing on time, after the one extension, or late (30-43 % late in 2024)."""
        late = self.rng.random() < {2022: 0.25, 2023: 0.3, 2024: 0.38}[year]
        extended = self.rng.random() < 0.2
        timeline = {"extended_on": None, "extension_reason": ""}
        if extended:
            timeline["extended_on"] = self.later(requested, 14, 21).isoformat()
            timeline["extension_reason"] = self.rng.choice(
                ["피해학생 측 요청", "가해학생 측 요청", "추가 조사 필요", "위원 일정 조정"]
            )
            hearing = self.later(requested, 29, 45) if late else self.later(requested, 21, 28)
        else:
            hearing = self.later(requested, 22, 45) if late else self.later(requested, 7, 21)
        timeline["hearing_date"] = hearing
        return timeline

    def write_sv_case(self, incident: int, plan: PlannedIncident, local, offenders, victims) -> None:
        rng = self.rng
        requested = min(self.later(plan.report_date, 2, 14), AS_OF)
        fields = {
            "incident": incident,
            "committee": self.sv_committee[(plan.office, local)],
            "requested_on": requested.isoformat(),
            "extended_on": None,
            "extension_reason": "",
            "hearing_date": None,
            "closed_on": None,
            "closure_reason": "",
        }
        if plan.heard:
            timeline = self.hearing_timeline(requested, plan.year)
            hearing = timeline.pop("hearing_date")
            fields.update(timeline, hearing_date=hearing.isoformat())
        elif not plan.pending and not (plan.year == 2024 and plan.report_date > D(2024, 7, 10)):
            closed = self.later(requested, 3, 30)
            reason = "offender_unidentified" if not offenders else rng.choice(["withdrawn", "resolved_by_principal"])
            fields.update(closed_on=closed.isoformat(), closure_reason=reason)
        case = self.add("cases.committeecase", **fields)
        if not plan.heard:
            return
        decided = self.later(hearing, 0, 2)
        for offender, package in offenders:
            for number in package:
                pk = self.add("cases.measure", **self.measure_fields(case, offender, "art17", number, decided))
                self.sanctioned_measures.append(
                    {
                        "pk": pk,
                        "case": case,
                        "offender": offender,
                        "number": number,
                        "decided": decided,
                        "package": package,
                        "year": plan.year,
                        "level": plan.level,
                    }
                )
        for victim, kind in victims:
            if kind == "student" and rng.random() < 0.6:
                numbers = [1] + ([rng.choice([2, 3, 4])] if rng.random() < 0.25 else [])
                for number in numbers:
                    self.add(
                        "cases.protectionmeasure",
                        victim=victim,
                        number=number,
                        ordered_on=self.later(plan.report_date, 1, 5).isoformat(),
                        notes="",
                    )

    def measure_fields(self, case: int, offender: int, law: str, number: int, decided: datetime.date) -> dict:
        days = hours = None
        if law == "art17":
            if number in (3, 4, 5):
                hours = self.rng.choice([4, 6, 8, 10, 12])
            elif number == 6:
                days = self.rng.randint(3, 10)
        return {
            "committee_case": case,
            "offender": offender,
            "law": law,
            "number": number,
            "decided_on": decided.isoformat(),
            "days": days,
            "hours": hours,
            "ordered_by_appeal": None,
        }

    def write_tr_case(self, incident: int, plan: PlannedIncident, local, offenders) -> None:
        requested = self.later(plan.report_date, 3, 15)
        if requested < TR_LOCAL_COMMITTEES_FROM:
            committee = self.tr_provincial[plan.office]
        else:
            committee = self.tr_committee[(plan.office, local)]
        fields = {
            "incident": incident,
            "committee": committee,
            "requested_on": requested.isoformat(),
            "extended_on": None,
            "extension_reason": "",
            "hearing_date": None,
            "closed_on": None,
            "closure_reason": "",
        }
        if plan.heard:
            hearing = self.later(requested, 7, 21)
            fields["hearing_date"] = hearing.isoformat()
        elif plan.report_date <= D(2024, 7, 10):
            fields.update(closed_on=self.later(requested, 5, 20).isoformat(), closure_reason="withdrawn")
        case = self.add("cases.committeecase", **fields)
        if plan.heard:
            for offender, _package in offenders:
                numbers = sorted(self.rng.sample([1, 2, 3, 4, 5, 6], self.rng.choice([1, 1, 2])))
                for number in numbers:
                    self.add("cases.measure", **self.measure_fields(case, offender, "art25", number, hearing))

    def write_appeals(self) -> None:
        """Appeals against Art. 17 measures; the final measures keep the plan's counts.

        'changed' turns a heavier original into the planned final measure; 'revoked'
        removes an original that is not in the plan; 'upheld' and pending leave them.
        """
        rng = self.rng
        measures = self.sanctioned_measures
        early = [m for m in measures if m["year"] < 2024]
        used: set[int] = set()  # one appeal story per offender keeps the dates coherent

        def take(candidates: list[dict], count: int) -> list[dict]:
            taken = []
            for m in rng.sample(candidates, len(candidates)):
                if len(taken) < count and m["offender"] not in used:
                    used.add(m["offender"])
                    taken.append(m)
            return taken

        changed = [m for m in early if m["number"] in (4, 5, 6, 7) and m["number"] + 1 not in m["package"]]
        for m in take(changed, 8):
            original = self.add(
                "cases.measure", **self.measure_fields(m["case"], m["offender"], "art17", m["number"] + 1, m["decided"])
            )
            filed = self.later(m["decided"], 10, 80)
            decided = self.later(filed, 30, 150)
            appeal = self.add(
                "cases.appeal", **self.appeal_fields(original, "offender", filed, "changed", decided, m["number"])
            )
            replacement = next(r for r in self.rows["cases.measure"] if r["pk"] == m["pk"])
            replacement["fields"].update(decided_on=decided.isoformat(), ordered_by_appeal=appeal)
        for m in take([m for m in early if 6 not in m["package"] and 8 not in m["package"]], 3):
            number = 6 if any(n >= 7 for n in m["package"]) else 8
            original = self.add(
                "cases.measure", **self.measure_fields(m["case"], m["offender"], "art17", number, m["decided"])
            )
            filed = self.later(m["decided"], 10, 80)
            self.add(
                "cases.appeal",
                **self.appeal_fields(original, "offender", filed, "revoked", self.later(filed, 30, 150), None),
            )
        for i, m in enumerate(take([m for m in measures if m["number"] >= 7], 14)):
            filed = self.later(m["decided"], 10, 80)
            decided = self.later(filed, 30, 150)
            outcome = "upheld" if decided <= AS_OF else "pending"
            self.add(
                "cases.appeal",
                **self.appeal_fields(
                    m["pk"],
                    "offender",
                    filed,
                    outcome,
                    decided if outcome == "upheld" else None,
                    None,
                    kind="lawsuit" if i % 5 == 4 else "administrative_appeal",
                ),
            )
        for m in take([m for m in measures if m["number"] <= 2], 2):
            filed = self.later(m["decided"], 10, 60)
            decided = self.later(filed, 30, 90)
            outcome = "upheld" if decided <= AS_OF else "pending"
            self.add(
                "cases.appeal",
                **self.appeal_fields(m["pk"], "victim", filed, outcome, decided if outcome == "upheld" else None, None),
            )

    def appeal_fields(self, measure, appellant, filed, outcome, decided, replacement, *, kind="administrative_appeal"):
        return {
            "measure": measure,
            "appellant": appellant,
            "kind": kind,
            "filed_on": filed.isoformat(),
            "outcome": outcome,
            "decided_on": decided.isoformat() if decided else None,
            "replacement_number": replacement,
            "replacement_days": None,
            "replacement_hours": None,
        }


REFERENCE_MODELS = ["core.office", "core.localoffice", "core.channel", "core.committee", "core.school"]
CASE_MODELS = [
    "cases.incident",
    "cases.victim",
    "cases.offender",
    "cases.offendervictimrelation",
    "cases.takedownrequest",
    "cases.protectionmeasure",
    "cases.committeecase",
    "cases.measure",
    "cases.appeal",
]


def build(seed: int = DEFAULT_SEED) -> tuple[list[dict], list[dict]]:
    """The reference rows and the case rows, as Django fixture objects."""
    builder = Builder(seed)
    builder.build_reference()
    builder.build_cases()
    reference = [row for model in REFERENCE_MODELS for row in builder.rows[model]]
    cases = [row for model in CASE_MODELS for row in builder.rows[model]]
    return reference, cases
