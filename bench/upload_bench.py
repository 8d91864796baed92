"""Worst-case uploads (zip and xlsx bombs of at most 10 MB on the wire): refused, how fast, in how much memory.

Each file is built here, written to a temporary folder, and imported in a process of its own
(``services.import_files``, the path of the upload page and of ``manage.py import_cases``, as a
dry run): the time is that of the import call, the memory the peak resident set of that
process as the kernel counts it (VmHWM), Django and openpyxl loaded included. Target
(issue 16): every file refused within 5 s with a peak under 200 MB. The files:

- the probe's three bombs: a workbook with one cell of 200 MB, a zip with a CSV file of 300 MB,
  a workbook with a styles.xml of 200 MB;
- the same CSV file with headers that say it holds 1 KB (a lie the reader must not believe);
- what the caps still let in, as hard as it can: a cell of 31 MB (refused by the cell cap as it
  streams, the total is 32 MB), a sheet of 31 MB of empty cells (parsed to its end: the
  slowest), shared strings as many and as large as allowed (held in memory while the sheets
  are read), a CSV file of 10 MB in one field, a zip of 10 MB of empty members.

    .venv/bin/python bench/upload_bench.py                      # SQLite, /tmp/casetracker_bench.sqlite3
    .venv/bin/python bench/run.py --incidents N --only upload   # as part of the benchmarks
"""

import argparse
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import DEFAULT_SQLITE_URL, Result, print_results, setup_django

SECONDS = 5.0
PEAK_MIB = 200
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADER = ["office", "case_number", "school", "report_date", "content_kind", "image_source"]


class UploadResult(Result):
    """A refusal's time against SECONDS (a ratio of at most 1), and its peak memory against PEAK_MIB."""

    def __init__(self, case: str, seconds: float, peak_mib: float, refused: bool, extra: dict):
        super().__init__("upload", case, seconds=seconds, baseline_seconds=SECONDS, target=1.0, extra=extra)
        self.peak_mib = peak_mib
        self.refused = refused

    @property
    def ok(self) -> bool | None:
        return self.refused and self.peak_mib < PEAK_MIB and super().ok


# The files ------------------------------------------------------------------------------------


def _base_workbook() -> dict[str, bytes]:
    """The members of a small workbook with a sheet "incidents" holding the header row."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "incidents"
    sheet.append(HEADER)
    output = io.BytesIO()
    book.save(output)
    with zipfile.ZipFile(output) as archive:
        return {item.filename: archive.read(item) for item in archive.infolist()}


def _zip(members: dict[str, object]) -> bytes:
    """Members as bytes, or as (head, piece, times, tail) streamed piece by piece (never whole)."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in members.items():
            with archive.open(name, "w", force_zip64=True) as stream:
                if isinstance(content, tuple):
                    head, piece, times, tail = content
                    stream.write(head)
                    for _ in range(times):
                        stream.write(piece)
                    stream.write(tail)
                else:
                    stream.write(content)
    return output.getvalue()


def _sheet(rows_head: str, piece: bytes, times: int, rows_tail: str) -> tuple:
    header = "".join(f'<c t="inlineStr"><is><t>{name}</t></is></c>' for name in HEADER)
    head = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">{header}</row>{rows_head}'.encode()
    return (head, piece, times, f"{rows_tail}</sheetData></worksheet>".encode())


def _workbook_with(members: dict[str, object]) -> bytes:
    return _zip({**_base_workbook(), **members})


def one_cell(megabytes: int) -> bytes:
    sheet = _sheet('<row r="2"><c r="B2" t="inlineStr"><is><t>', b"A" * 2**20, megabytes, "</t></is></c></row>")
    return _workbook_with({"xl/worksheets/sheet1.xml": sheet})


