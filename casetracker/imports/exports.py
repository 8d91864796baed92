"""Case lists in the import layout (so an export re-imports as no change), and the blank templates.

Rows come through the case selectors with the user, for one office at a time (case numbers
are unique within an office). Names and free-text descriptions are never written; the reason for a
committee case's extension is, as its reader may see it (``cases.visibility``: in its protected
form but to the office's clerks). The files
are written by the application's one writer (``core.exports``: control characters out, text
that could run as a formula quoted, which the importer undoes). Choices are written as their
labels in the active language, dates as dates: the importer reads both back.
"""

import datetime
import io
import zipfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from casetracker.cases import selectors, visibility
from casetracker.cases.models import Appeal, ClosureReason, CommitteeCase, Incident, Offender, Victim
from casetracker.core.exports import XLSX_CONTENT_TYPE as XLSX_CONTENT_TYPE
from casetracker.core.exports import CsvFile, XlsxFile, csv_value
from casetracker.core.models import Committee, Office, School, SchoolLevel

from .layout import SHEETS, Kind, Sheet

ZIP_CONTENT_TYPE = "application/zip"
CHUNK = 2000


def _label(choices, value) -> str:
    return str(choices(value).label) if value not in (None, "") else ""


def _rows_incidents(user, office: Office) -> Iterator[list[Any]]:
    incidents = (
        selectors.incidents_for(user)
        .filter(office=office)
        .select_related("office", "school")
        .prefetch_related("channels")
        .order_by("case_number")
    )
    for incident in incidents.iterator(chunk_size=CHUNK):
        yield [
            incident.office.code,
            incident.case_number,
            incident.school.code,
            incident.report_date,
            _label(Incident.ContentKind, incident.content_kind),
            _label(Incident.ImageSource, incident.image_source),
            ", ".join(channel.code for channel in incident.channels.all()),
            incident.police_referred_on,
            incident.closed_on,
            _label(ClosureReason, incident.closure_reason),
        ]


def _person_rows(people: QuerySet, *, graduation: bool) -> Iterator[list[Any]]:
    for person in people.select_related("incident").order_by("incident__case_number", "code").iterator(CHUNK):
        row = [
            person.incident.case_number,
            person.code,
            _label(type(person).Kind, person.kind),
            _label(SchoolLevel, person.school_level),
            person.grade,
        ]
        if graduation:
            row.append(person.expected_graduation_on)
        yield row


def _rows_victims(user, office: Office) -> Iterator[list[Any]]:
    return _person_rows(selectors.victims_for(user).filter(incident__office=office), graduation=False)


def _rows_offenders(user, office: Office) -> Iterator[list[Any]]:
    return _person_rows(selectors.offenders_for(user).filter(incident__office=office), graduation=True)


def _rows_committee_cases(user, office: Office) -> Iterator[list[Any]]:
    cases = (
        selectors.committee_cases_for(user)
        .filter(incident__office=office)
        .select_related("incident", "committee")
        .order_by("incident__case_number", "requested_on", "id")
    )
    for chunk in _chunks(cases.iterator(CHUNK)):
        people = visibility.CasePeople()  # (a chunk's people at a time)
        if not visibility.sees_as_stored(user, CommitteeCase, office_id=office.pk):
            people.load(case.incident_id for case in chunk if case.extension_reason)  # (two queries a chunk)
        for case in chunk:
            yield _committee_case_row(user, office, case, people)


def _chunks(rows: Iterator[Any]) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _committee_case_row(user, office: Office, case: CommitteeCase, people: visibility.CasePeople) -> list[Any]:
    reason = visibility.shown(
        user,
        CommitteeCase,
        "extension_reason",
        case.extension_reason,
        office_id=office.pk,
        incident_id=case.incident_id,
        people=people,
    )
    return [
        case.incident.case_number,
        case.committee.name,
        case.requested_on,
        case.extended_on,
        reason,
        case.hearing_scheduled_on,
        case.hearing_date,
        case.closed_on,
        _label(ClosureReason, case.closure_reason),
    ]


