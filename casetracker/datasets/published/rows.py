"""The rows of the shipped dataset: the reference data, then each planned incident with
everything recorded under it, as Django fixture objects (``build``)."""

import datetime
from collections import Counter, defaultdict

from casetracker.core.data.local_offices import LOCAL_OFFICES
from casetracker.core.data.offices import CHANNELS, OFFICES

from .plan import (
    AS_OF,
    CHANNEL_WEIGHTS,
    CONTENT_WEIGHTS,
    DEFAULT_SEED,
    LEVEL_EN,
    LEVEL_KO,
    MAX_GRADE,
    PLATFORM_WEIGHTS,
    SCHOOLS_PER_LOCAL_OFFICE,
    SOURCE_WEIGHTS,
    SURVEY_POLICE,
    SURVEY_TAKEDOWNS,
    TAKEDOWN_OUTCOME_WEIGHTS,
    TIMESTAMP,
    TR_LOCAL_COMMITTEES_FROM,
    D,
)
from .planner import PlannedIncident, Planner


class Builder(Planner):
    """Writes the rows of the plan, drawn with the planner's seeded random generator."""

    def __init__(self, seed: int):
        super().__init__(seed)
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

    def date_between(self, start: datetime.date, end: datetime.date) -> datetime.date:
        return start + datetime.timedelta(days=self.rng.randint(0, (end - start).days))

    def later(self, day: datetime.date, low: int, high: int) -> datetime.date:
        return day + datetime.timedelta(days=self.rng.randint(low, high))

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
