"""The law in one module (casetracker/cases/law.py): its functions at their edges, its tables
consistent with each other and with the models, and no statutory number written anywhere else.

The scan reads every module of casetracker/ (migrations aside) with ``ast`` and looks for a
period, a retention or a measure number written as a literal where such a number is used: a
``timedelta(days=21)``, ``days_after(day, 14)``, a constant named ``*_DAYS`` or ``*TIER*``, a
``number__in=(7, 8, 9)`` lookup, ``HEARING_DAYS + 7``. It names the file and line of each.
"""

import ast
import datetime
import re
from pathlib import Path

import pytest

from casetracker.cases import law
from casetracker.cases.law import Art17Measure, Art25Measure, Law, Tier
from casetracker.cases.models import Appeal, CommitteeCase, Measure, ProtectionMeasure, Separation
from casetracker.core.models import Committee
from casetracker.workflow import deadlines

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "casetracker"
LAW_MODULE = PACKAGE / "cases" / "law.py"

MONDAY = datetime.date(2024, 3, 4)
LAST_DAY = datetime.date.max


def day(n: int, start: datetime.date = MONDAY) -> datetime.date:
    return start + datetime.timedelta(days=n)


# The functions at their edges ------------------------------------------------------------------


def test_hearing_deadline_is_day_21_and_day_28_after_the_extension():
    assert law.hearing_days() == 21
    assert law.hearing_days(extended=True) == 28
    assert law.hearing_deadline(MONDAY) == day(21) == datetime.date(2024, 3, 25)
    assert law.hearing_deadline(MONDAY, extended=True) == day(28)
    assert law.extension_deadline(MONDAY) == day(21)


def test_hearing_deadline_counts_across_a_month_and_a_leap_day():
    assert law.hearing_deadline(datetime.date(2024, 2, 10)) == datetime.date(2024, 3, 2)
    assert law.hearing_deadline(datetime.date(2023, 2, 10)) == datetime.date(2023, 3, 3)


def test_carry_out_and_separation_periods():
    assert law.carry_out_deadline(MONDAY) == day(14)
    assert law.separation_latest_end(MONDAY) == day(7)


def test_appeal_deadline_is_90_days_from_notice_capped_at_180_from_the_decision():
    assert law.appeal_deadline(MONDAY) == day(180)
    assert law.appeal_deadline(MONDAY, notified_on=MONDAY) == day(90)
    # Notified on day 89: 89 + 90 = 179, still inside the outer limit; on day 90 they meet; after it, 180 wins.
    assert law.appeal_deadline(MONDAY, notified_on=day(89)) == day(179)
    assert law.appeal_deadline(MONDAY, notified_on=day(90)) == day(180)
    assert law.appeal_deadline(MONDAY, notified_on=day(91)) == day(180)


def test_every_period_stops_at_the_last_day_of_the_calendar():
    assert law.hearing_deadline(LAST_DAY, extended=True) == LAST_DAY
    assert law.extension_deadline(LAST_DAY) == LAST_DAY
    assert law.carry_out_deadline(LAST_DAY) == LAST_DAY
    assert law.separation_latest_end(LAST_DAY) == LAST_DAY
    assert law.appeal_deadline(LAST_DAY, notified_on=LAST_DAY) == LAST_DAY
    assert law.record_deletion_due(6, LAST_DAY) == LAST_DAY


@pytest.mark.parametrize(
    ("number", "due"),
    [
        (1, None),
        (3, None),
        (4, datetime.date(2026, 2, 28)),
        (5, datetime.date(2026, 2, 28)),
        (6, datetime.date(2028, 2, 29)),
        (8, datetime.date(2028, 2, 29)),
        (9, None),
    ],
)
def test_record_deletion_from_a_leap_day_graduation(number, due):
    # From 29 February 2024: 2 years end on 28 February 2026 (no 29th), 4 years on 29 February 2028.
    assert law.record_deletion_due(number, datetime.date(2024, 2, 29)) == due


def test_record_deletion_needs_a_graduation_date():
    assert law.record_deletion_due(4, None) is None


@pytest.mark.parametrize(
    ("law_code", "number", "tier"),
    [
        ("art17", 1, Tier.OFF_RECORD),
        ("art17", 3, Tier.OFF_RECORD),
        ("art17", 4, Tier.RECORDED),
        ("art17", 6, Tier.RECORDED),
        ("art17", 7, Tier.HEAVY),
        ("art17", 9, Tier.HEAVY),
        ("art17", 0, None),
        ("art17", 10, None),
        ("art17", None, None),
        ("art25", 7, None),
    ],
)
def test_tier_of(law_code, number, tier):
    assert law.tier_of(law_code, number) == tier


# The tables agree with each other ------------------------------------------------------------