def _rows_measures(user, office: Office) -> Iterator[list[Any]]:
    # Measures an appeal ordered are not listed: the appeal row (outcome "changed") gives them.
    measures = (
        selectors.measures_for(user)
        .filter(committee_case__incident__office=office, ordered_by_appeal__isnull=True)
        .select_related("committee_case__incident", "committee_case__committee", "offender")
        .order_by("committee_case__incident__case_number", "committee_case_id", "offender__code", "number", "id")
    )
    for measure in measures.iterator(CHUNK):
        case = measure.committee_case
        yield [
            case.incident.case_number,
            case.committee.name,
            measure.offender.code,
            measure.number,
            measure.decided_on,
            measure.days,
            measure.hours,
            measure.notified_on,
            measure.carried_out_on,
            measure.deleted_from_record_on,
        ]


def _rows_appeals(user, office: Office) -> Iterator[list[Any]]:
    appeals = (
        selectors.appeals_for(user)
        .filter(measure__committee_case__incident__office=office)
        .select_related("measure__committee_case__incident", "measure__committee_case__committee", "measure__offender")
        .order_by("measure__committee_case__incident__case_number", "measure_id", "filed_on", "id")
    )
    for appeal in appeals.iterator(CHUNK):
        measure = appeal.measure
        yield [
            measure.committee_case.incident.case_number,
            measure.committee_case.committee.name,
            measure.offender.code,
            measure.number,
            _label(Appeal.Appellant, appeal.appellant),
            _label(Appeal.Kind, appeal.kind),
            appeal.filed_on,
            _label(Appeal.Outcome, appeal.outcome),
            appeal.decided_on,
            appeal.replacement_number,
            appeal.replacement_days,
            appeal.replacement_hours,
        ]


ROWS = {
    "incidents": _rows_incidents,
    "victims": _rows_victims,
    "offenders": _rows_offenders,
    "committee_cases": _rows_committee_cases,
    "measures": _rows_measures,
    "appeals": _rows_appeals,
}


def case_rows(user, office: Office) -> Iterator[tuple[Sheet, Iterable[list[Any]]]]:
    """Each sheet of the layout with its rows for ``office`` in ``user``'s scope (lazily)."""
    for sheet in SHEETS:
        yield sheet, ROWS[sheet.key](user, office)


def headers(sheet: Sheet) -> list[str]:
    return [str(column.label) for column in sheet.exported_columns]


# Writers -------------------------------------------------------------------------------------


def write_xlsx(sheets: Iterable[tuple[Sheet, Iterable[list[Any]]]], *, extra=None) -> bytes:
    """A workbook of the layout's sheets; ``extra(book)`` may add help sheets (templates)."""
    book = XlsxFile()
    for sheet, rows in sheets:
        worksheet = book.sheet(str(sheet.label))
        worksheet.row(headers(sheet), bold=True)
        worksheet.rows(rows)
    if extra is not None:
        extra(book)
    return book.content()


