"""Uploads are bounded by what they hold, not their size on the wire (issue 16, finding 3).

Each bomb is refused with a message saying what is wrong, as it is read: with memory bounded by
the caps (measured with tracemalloc), nothing saved, on the page and the command alike. How fast
is bench/upload_bench.py's to measure (a timed test would fail on a busy machine, not on a slow
reader).
"""

import io
import struct
import tracemalloc
import zipfile

import pytest
from django.core.management import CommandError, call_command

from casetracker.imports import layout, limits
from casetracker.imports.models import ImportBatch
from casetracker.imports.readers import FileError, UploadedFile, open_upload
from tests.factories import OfficeFactory, UserFactory

from .conftest import csv_text, record_counts, run
from .test_pages import pages_in_english, upload  # noqa: F401 (an autouse fixture: the pages in English)
from .test_readers_xlsx import MAIN, package, sheet_xml

HEADER = "".join(f'<c t="inlineStr"><is><t>{column.key}</t></is></c>' for column in layout.INCIDENTS.required_columns)


def read_all(files: list[UploadedFile]) -> None:
    """What the importer does with an upload before any row touches the database."""
    for source in open_upload(files):
        for _row in source.rows():
            pass


def refused(files: list[UploadedFile], match: str, *, megabytes: float = 40) -> FileError:
    """The upload is refused with ``match`` in its message, within ``megabytes``."""
    tracemalloc.start()
    try:
        with pytest.raises(FileError) as caught:
            read_all(files)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = " ".join(caught.value.messages)
    assert match in message, message
    assert peak < megabytes * 2**20, f"{peak / 2**20:.0f} MB"
    return caught.value