def test_the_tiers_partition_the_nine_measures_of_art17():
    numbers = [n for tier_numbers in law.ART17_TIER_NUMBERS.values() for n in tier_numbers]
    assert sorted(numbers) == list(Art17Measure.values) == list(range(1, 10))
    assert set(law.ART17_TIER_NUMBERS) == set(Tier)


def test_the_school_record_rules_cover_every_art17_measure_once():
    deferred, retained, kept = law.RECORD_DEFERRED, set(law.RECORD_RETENTION_YEARS), law.RECORD_KEPT_FOR_GOOD
    assert deferred == set(law.ART17_TIER_NUMBERS[Tier.OFF_RECORD])
    assert not (deferred & retained) and not (deferred & kept) and not (retained & kept)
    assert deferred | retained | kept == set(Art17Measure.values)
    assert law.RECORD_EARLY_DELETION.issubset(retained)
    assert Art17Measure.TRANSFER not in law.RECORD_EARLY_DELETION


def test_measures_by_law_and_expulsion():
    assert law.FIRST_MEASURE_BY_LAW == {Law.SCHOOL_VIOLENCE_ACT_ART17: 1, Law.TEACHERS_STATUS_ACT_ART25: 1}
    assert law.LAST_MEASURE_BY_LAW == {Law.SCHOOL_VIOLENCE_ACT_ART17: 9, Law.TEACHERS_STATUS_ACT_ART25: 7}
    assert law.EXPULSION_BY_LAW[Law.SCHOOL_VIOLENCE_ACT_ART17] == Art17Measure.EXPULSION
    assert law.EXPULSION_BY_LAW[Law.TEACHERS_STATUS_ACT_ART25] == Art25Measure.EXPULSION
    assert law.measure_label("art17", 9) == str(Art17Measure.EXPULSION.label)
    assert law.ART16_PROTECTION_NUMBERS == (1, 2, 3, 4, 6)


def test_models_and_queue_read_the_law():
    assert (CommitteeCase.HEARING_DAYS, CommitteeCase.EXTENSION_DAYS) == (law.HEARING_DAYS, law.HEARING_EXTENSION_DAYS)
    assert Measure.CARRY_OUT_DAYS == law.CARRY_OUT_DAYS
    assert Separation.MAX_DAYS == law.SEPARATION_MAX_DAYS
    assert (Appeal.FILING_DAYS_FROM_NOTICE, Appeal.FILING_DAYS_FROM_DECISION) == (
        law.APPEAL_DAYS_FROM_NOTICE,
        law.APPEAL_DAYS_FROM_DECISION,
    )
    assert ProtectionMeasure.Number is law.Art16ProtectionMeasure
    assert deadlines.hearing_deadline is law.hearing_deadline
    assert deadlines.RECORD_RETENTION_YEARS is law.RECORD_RETENTION_YEARS
    assert Measure(law="art17", number=8).tier == Tier.HEAVY
    assert CommitteeCase(requested_on=MONDAY, extended_on=MONDAY).hearing_deadline == day(28)
    assert {kind.value for kind in Committee.Kind} == {"school_violence", "teacher_rights"}


# No statutory number outside law.py ------------------------------------------------------------

# Periods of days, years of the school record, and measure numbers (tiers, expulsion).
PERIOD_DAYS = {7, 14, 21, 28, 90, 180}
RECORD_YEARS = {2, 4}
MEASURE_NUMBERS = set(range(1, 10))

DAY_NAME = re.compile(r"DAYS|DEADLINE|PERIOD", re.IGNORECASE)
YEAR_NAME = re.compile(r"YEARS|RETENTION", re.IGNORECASE)
MEASURE_NAME = re.compile(r"TIER|EXPULSION|RECORD_(DEFERRED|EARLY|KEPT)|(FIRST|LAST)_MEASURE", re.IGNORECASE)
# Calls whose integer arguments are a number of days (or years).
DAY_CALLS = {"timedelta", "days_after", "DaysAfter", "sql_days_after", "PlausibleDate"}
YEAR_CALLS = {"add_years", "AddYears"}
DAY_KEYWORDS = {"days", "weeks", "days_ahead"}
MEASURE_LOOKUP = re.compile(r"^(replacement_)?number(__(in|lte?|gte?|exact))?$")

# Constants that happen to hold one of these values but are no statute: each with its reason.
NOT_STATUTORY = {
    "TAKEDOWN_FOLLOW_UP_DAYS": "the offices' practice: a takedown request is followed up after a week",
    "DUE_SOON_DAYS": "the queue's horizon, 'due this week'",
    "PLANNED_DAYS_AHEAD": "how far ahead a planned date may be entered (a hearing, a follow-up)",
}