def empty_cells(megabytes: int) -> bytes:
    row = b"<row>" + b"<c/>" * 1000 + b"</row>"  # empty cells, in rows of 1,000
    return _workbook_with({"xl/worksheets/sheet1.xml": _sheet("", row, megabytes * 2**20 // len(row), "")})


def shared_strings(count: int) -> bytes:
    strings = "".join(f"<si><t>{number:020d}</t></si>" for number in range(count)).encode()
    table = f'<sst xmlns="{MAIN}" count="{count}" uniqueCount="{count}">'.encode() + strings + b"</sst>"
    parts = _base_workbook()
    parts["xl/sharedStrings.xml"] = table
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/sharedStrings.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdSST" Target="sharedStrings.xml" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>',
    )
    parts["xl/worksheets/sheet1.xml"] = _sheet('<row r="2"><c r="A2" t="s"><v>1</v></c></row>', b"", 0, "")
    return _zip(parts)


def styles(megabytes: int) -> bytes:
    head = f'<styleSheet xmlns="{MAIN}"><numFmts>'.encode()
    return _workbook_with(
        {"xl/styles.xml": (head, b"<numFmt/>" * 2**17, megabytes * 8 // 9, b"</numFmts></styleSheet>")}
    )


def csv_zip(megabytes: int) -> bytes:
    line = b"seoul,2024-0001,seoul-high-1,2024-05-02,sexual_image,unknown\r\n"
    return _zip(
        {
            "incidents.csv": (
                ",".join(HEADER).encode() + b"\r\n",
                line * 1000,
                megabytes * 2**20 // (len(line) * 1000),
                b"",
            )
        }
    )


def lying_csv_zip(megabytes: int) -> bytes:
    """The CSV zip written without zip64 extras, then every declared size set to 1,000 bytes."""
    line = b"seoul,2024-0001,seoul-high-1,2024-05-02,sexual_image,unknown\r\n"
    output = io.BytesIO()
    with (
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("incidents.csv", "w") as stream,
    ):
        stream.write(",".join(HEADER).encode() + b"\r\n")
        for _ in range(megabytes * 2**20 // (len(line) * 1000)):
            stream.write(line * 1000)
    data = bytearray(output.getvalue())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        position = 0
        while (position := data.find(signature, position)) >= 0:
            data[position + offset : position + offset + 4] = (1000).to_bytes(4, "little")
            position += 4
    return bytes(data)


def long_field(megabytes: int) -> bytes:
    return (",".join(HEADER) + '\r\nseoul,"' + "x" * (megabytes * 2**20) + '",seoul-high-1\r\n').encode()


def many_members(megabytes: int) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_STORED) as archive:
        # (An empty member takes 30 bytes and its name in its header, 46 and its name in the directory.)
        for number in range((megabytes * 2**20 - 1024) // (76 + 2 * 10)):
            archive.writestr(f"{number:06d}.csv", b"")
    return output.getvalue()


FILES = [
    ("xlsx, one cell of 200 MB (the probe's)", "cell.xlsx", lambda: one_cell(200)),
    ("zip, a CSV file of 300 MB (the probe's)", "csv.zip", lambda: csv_zip(300)),
    ("xlsx, a styles.xml of 200 MB (the probe's)", "styles.xlsx", lambda: styles(200)),
    ("zip, the same CSV file, its headers saying 1 KB", "lying.zip", lambda: lying_csv_zip(300)),
    ("xlsx, one cell of 31 MB (under the 32 MB total)", "cell31.xlsx", lambda: one_cell(31)),
    ("xlsx, a sheet of 31 MB of empty cells (parsed to the end)", "empty.xlsx", lambda: empty_cells(31)),
    ("xlsx, 400,001 shared strings in 14 MB (held while read)", "strings.xlsx", lambda: shared_strings(400_001)),
    ("CSV, 10 MB in one field", "incidents.csv", lambda: long_field(9)),
    ("zip, 10 MB of empty members", "members.zip", lambda: many_members(10)),
]


# Running ------------------------------------------------------------------------------------------


def child(path: str, database_url: str) -> None:
    """In a process of its own: import the file as a clerk, dry run; print the time and the outcome."""
    import time

    setup_django(database_url)
    from django.utils import translation
    from import_bench import clerk

    from casetracker.core.models import Office
    from casetracker.imports import services
    from casetracker.imports.readers import FileError, UploadedFile

    translation.activate("en")  # (the answers in the table in English)
    office = Office.objects.get(code="seoul")
    user = clerk(office)
    content = Path(path).read_bytes()
    before = _resident_mib()
    started, cpu = time.perf_counter(), time.process_time()
    try:
        result = services.import_files(
            user=user, office_code=office.code, files=[UploadedFile(Path(path).name, content)], dry_run=True
        )
        outcome, refused = f"accepted: {result.rows} rows, {result.error_count} errors", False
    except FileError as error:
        outcome, refused = error.messages[0], True
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    # (The kernel's peak of this process's address space: ru_maxrss would carry the parent's over exec.)
    status = Path("/proc/self/status").read_text()
    peak = int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1]) / 1024
    report = {
        "seconds": elapsed,
        "cpu": cpu,
        "outcome": outcome,
        "refused": refused,
        "start_mib": before,
        "peak_mib": peak,
    }
    print(json.dumps(report))


def _resident_mib() -> float:
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1]) / 1024


def measure(case: str, name: str, content: bytes, database_url: str, folder: Path) -> UploadResult:
    path = folder / name
    path.write_bytes(content)
    process = subprocess.Popen(
        [sys.executable, __file__, "--child", str(path), "--database-url", database_url],
        stdout=subprocess.PIPE,
        text=True,
    )
    output, _errors = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"{case}: the import process failed ({process.returncode})")
    report = json.loads(output.strip().splitlines()[-1])
    peak = report["peak_mib"]
    return UploadResult(
        f"{case}, {len(content) / 2**20:.2f} MB",
        report["seconds"],
        peak,
        report["refused"],
        {
            "CPU": f"{report['cpu']:.2f} s",
            "peak RSS": f"{peak:.0f} MiB (before the import {report['start_mib']:.0f}; limit {PEAK_MIB})",
            "answer": report["outcome"][:90],
        },
    )


def run(options) -> list[Result]:
    database_url = getattr(options, "database_url", None) or DEFAULT_SQLITE_URL
    results = []
    with tempfile.TemporaryDirectory(prefix="upload-bench-") as folder:
        for case, name, build in FILES:
            content = build()
            assert len(content) <= 10 * 2**20, f"{case}: {len(content)} bytes, over the upload limit"
            results.append(measure(case, name, content, database_url, Path(folder)))
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_SQLITE_URL)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        child(options.child, options.database_url)
        return 0
    setup_django(options.database_url)
    from common import ROOT
    from django.core.management import call_command

    from casetracker.core.models import Office

    call_command("migrate", verbosity=0)
    if not Office.objects.exists():
        call_command("loaddata", str(ROOT / "fixtures" / "01_reference.json"), verbosity=0)
    results = run(options)
    print_results(results, title="upload (worst-case files)")
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