def write_csv_zip(sheets: Iterable[tuple[Sheet, Iterable[list[Any]]]], *, extra_files=()) -> bytes:
    """One CSV file per sheet (UTF-8 with a byte-order mark, which Excel needs for Korean), zipped."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for sheet, rows in sheets:
            file = CsvFile()
            file.row(headers(sheet))
            file.rows(rows)
            archive.writestr(f"{sheet.label}.csv", file.text())
        for name, content in extra_files:
            archive.writestr(name, content)
    return output.getvalue()


# Blank templates ---------------------------------------------------------------------------------


def instructions(user) -> list[list[str]]:
    """The help for each sheet and column: what it holds, whether required, the allowed values; and the
    committees ``user`` may name (their office's, or their local office's)."""
    office = getattr(user, "office", None)
    rows = [
        [_("How to fill in this workbook")],
        [
            _(
                "Fill in one sheet per kind of record. Rows refer to each other by case number and person code. "
                "Upload the workbook (or the sheets as CSV files) on the import page: you see a preview of what "
                "will be created, changed, or is wrong, and nothing is saved until you confirm."
            )
        ],
        [
            _(
                "Dates as 2024-08-31 (2024.8.31 and date cells work too). Rows already recorded are updated; "
                "rows not in the file are left as they are. Never put the deepfake content itself in a file."
            )
        ],
        [],
        [_("sheet"), _("column"), _("required"), _("kind"), _("allowed values"), _("notes")],
    ]
    for sheet in SHEETS:
        rows.append([str(sheet.label), "", "", "", "", str(sheet.help)])
        for column in sheet.columns:
            rows.append(
                [
                    "",
                    str(column.label),
                    _("yes") if column.required else "",
                    str(Kind(column.kind).label),
                    ", ".join(str(label) for label in column.choices.labels) if column.choices else "",
                    str(column.help),
                ]
            )
    if office is not None:
        rows += [[], [_("Committees of %(office)s") % {"office": office}]]
        rows += [[committee.name] for committee in Committee.objects.for_user(user).filter(office=office)]
    return rows


def examples(user) -> dict[str, list[list[Any]]]:
    """Two example cases, with a school and committee that ``user`` may choose, where there are some."""
    office = getattr(user, "office", None)
    school = committee = None
    if office is not None:
        school = School.objects.for_user(user).filter(office=office, level=SchoolLevel.HIGH).first()
        committee = Committee.objects.for_user(user).filter(office=office, kind=Committee.Kind.SCHOOL_VIOLENCE).first()
    office_code = office.code if office else "seoul"
    school_code = school.code if school else "example-high-school"
    committee_name = committee.name if committee else _("(your school violence review committee)")
    day = datetime.date
    return {
        "incidents": [
            [office_code, "2024-0001", school_code, day(2024, 5, 2), str(Incident.ContentKind.SEXUAL_IMAGE.label),
             str(Incident.ImageSource.SOCIAL_PROFILE.label), "telegram, group_chat", day(2024, 5, 3), None, ""],
            [office_code, "2024-0002", school_code, day(2024, 6, 10), str(Incident.ContentKind.SEXUAL_VIDEO.label),
             str(Incident.ImageSource.UNKNOWN.label), "humiliation_room", None, None, ""],
        ],
        "victims": [
            ["2024-0001", "V1", str(Victim.Kind.STUDENT.label), str(SchoolLevel.HIGH.label), 2],
            ["2024-0002", "V1", str(Victim.Kind.TEACHER.label), "", None],
        ],
        "offenders": [
            ["2024-0001", "O1", str(Offender.Kind.STUDENT.label), str(SchoolLevel.HIGH.label), 2, day(2026, 2, 28)],
            ["2024-0002", "O1", str(Offender.Kind.UNIDENTIFIED.label), "", None, None],
        ],
        "committee_cases": [["2024-0001", committee_name, day(2024, 5, 7), None, "", day(2024, 5, 20),
                             day(2024, 5, 20), None, ""]],
        "measures": [["2024-0001", committee_name, "O1", 8, day(2024, 5, 20), None, None, day(2024, 5, 22), None,
                      None]],
        "appeals": [["2024-0001", committee_name, "O1", 8, str(Appeal.Appellant.OFFENDER.label),
                     str(Appeal.Kind.ADMINISTRATIVE_APPEAL.label), day(2024, 6, 3),
                     str(Appeal.Outcome.PENDING.label), None, None, None, None]],
    }  # fmt: skip


def template_xlsx(user) -> bytes:
    """The blank workbook: the six sheets with their headers only, then instructions and examples
    (with the reference data of ``user``'s scope; None for none)."""
    sample = examples(user)

    def help_sheets(book: XlsxFile) -> None:
        book.sheet(_("instructions")).rows(instructions(user))
        shown = book.sheet(_("examples"))
        for sheet in SHEETS:
            shown.row([str(sheet.label)])
            shown.row(headers(sheet))
            shown.rows(sample[sheet.key])
            shown.row([])

    return write_xlsx(((sheet, []) for sheet in SHEETS), extra=help_sheets)


def template_csv_zip(user) -> bytes:
    """The blank CSV files (headers only), with the instructions and examples as a text file."""
    lines = ["\t".join(str(cell) for cell in row) for row in instructions(user)]
    sample = examples(user)
    lines.append("")
    lines.append(_("examples"))
    for sheet in SHEETS:
        lines.append("")
        lines.append(f"{sheet.label}.csv")
        lines.append(",".join(headers(sheet)))
        lines.extend(",".join(str(csv_value(value)) for value in row) for row in sample[sheet.key])
    readme = "\ufeff" + "\r\n".join(lines) + "\r\n"
    return write_csv_zip(((sheet, []) for sheet in SHEETS), extra_files=[(_("instructions") + ".txt", readme)])