def _ints(node: ast.AST, values: set[int]) -> list[ast.Constant]:
    return [
        child
        for child in ast.walk(node)
        if isinstance(child, ast.Constant) and type(child.value) is int and child.value in values
    ]


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def statutory_literals(source: str) -> list[tuple[int, str]]:
    """(line, what) of each statutory number written as a literal in ``source``."""
    found: list[tuple[int, str]] = []

    def flag(constants: list[ast.Constant], context: str) -> None:
        found.extend((constant.lineno, f"{constant.value} in {context}") for constant in constants)

    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for name in filter(None, map(_name, targets)):
                if name in NOT_STATUTORY:
                    continue
                if DAY_NAME.search(name):
                    flag(_ints(node.value, PERIOD_DAYS), name)
                if YEAR_NAME.search(name):
                    flag(_ints(node.value, RECORD_YEARS), name)
                if MEASURE_NAME.search(name):
                    flag(_ints(node.value, MEASURE_NUMBERS), name)
        elif isinstance(node, ast.Call):
            function = _name(node.func)
            arguments = [*node.args, *(keyword.value for keyword in node.keywords if keyword.arg is None)]
            if function in DAY_CALLS:
                for argument in arguments:
                    flag(_ints(argument, PERIOD_DAYS), f"{function}()")
            if function in YEAR_CALLS:
                for argument in arguments:
                    flag(_ints(argument, RECORD_YEARS), f"{function}()")
            for keyword in node.keywords:
                if keyword.arg in DAY_KEYWORDS:
                    flag(_ints(keyword.value, PERIOD_DAYS), f"{keyword.arg}=")
                elif keyword.arg == "years":
                    flag(_ints(keyword.value, RECORD_YEARS), "years=")
                elif keyword.arg and MEASURE_LOOKUP.match(keyword.arg):
                    flag(_ints(keyword.value, MEASURE_NUMBERS), f"{keyword.arg}=")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
            operands = [_name(node.left), _name(node.right)]
            if any(DAY_NAME.search(name) for name in operands if name):
                flag(_ints(node.left, PERIOD_DAYS) + _ints(node.right, PERIOD_DAYS), "a sum of days")
    return sorted(set(found))


def modules() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts and path != LAW_MODULE)


def test_no_statutory_number_is_written_outside_law_py():
    offences = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in modules()
        for line, what in statutory_literals(path.read_text(encoding="utf-8"))
    ]
    assert not offences, "Statutory numbers belong in casetracker/cases/law.py:\n" + "\n".join(offences)


def test_the_scan_reads_the_whole_package():
    names = {path.relative_to(PACKAGE).as_posix() for path in modules()}
    assert {"reports/definitions.py", "workflow/deadlines.py", "workflow/queue.py"} <= names
    assert "cases/law.py" not in names
    assert not any("/migrations/" in name for name in names)
    # ... and law.py itself holds what the scan looks for, so the scan would find it anywhere else.
    assert statutory_literals(LAW_MODULE.read_text(encoding="utf-8"))
    # Each exception still names a constant of the package (a stale one would hide nothing, but mislead).
    assigned = {
        _name(target)
        for path in modules()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assign)
        for target in node.targets
    }
    assert set(NOT_STATUTORY) <= assigned


@pytest.mark.parametrize(
    "source",
    [
        "x = F('requested_on') + datetime.timedelta(days=21)",
        "deadline = days_after(requested_on, 14)",
        "expression = DaysAfter('requested_on', 28)",
        "due = add_years(graduated_on, 4)",
        "HEARING_DAYS = 21",
        "class CommitteeCase:\n    EXTENSION_DAYS = 7",
        "ART17_TIER_NUMBERS = {'heavy': (7, 8, 9)}",
        "RECORD_RETENTION_YEARS = {4: 2}",
        "RECORD_EARLY_DELETION = frozenset({4, 5, 6, 7})",
        "condition = Q(law='art17', number__gte=1, number__lte=9)",
        "rows = measures.filter(number__in=(7, 8, 9))",
        "expelled = Q(number=9)",
        "total = HEARING_DAYS + 7",
        "validators = [PlausibleDate(days_ahead=7)]",
    ],
)
def test_the_scan_finds_a_planted_literal(source):
    assert statutory_literals(source)


@pytest.mark.parametrize(
    "source",
    [
        "x = F('requested_on') + datetime.timedelta(days=law.HEARING_DAYS)",
        "KEEP_UNCOMMITTED = datetime.timedelta(days=1)",
        "MAX_PART_BYTES = 4 * 2**20",
        "GRADE_RANGE = Q(grade__gte=1, grade__lte=12)",
        "rows = measures.filter(number__in=ART17_TIER_NUMBERS[Tier.HEAVY])",
        "DUE_SOON_DAYS = 7",
        "MEASURES_BY_OFFICE = {'seoul': (89, 40, 8, 0)}",
        "years = list(range(first.year, last.year + 1))",
    ],
)
def test_the_scan_leaves_other_numbers_alone(source):
    assert statutory_literals(source) == []
