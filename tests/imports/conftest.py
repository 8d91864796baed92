"""A small world to import into (one office, its school, committee and channel), and files to import."""

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass

import openpyxl
import pytest
from django.utils import translation

from casetracker.cases.models import Appeal, CommitteeCase, Incident, Measure, Offender, Victim
from casetracker.core.models import Channel, Committee, Office, School
from casetracker.imports import layout, services
from casetracker.imports.readers import UploadedFile
from tests.factories import ChannelFactory, CommitteeFactory, OfficeFactory, SchoolFactory, UserFactory

CASE_MODELS = (Incident, Victim, Offender, CommitteeCase, Measure, Appeal)


@pytest.fixture(autouse=True)
def in_english():
    """Messages are checked in English here, except where a test switches to Korean."""
    with translation.override("en"):
        yield


@dataclass
class World:
    office: Office
    school: School
    committee: Committee
    channel: Channel
    clerk: object
    other_office: Office
    other_school: School


@pytest.fixture
def world(db) -> World:
    office = OfficeFactory(code="seoul", name_ko="서울특별시교육청", name_en="Seoul")
    school = SchoolFactory(office=office, code="seoul-high-1")
    committee = CommitteeFactory(
        office=office,
        local_office=school.local_office,
        name_ko="서울 학교폭력대책심의위원회",
        name_en="Seoul SV committee",
    )
    other = OfficeFactory(code="busan")
    return World(
        office=office,
        school=school,
        committee=committee,
        channel=ChannelFactory(code="telegram", name_ko="텔레그램", name_en="Telegram"),
        clerk=UserFactory(username="clerk_seoul", office=office),
        other_office=other,
        other_school=SchoolFactory(office=other, code="busan-high-1"),
    )


def headers(sheet_key: str, language: str = "en") -> list[str]:
    sheet = next(sheet for sheet in layout.SHEETS if sheet.key == sheet_key)
    with translation.override(language):
        return [str(column.label) for column in sheet.columns]


def rows_for(sheet_key: str, rows: list[dict], language: str = "en") -> list[list]:
    """Header row and data rows, each row a dict by column key (missing keys left empty)."""
    sheet = next(sheet for sheet in layout.SHEETS if sheet.key == sheet_key)
    return [headers(sheet_key, language)] + [[row.get(column.key) for column in sheet.columns] for row in rows]


def case_sheets(number: str = "2024-0001", *, office: str = "seoul", school: str = "seoul-high-1", **changes):
    """A complete case: incident, a victim, an offender, a hearing and a measure (by column key)."""
    sheets = {
        "incidents": [
            {
                "office": office,
                "case_number": number,
                "school": school,
                "report_date": datetime.date(2024, 5, 2),
                "content_kind": "sexual_image",
                "image_source": "social_profile",
                "channels": "telegram",
            }
        ],
        "victims": [{"case_number": number, "code": "V1", "kind": "student", "school_level": "high", "grade": 2}],
        "offenders": [{"case_number": number, "code": "O1", "kind": "student", "school_level": "high", "grade": 2}],
        "committee_cases": [
            {
                "case_number": number,
                "committee": "Seoul SV committee",
                "requested_on": datetime.date(2024, 5, 7),
                "hearing_date": datetime.date(2024, 5, 20),
            }
        ],
        "measures": [
            {
                "case_number": number,
                "committee": "Seoul SV committee",
                "offender": "O1",
                "number": 8,
                "decided_on": datetime.date(2024, 5, 20),
            }
        ],
    }
    for key, value in changes.items():
        sheets[key] = value
    return sheets


def xlsx(sheets: dict[str, list[dict]], *, language: str = "en", raw: dict[str, list[list]] | None = None) -> bytes:
    """A workbook; ``raw`` gives a sheet's rows as they are (for headers and cells out of the layout)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for key, rows in sheets.items():
        sheet = next(sheet for sheet in layout.SHEETS if sheet.key == key)
        with translation.override(language):
            worksheet = workbook.create_sheet(str(sheet.label))
        for row in rows_for(key, rows, language):
            worksheet.append(row)
    for title, rows in (raw or {}).items():
        worksheet = workbook.create_sheet(title)
        for row in rows:
            worksheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def csv_text(sheet_key: str, rows: list[dict], language: str = "en") -> str:
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\r\n")
    for row in rows_for(sheet_key, rows, language):
        writer.writerow(["" if value is None else value for value in row])
    return output.getvalue()


def csv_zip(sheets: dict[str, list[dict]], *, encoding: str = "utf-8-sig", language: str = "en") -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        for key, rows in sheets.items():
            archive.writestr(f"{key}.csv", csv_text(key, rows, language).encode(encoding))
    return output.getvalue()


def record_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in CASE_MODELS} | {
        f"history {model.__name__}": model.history.count() for model in CASE_MODELS
    }


def run(user, files: list[UploadedFile], *, dry_run: bool = False, office_code: str = "seoul", **options):
    return services.import_files(user=user, office_code=office_code, files=files, dry_run=dry_run, **options)


def workbook_file(content: bytes, name: str = "cases.xlsx") -> list[UploadedFile]:
    return [UploadedFile(name, content)]
