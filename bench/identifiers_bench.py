"""The identifier check of a case's free text at a save, against its budget of 20 ms (issue 17).

A case with 10 people (names entered for 8 of them) and 8 free texts of 500 characters each
(the description, notes, reasons, takedown and appeal texts of a full case), written as a clerk
writes them: names with particles and titles, dates, case numbers, articles of law, amounts, and
a few identifiers to find. One save runs ``find_identifiers`` on every text, and
``replace_identifiers`` where it found something (the one-click replacement). Measured two ways,
each the median of the turns:

- a case's first save: the cache of the case's name pattern is emptied first, so the pattern of
  its names is compiled (a clerk saving another case than the last one);
- a save again: the same case (the pattern cached).

Target: at most 20 ms, printed as the ratio to it. These two need no database: the detector is
pure Python. Run by ``bench/run.py`` (which has a benchmark database), a third measurement times
what a save adds on the database as the application runs it: ``free_text.check_cases`` on the
case with the most victims in the database, made a case of 10 people (victims and offenders, all
named: victims added where it has fewer) with its free texts written in for the turns (in a
transaction rolled back after): the queries that read the case's people and texts, and the
detector on each text.

    .venv/bin/python bench/identifiers_bench.py [--repeat 200]
    .venv/bin/python bench/run.py --incidents N --only identifiers   # as part of the benchmarks
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import Result, print_results

BUDGET_SECONDS = 0.020
TEXTS = 8
CHARACTERS = 500
CASE_PEOPLE = 10  # issue 17: "a save of a case with 10 people"

PEOPLE = [
    ("V1", "김민지"),
    ("V2", "이서연"),
    ("V3", "박하늘"),
    ("V4", None),
    ("O1", "최준호"),
    ("O2", "정다은"),
    ("O3", "강지원"),
    ("O4", "남궁도윤"),
    ("O5", None),
    ("G1", "김영희"),  # a guardian
]

SENTENCES = [
    "2024-03-05 피해 학생 김민지의 사진이 단체 대화방에 유포되었다는 신고가 접수되었다.",
    "담임교사가 사안을 인지한 뒤 학교폭력 전담기구에 보고하였고, 사안번호는 2024-0012이다.",
    "가해 학생 준호는 인스타그램 프로필 사진을 내려받아 합성하였다고 진술하였다.",
    "다음 날 피해 학생의 보호자가 경찰에 신고하였으며 플랫폼에 삭제를 요청하였다.",
    "다은 학생과 지원이는 합성물을 텔레그램 방에 올린 사실을 인정하였다.",
    "심의위원회는 제17조 제1항 제3호 및 제5호의 조치를 의결하였다.",
    "피해 학생에게 심리상담 지원을 요청하였고 3회의 상담이 이루어졌다.",
    "보호자 연락처 010-1234-5678로 결과를 통지하였다.",
    "피해액은 약 3,000,000원으로 추정되며 민사 절차는 진행하지 않았다.",
    "가해 학생 2명은 같은 학년이며 피해 학생과는 다른 반이다.",
    "서연이는 사진이 지워졌는지 확인해 달라고 요청하였다.",
    "긴급조치로 가해 학생과 피해 학생을 7일간 분리하였다.",
]


def case_texts() -> list[str]:
    """TEXTS texts of CHARACTERS characters each, from the sentences above in turn."""
    texts = []
    for number in range(TEXTS):
        pieces, length, index = [], 0, number
        while length < CHARACTERS:
            sentence = SENTENCES[index % len(SENTENCES)]
            pieces.append(sentence)
            length += len(sentence) + 1
            index += 1
        texts.append(" ".join(pieces)[:CHARACTERS])
    return texts


def save(texts: list[str]) -> int:
    from casetracker.cases.identifiers import find_identifiers, replace_identifiers

    count = 0
    for text in texts:
        found = find_identifiers(text, people=PEOPLE)
        if found:
            replace_identifiers(text, found)
            count += len(found)
    return count


def timed_saves(texts: list[str], *, repeat: int, first_save: bool) -> tuple[float, float]:
    """The median wall and CPU times of one save, over ``repeat`` saves after a warm-up."""
    from casetracker.cases.identifiers import _name_pattern

    save(texts)
    walls, cpus = [], []
    for _ in range(repeat):
        if first_save:
            _name_pattern.cache_clear()
        wall, cpu = time.perf_counter(), time.process_time()
        save(texts)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


# Names for the people of the database's case beyond the 8 named in PEOPLE (all 10 named: the
# most names the pattern of a case of 10 can hold).
EXTRA_NAMES = ("윤서아", "한지민")


def add_victims(incident_id: int, count: int) -> None:
    """``count`` more victims in the case (teachers: no school level or grade to match its school's)."""
    from casetracker.cases.models import Victim

    Victim.objects.bulk_create(
        Victim(incident_id=incident_id, code=f"VB{number}", kind=Victim.Kind.TEACHER) for number in range(1, count + 1)
    )


def case_check(*, repeat: int) -> Result | None:
    """The whole check of one case from the database (``free_text.find_in_cases``, which
    ``check_cases`` runs at the end of a save)."""
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from casetracker.cases import free_text
    from casetracker.cases.models import CommitteeCase, Incident, Offender, ProtectionMeasure, Victim

    # The incident with the most victims (one grouped pass over them), made a case of 10 people.
    busiest = Victim.objects.values("incident").annotate(n=Count("*")).order_by("-n", "incident").first()
    if busiest is None:
        return None
    incident_id = busiest["incident"]
    texts = case_texts()
    names = iter([*(name for _code, name in PEOPLE if name), *EXTRA_NAMES])
    with transaction.atomic():
        add_victims(incident_id, CASE_PEOPLE - busiest["n"] - Offender.objects.filter(incident_id=incident_id).count())
        people = sum(model.objects.filter(incident_id=incident_id).count() for model in (Victim, Offender))
        Incident.objects.filter(pk=incident_id).update(content_description=texts[0])
        CommitteeCase.objects.filter(incident_id=incident_id).update(extension_reason=texts[1][:200])
        ProtectionMeasure.objects.filter(victim__incident_id=incident_id).update(notes=texts[2])
        for model in (Victim, Offender):
            for pk in model.objects.filter(incident_id=incident_id).values_list("pk", flat=True):
                model.objects.filter(pk=pk).update(name=next(names, "홍길동"))
        free_text.find_in_cases([incident_id])  # warm-up
        walls = []
        for _ in range(repeat):
            wall = time.perf_counter()
            findings, _people = free_text.find_in_cases([incident_id])
            walls.append(time.perf_counter() - wall)
        with CaptureQueriesContext(connection) as captured:
            free_text.find_in_cases([incident_id])
        transaction.set_rollback(True)
    wall = statistics.median(walls)
    return Result(
        "identifiers",
        f"the check of a save on {connection.vendor}: a case of {people} people, its texts",
        seconds=wall,
        baseline_seconds=BUDGET_SECONDS,
        target=1.0,
        extra={
            "ms": f"{wall * 1000:.2f}",
            "queries": len(captured),
            "texts with a finding": len(findings),
        },
    )


def run(options) -> list[Result]:
    repeat = max(getattr(options, "repeat", 0) or 0, 200)
    texts = case_texts()
    started = time.perf_counter()
    import casetracker.cases.identifiers  # noqa: F401  (its patterns compile at import)

    imported = time.perf_counter() - started
    found = save(texts)
    results = []
    for case, first_save in (("a case's first save", True), ("a save again", False)):
        wall, cpu = timed_saves(texts, repeat=repeat, first_save=first_save)
        results.append(
            Result(
                "identifiers",
                f"{case}: {TEXTS} texts of {CHARACTERS} characters, {len(PEOPLE)} people",
                seconds=wall,
                baseline_seconds=BUDGET_SECONDS,
                target=1.0,
                extra={
                    "ms": f"{wall * 1000:.2f}",
                    "CPU ms": f"{cpu * 1000:.2f}",
                    "budget (the lower bound column)": "20 ms",
                    "found": found,
                    "import": f"{imported * 1000:.0f} ms",
                },
            )
        )
    if _django_ready():  # (bench/run.py, with its database)
        checked = case_check(repeat=min(repeat, 50))
        if checked is not None:
            results.append(checked)
    return results


def _django_ready() -> bool:
    if "django.apps" not in sys.modules:
        return False
    from django.apps import apps

    return apps.ready


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    options = parser.parse_args(argv)
    results = run(options)
    print_results(results, title="Identifier check of a save (target: at most 20 ms, ratio to it)")
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