def streamed_zip(members: dict[str, object]) -> bytes:
    """A zip of members given as bytes, or as (piece, times) written piece by piece (never whole)."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
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


def workbook_with_sheet(head: bytes, piece: bytes, times: int, tail: bytes, **parts) -> bytes:
    """The test workbook, its sheet replaced by one written piece by piece (e.g. a 200 MB cell)."""
    with zipfile.ZipFile(io.BytesIO(package({"incidents": sheet_xml("")}))) as source:
        members = {item.filename: source.read(item) for item in source.infolist()}
    members.update(parts)
    members["xl/worksheets/sheet1.xml"] = (head, piece, times, tail)
    return streamed_zip(members)


SHEET_HEAD = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1">{HEADER}</row><row r="2">'.encode()
SHEET_TAIL = b"</row></sheetData></worksheet>"


# Cells ---------------------------------------------------------------------------------------


def test_a_workbook_with_a_200_mb_cell_is_refused_as_it_is_read():
    # The probe's bomb: a 220 KB workbook whose one cell unzips to 200 MB (119 s and 3.9 GB, then a 500).
    content = workbook_with_sheet(
        SHEET_HEAD + b'<c r="A2" t="inlineStr"><is><t>', b"A" * 2**20, 200, b"</t></is></c>" + SHEET_TAIL
    )
    assert len(content) < 400_000
    refused([UploadedFile("cases.xlsx", content)], "unzips to more than 32 MB")
    # Within the upload's cap, the cell is refused as it is read, before it is whole in memory.
    refused([UploadedFile("cases.xlsx", bomb())], "row 2, column B: the cell holds more than 32,767", megabytes=10)


@pytest.mark.parametrize(
    "cell",
    [
        '<c r="B2" t="inlineStr"><is><t>{text}</t></is></c>',
        '<c r="B2" t="inlineStr"><is><r><t>{half}</t></r><r><t>{half}</t></r></is></c>',  # rich text runs
        '<c r="B2" t="str"><v>{text}</v></c>',
        '<c r="B2"><f>{text}</f><v>1</v></c>',
    ],
)
def test_a_cell_longer_than_excel_allows_is_refused_with_its_place(cell):
    text = "가" * (limits.CELL_CHARS + 1)
    half = "나" * (limits.CELL_CHARS // 2 + 1)
    xml = sheet_xml(f'<row r="1">{HEADER}</row><row r="2">{cell.format(text=text, half=half)}</row>')
    error = refused([UploadedFile("cases.xlsx", package({"incidents": xml}))], "more than 32,767 characters")
    assert "cases.xlsx" in error.messages[0] or "incidents" in error.messages[0]
    assert "row 2, column B" in error.messages[0]


def test_a_cell_as_long_as_excel_allows_is_read():
    text = "가" * limits.CELL_CHARS
    xml = sheet_xml(f'<row r="1">{HEADER}</row><row r="2"><c r="B2" t="inlineStr"><is><t>{text}</t></is></c></row>')
    [source] = open_upload([UploadedFile("cases.xlsx", package({"incidents": xml}))])
    [(_number, cells)] = list(source.rows())
    assert cells[1].value == text


def test_a_shared_string_longer_than_a_cell_is_refused():
    strings = ["<si><t>" + "x" * (limits.CELL_CHARS + 1) + "</t></si>"]
    xml = sheet_xml(f'<row r="1">{HEADER}</row><row r="2"><c r="A2" t="s"><v>0</v></c></row>')
    refused([UploadedFile("cases.xlsx", package({"incidents": xml}, strings=strings))], "more than 32,767 characters")


def test_too_many_shared_strings_are_refused(settings):
    settings.IMPORT_MAX_SHARED_STRINGS = 100
    strings = [f"<si><t>{number}</t></si>" for number in range(101)]
    xml = sheet_xml(f'<row r="1">{HEADER}</row><row r="2"><c r="A2" t="s"><v>0</v></c></row>')
    refused([UploadedFile("cases.xlsx", package({"incidents": xml}, strings=strings))], "more than 100 different texts")


def test_a_shared_string_index_of_minus_one_is_refused_not_read_as_the_last_string():
    # Issue 16, finding 9: index -1 read the last string of the table.
    strings = ["<si><t>first</t></si>", "<si><t>last</t></si>"]
    xml = sheet_xml(f'<row r="1">{HEADER}</row><row r="2"><c r="A2" t="s"><v>-1</v></c></row>')
    refused([UploadedFile("cases.xlsx", package({"incidents": xml}, strings=strings))], "not a valid .xlsx workbook")


# Parts and members -----------------------------------------------------------------------------


def test_a_sheet_that_unzips_past_the_cap_is_refused(settings):
    settings.IMPORT_MAX_UNZIPPED_BYTES = 8 * 2**20
    row = b'<row><c t="inlineStr"><is><t>seoul</t></is></c></row>'
    content = workbook_with_sheet(SHEET_HEAD + b"</row>", row, 9 * 2**20 // len(row), b"<row>" + SHEET_TAIL)
    refused([UploadedFile("cases.xlsx", content)], "unzips to more than 8 MB")


@pytest.mark.parametrize(
    ("times", "match"), [(20_000, "unzips to more than 32 MB"), (600, "xl/styles.xml unzips to more than 4 MB")]
)
def test_a_200_mb_styles_part_is_refused_before_it_is_read(times, match):
    # The probe: a 200 MB styles.xml took 0.6 GB.
    styles = (
        b'<styleSheet xmlns="' + MAIN.encode() + b'"><numFmts>',
        b"<numFmt/>" * 1000,
        times,
        b"</numFmts></styleSheet>",
    )
    with zipfile.ZipFile(io.BytesIO(package({"incidents": sheet_xml("")}))) as source:
        members = {item.filename: source.read(item) for item in source.infolist()}
    members["xl/styles.xml"] = styles
    refused([UploadedFile("cases.xlsx", streamed_zip(members))], match)


def test_a_zip_with_a_300_mb_csv_file_is_refused_before_it_is_read():
    # The probe's second bomb: a 917 KB zip holding a 300 MB CSV file (2.1 GB of memory).
    head = csv_text("incidents", []).encode()
    content = streamed_zip({"incidents.csv": (head, b"seoul,2024-0001,seoul-high-1\r\n" * 10_000, 1_000, b"")})
    assert len(content) < 2 * 2**20
    refused([UploadedFile("cases.zip", content)], "unzips to more than 32 MB")


def lie_about_sizes(content: bytes, size: int) -> bytes:
    """The zip with every member's declared uncompressed size (local header and directory) set to ``size``."""
    data = bytearray(content)
    position = 0
    while (position := data.find(b"PK\x03\x04", position)) >= 0:
        struct.pack_into("<I", data, position + 22, size)
        position += 4
    position = 0
    while (position := data.find(b"PK\x01\x02", position)) >= 0:
        struct.pack_into("<I", data, position + 24, size)
        position += 4
    return bytes(data)


