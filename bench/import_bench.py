"""The import of a large file against ``bulk_create`` of the same rows, and its peak memory.

The file (an .xlsx workbook, then the same rows as CSV) holds new incidents, one victim and
one offender each (a third of the rows each), for one office, as a clerk would upload it. The
import is timed whole: reading the file, checking every row with the models' rules, and saving
it with its change history, in one transaction. The lower bound is ``bulk_create`` of the same
rows: the model objects built from the same values and inserted in batches, with no checks and
no history. Both run in a transaction rolled back afterwards, so the benchmark database keeps
its size. Target: the import runs at at least a third of bulk_create's rate, i.e. takes at
most 3 times as long.

Peak memory is measured with tracemalloc over one more import: the file is read as a stream,
so memory grows with the batch of rows being saved and the keys seen, not with the file.
"""

import datetime
import io
import statistics
import time
import tracemalloc

from common import Result

TARGET = 3.0  # import time / bulk_create time: a third of bulk_create's rate
DEFAULT_ROWS = 100_000


class Rollback(Exception):
    pass


def clerk(office):
    from casetracker.accounts.models import User

    user, _created = User.objects.get_or_create(
        username="bench-clerk", defaults={"role": User.Role.CLERK, "office": office, "is_active": True}
    )
    return user


def plan(office, rows: int) -> list[dict]:
    from casetracker.core.models import School

    schools = list(School.objects.filter(office=office).values_list("code", "level"))
    cases = []
    for number in range(rows // 3):
        code, level = schools[number % len(schools)]
        cases.append(
            {
                "case_number": f"B-{number:07d}",
                "school": code,
                "level": level,
                "report_date": datetime.date(2024, 1, 1) + datetime.timedelta(days=number % 240),
                "grade": 1 + number % 3,
            }
        )
    return cases


def workbook(office, cases: list[dict]) -> bytes:
    from openpyxl import Workbook

    from casetracker.imports.layout import INCIDENTS, OFFENDERS, VICTIMS

    book = Workbook(write_only=True)
    sheets = {sheet.key: book.create_sheet(sheet.key) for sheet in (INCIDENTS, VICTIMS, OFFENDERS)}
    sheets["incidents"].append(["office", "case_number", "school", "report_date", "content_kind"])
    sheets["victims"].append(["case_number", "code", "kind", "school_level", "grade"])
    sheets["offenders"].append(["case_number", "code", "kind", "school_level", "grade"])
    for case in cases:
        number = case["case_number"]
        sheets["incidents"].append([office.code, number, case["school"], case["report_date"], "sexual_image"])
        sheets["victims"].append([number, "V1", "student", case["level"], case["grade"]])
        sheets["offenders"].append([number, "O1", "student", case["level"], case["grade"]])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def csv_zip(office, cases: list[dict]) -> bytes:
    """The same rows as CSV files (CP949, as Korean Excel saves them), zipped."""
    import csv
    import zipfile

    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        for name, header, row in (
            ("incidents", ["office", "case_number", "school", "report_date", "content_kind"],
             lambda c: [office.code, c["case_number"], c["school"], c["report_date"].isoformat(), "sexual_image"]),
            ("victims", ["case_number", "code", "kind", "school_level", "grade"],
             lambda c: [c["case_number"], "V1", "student", c["level"], c["grade"]]),
            ("offenders", ["case_number", "code", "kind", "school_level", "grade"],
             lambda c: [c["case_number"], "O1", "student", c["level"], c["grade"]]),
        ):  # fmt: skip
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(header)
            writer.writerows(row(case) for case in cases)
            archive.writestr(f"{name}.csv", text.getvalue().encode("cp949"))
    return output.getvalue()


def time_import(user, office, content: bytes, rows: int, name: str = "bench.xlsx") -> float:
    from django.db import transaction

    from casetracker.imports import services
    from casetracker.imports.readers import UploadedFile

    started = time.perf_counter()
    try:
        with transaction.atomic():
            result = services.import_files(
                user=user,
                office_code=office.code,
                files=[UploadedFile(name, content)],
                dry_run=False,
                row_limit=rows,
                byte_limit=len(content) + 1,
            )
            if not result.committed:
                raise SystemExit(f"the benchmark workbook did not import: {result.errors[:3]}")
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return elapsed


def time_bulk_create(office, cases: list[dict]) -> float:
    from django.db import transaction

    from casetracker.cases.models import Incident, Offender, Victim
    from casetracker.core.models import School

    school_ids = dict(School.objects.filter(office=office).values_list("code", "id"))
    try:
        with transaction.atomic():
            started = time.perf_counter()
            incidents = [
                Incident(
                    office=office,
                    school_id=school_ids[case["school"]],
                    case_number=case["case_number"],
                    report_date=case["report_date"],
                    content_kind="sexual_image",
                )
                for case in cases
            ]
            Incident.objects.bulk_create(incidents, batch_size=500)
            victims, offenders = [], []
            for incident, case in zip(incidents, cases, strict=True):
                people = {"incident_id": incident.pk, "school_level": case["level"], "grade": case["grade"]}
                victims.append(Victim(code="V1", kind="student", **people))
                offenders.append(Offender(code="O1", kind="student", **people))
            Victim.objects.bulk_create(victims, batch_size=500)
            Offender.objects.bulk_create(offenders, batch_size=500)
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return elapsed


def run(options) -> list[Result]:
    from casetracker.core.models import Office

    rows = getattr(options, "import_rows", None) or DEFAULT_ROWS
    office = Office.objects.get(code="seoul")
    user = clerk(office)
    cases = plan(office, rows)
    files = [
        ("xlsx", workbook(office, cases), "bench.xlsx"),
        ("CSV in CP949, zipped", csv_zip(office, cases), "bench.zip"),
    ]
    # In turns (bulk_create, each import, again...), the medians compared: the noise of a busy
    # machine falls on both sides.
    times: dict[str, list[float]] = {"bulk": [], **{kind: [] for kind, _content, _name in files}}
    for _turn in range(max(options.repeat, 1)):
        times["bulk"].append(time_bulk_create(office, cases))
        for kind, content, name in files:
            times[kind].append(time_import(user, office, content, rows, name))
    bulk_seconds = statistics.median(times["bulk"])
    results = []
    for kind, content, name in files:
        import_seconds = statistics.median(times[kind])
        tracemalloc.start()
        time_import(user, office, content, rows, name)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        results.append(
            Result(
                "import",
                f"{len(cases) * 3:,} rows ({kind}, {len(content) / 2**20:.1f} MB) vs bulk_create",
                seconds=import_seconds,
                baseline_seconds=bulk_seconds,
                target=TARGET,
                extra={
                    "rows/s": f"{len(cases) * 3 / import_seconds:,.0f}",
                    "bulk_create rows/s": f"{len(cases) * 3 / bulk_seconds:,.0f}",
                    "peak Python memory": f"{peak / 2**20:.0f} MiB",
                },
            )
        )
    return results