def test_a_zip_whose_headers_lie_about_the_size_is_refused_and_never_read_past_it():
    head = csv_text("incidents", []).encode()
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:  # (no zip64 extra: sizes in the headers)
        archive.writestr("incidents.csv", head + b"seoul,2024-0001,seoul-high-1\r\n" * 2_000_000)
    content = lie_about_sizes(output.getvalue(), 1000)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.infolist()[0].file_size == 1000
    refused([UploadedFile("cases.zip", content)], "incidents.csv cannot be unzipped", megabytes=20)


def test_bytes_are_counted_as_they_are_unzipped_whatever_the_header_says(settings):
    settings.IMPORT_MAX_UNZIPPED_BYTES = 2**20
    budget = limits.Budget(limits.default_limits())
    stream = limits._CountedStream(io.BytesIO(b"x" * 2**21), 2**21, lambda n: budget.reading((0, "a"), n), None)
    with pytest.raises(limits.LimitExceeded, match="more than 1 MB"):
        while stream.read(64 * 1024):
            pass
    # Reading a member again costs nothing more; another member does.
    budget = limits.Budget(limits.default_limits())
    budget.reading((0, "a"), 600_000)
    budget.reading((0, "a"), 600_000)
    with pytest.raises(limits.LimitExceeded):
        budget.reading((0, "b"), 600_000)


def test_a_member_past_its_own_cap_is_refused_while_it_is_read():
    refusal = limits.LimitExceeded("too large")

    def too_large():
        return refusal

    stream = limits._CountedStream(io.BytesIO(b"x" * 300), 200, lambda n: None, too_large)
    assert stream.read(150) == b"x" * 150
    with pytest.raises(limits.LimitExceeded):
        stream.read(150)


def test_a_zip_of_too_many_files_is_refused():
    content = streamed_zip({f"notes/{number}.txt": b"" for number in range(limits.MAX_MEMBERS + 1)})
    refused([UploadedFile("cases.zip", content)], "more than 1000 files")


def test_a_tag_longer_than_anything_legitimate_is_refused():
    content = workbook_with_sheet(SHEET_HEAD + b'<c r="A2" s="', b"1" * 2**20, 3, b'"/>' + SHEET_TAIL)
    refused([UploadedFile("cases.xlsx", content)], "not a valid .xlsx workbook")


def test_a_workbook_part_declaring_entities_is_refused():
    bomb = '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa">]><styleSheet xmlns="' + MAIN + '"/>'
    refused([UploadedFile("cases.xlsx", package({"incidents": sheet_xml("")}, styles=bomb))], "not a valid .xlsx")


# CSV -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [limits.CELL_CHARS + 1, 131_073, 900_000])
def test_a_csv_field_over_a_cell_is_a_clear_message_not_a_500(length):
    # The probe: a field over 131,072 characters (the csv module's limit) was a server error.
    text = csv_text("incidents", []) + 'seoul,"' + "x" * length + '",seoul-high-1\r\n'
    error = refused([UploadedFile("incidents.csv", text.encode())], "more than 32,767 characters")
    assert "incidents.csv, row 2" in error.messages[0]


def test_a_csv_row_of_a_million_separators_is_refused():
    text = csv_text("incidents", []) + "," * 3_000_000 + "\r\n"
    refused([UploadedFile("incidents.csv", text.encode())], "a row of more than")


def test_a_csv_file_in_a_zip_is_read_as_a_stream_in_cp949():
    rows = [{"office": "seoul", "case_number": f"2024-{number:04d}", "school": "학교"} for number in range(3000)]
    content = streamed_zip({"incidents.csv": csv_text("incidents", rows).encode("cp949")})
    [source] = open_upload([UploadedFile("cases.zip", content)])
    found = list(source.rows())
    assert len(found) == 3000 and found[-1][1][2].value == "학교"


# Every path: the upload page and the command ---------------------------------------------------


def bomb() -> bytes:
    """A workbook of 20 KB whose cell B2 unzips to 20 MB."""
    return workbook_with_sheet(
        SHEET_HEAD + b'<c r="B2" t="inlineStr"><is><t>', b"A" * 2**20, 20, b"</t></is></c>" + SHEET_TAIL
    )


def test_the_upload_page_refuses_a_bomb_with_a_message(client, world):
    client.force_login(world.clerk)
    before = record_counts()
    response = upload(client, bomb())
    assert response.status_code == 400
    assert "row 2, column B: the cell holds more than 32,767 characters" in response.content.decode()
    assert not ImportBatch.objects.exists() and record_counts() == before


def test_the_upload_page_refuses_a_long_csv_field_with_a_message(client, world):
    client.force_login(world.clerk)
    text = csv_text("incidents", []) + 'seoul,"' + "x" * 200_000 + '",seoul-high-1\r\n'
    response = upload(client, text.encode(), name="incidents.csv")
    assert response.status_code == 400
    assert "incidents.csv, row 2" in response.content.decode()


def test_the_command_refuses_a_bomb_with_exit_status_1(world, tmp_path):
    path = tmp_path / "cases.xlsx"
    path.write_bytes(bomb())
    before = record_counts()
    with pytest.raises(CommandError, match="more than 32,767 characters") as caught:
        call_command("import_cases", str(path), office="seoul", user=world.clerk.username, verbosity=0)
    assert caught.value.returncode == 1
    assert record_counts() == before


def test_the_command_line_s_larger_files_get_caps_as_much_larger(world, settings):
    settings.IMPORT_MAX_UNZIPPED_BYTES = 2**20
    rows = [
        {"office": "seoul", "case_number": f"2024-{n:04d}", "school": "seoul-high-1", "report_date": "2024-05-02",
         "content_kind": "sexual_image", "image_source": "unknown", "description": "x" * 30_000}
        for n in range(40)
    ]  # fmt: skip
    files = [UploadedFile("incidents.csv", csv_text("incidents", rows).encode())]
    with pytest.raises(FileError, match="unzips to more than 1 MB"):
        run(world.clerk, files, dry_run=True)
    result = run(world.clerk, files, dry_run=True, byte_limit=settings.IMPORT_MAX_BYTES * 2)
    assert result.ok, result.errors[:3]
    assert result.rows == 40


def test_a_sheet_of_empty_cells_far_beyond_the_rows_allowed_is_refused_as_it_is_parsed(settings, db):
    # Parsing costs by the element, not the byte: 31 MB of <c/> took 8 s before this cap.
    settings.IMPORT_MAX_ROWS = 100
    row = b"<row>" + b"<c/>" * 1000 + b"</row>"
    content = workbook_with_sheet(SHEET_HEAD + b"</row>", row, 200, b"<row>" + SHEET_TAIL)
    refused([UploadedFile("cases.xlsx", content)], "far more cells than 100 rows need")
    settings.IMPORT_MAX_ROWS = 2000
    with pytest.raises(FileError, match="nothing to import"):
        run(UserFactory(office=OfficeFactory(code="seoul")), [UploadedFile("cases.xlsx", content)], dry_run=True)
