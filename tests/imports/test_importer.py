"""The importer's rules: what a file creates, updates, leaves alone, and refuses (changing nothing)."""

import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.utils import translation

from casetracker.cases.models import Appeal, Incident, Measure, Offender, Victim
from casetracker.imports.readers import FileError, UploadedFile
from tests.factories import UserFactory
from tests.wipe import delete_cases

from .conftest import case_sheets, csv_text, csv_zip, record_counts, run, workbook_file, xlsx


def counts(result) -> dict[str, tuple[int, int, int, int]]:
    return {sheet.key: (sheet.created, sheet.updated, sheet.unchanged, sheet.errors) for sheet in result.sheets}


def only_error(result):
    assert result.error_count == 1, result.errors
    return result.errors[0]


def test_a_complete_case_is_created_and_a_second_import_changes_nothing(world):
    content = xlsx(case_sheets())
    result = run(world.clerk, workbook_file(content))
    assert result.ok and result.committed
    assert counts(result) == {
        "incidents": (1, 0, 0, 0),
        "victims": (1, 0, 0, 0),
        "offenders": (1, 0, 0, 0),
        "committee_cases": (1, 0, 0, 0),
        "measures": (1, 0, 0, 0),
    }
    incident = Incident.objects.get(case_number="2024-0001")
    assert incident.office == world.office and incident.school == world.school
    assert list(incident.channels.all()) == [world.channel]
    measure = Measure.objects.get()
    assert (measure.law, measure.number, measure.offender.code) == ("art17", 8, "O1")

    before = record_counts()
    again = run(world.clerk, workbook_file(content))
    assert again.ok
    assert {key: value[2] for key, value in counts(again).items()} == dict.fromkeys(counts(again), 1)
    assert record_counts() == before  # no row saved, no history written


def test_every_imported_row_is_in_the_audit_trail_as_an_import(world):
    run(world.clerk, workbook_file(xlsx(case_sheets()), name="seoul-cases.xlsx"))
    for model in (Incident, Victim, Offender, Measure):
        entry = model.history.order_by("history_date").first()
        assert entry.history_user == world.clerk
        assert entry.history_change_reason.startswith("import (command line): seoul-cases.xlsx")
    history = Incident.history.get()
    assert [link.channel for link in history.channels.all()] == [world.channel]
    from casetracker.audit.models import AccessLog

    log = AccessLog.objects.get(action=AccessLog.Action.IMPORT)
    assert log.user == world.clerk and "incidents: +1" in log.detail


def test_a_changed_row_updates_its_record_and_only_it(world):
    run(world.clerk, workbook_file(xlsx(case_sheets())))
    victim = Victim.objects.get()
    sheets = case_sheets()
    sheets["victims"][0]["grade"] = 3
    result = run(world.clerk, workbook_file(xlsx(sheets)))
    assert counts(result)["victims"] == (0, 1, 0, 0)
    assert counts(result)["incidents"] == (0, 0, 1, 0)
    victim.refresh_from_db()
    assert (victim.grade, victim.version) == (3, 2)


def test_korean_headers_sheet_names_and_choice_labels(world):
    with translation.override("ko"):
        student, high = str(Victim.Kind.STUDENT.label), "고등학교"
        image = str(Incident.ContentKind.SEXUAL_IMAGE.label)
    sheets = case_sheets()
    sheets["incidents"][0]["content_kind"] = image
    sheets["victims"][0].update(kind=student, school_level=high)
    sheets["committee_cases"][0]["committee"] = "서울 학교폭력대책심의위원회"
    result = run(world.clerk, workbook_file(xlsx(sheets, language="ko")))
    assert result.ok, result.errors
    assert Victim.objects.get().school_level == "high"


@pytest.mark.parametrize("encoding", ["cp949", "euc-kr", "utf-8-sig", "utf-8"])
def test_csv_files_in_korean_excel_encodings(world, encoding):
    sheets = case_sheets()
    sheets["incidents"][0]["report_date"] = "2024.5.2"
    sheets["committee_cases"][0]["committee"] = "서울 학교폭력대책심의위원회"
    files = [
        UploadedFile(f"{key}.csv", csv_text(key, rows, language="ko").encode(encoding)) for key, rows in sheets.items()
    ]
    result = run(world.clerk, files)
    assert result.ok, result.errors
    assert Incident.objects.get().report_date == datetime.date(2024, 5, 2)


def test_a_zip_of_csv_files(world):
    result = run(world.clerk, [UploadedFile("cases.zip", csv_zip(case_sheets(), encoding="cp949", language="ko"))])
    assert result.ok and counts(result)["measures"] == (1, 0, 0, 0)


@pytest.mark.parametrize(
    "written", ["2024-05-02", "2024.5.2", "2024. 5. 2.", "2024/05/02", "2024년 5월 2일", datetime.date(2024, 5, 2)]
)
def test_date_spellings(world, written):
    sheets = {"incidents": case_sheets()["incidents"]}
    sheets["incidents"][0]["report_date"] = written
    assert run(world.clerk, workbook_file(xlsx(sheets))).ok
    assert Incident.objects.get().report_date == datetime.date(2024, 5, 2)


def test_an_excel_date_time_cell_reads_as_its_date(world):
    sheets = {"incidents": case_sheets()["incidents"]}
    sheets["incidents"][0]["report_date"] = datetime.datetime(2024, 5, 2, 0, 0)
    assert run(world.clerk, workbook_file(xlsx(sheets))).ok
    assert Incident.objects.get().report_date == datetime.date(2024, 5, 2)


# Bad files: a clear message, nothing changed -----------------------------------------------------


def refused_file(user, files, message: str, **options) -> None:
    before = record_counts()
    with pytest.raises(FileError) as raised:
        run(user, files, **options)
    assert any(message in text for text in raised.value.messages), raised.value.messages
    assert record_counts() == before


def test_a_file_that_is_not_a_spreadsheet(world):
    refused_file(world.clerk, [UploadedFile("photo.png", b"\x89PNG\r\n\x1a\nrest")], "is not a spreadsheet")


def test_an_old_xls_file(world):
    refused_file(world.clerk, [UploadedFile("cases.xls", b"\xd0\xcf\x11\xe0rest")], "save it as an .xlsx")


def test_a_damaged_workbook(world):
    refused_file(world.clerk, [UploadedFile("cases.xlsx", b"PK\x03\x04 not really")], "not a valid .xlsx")


def test_an_empty_file(world):
    refused_file(world.clerk, [UploadedFile("incidents.csv", b"")], "is empty")


def test_a_workbook_without_rows(world):
    refused_file(world.clerk, workbook_file(xlsx({"incidents": []}, raw={})), "nothing to import")


def test_a_sheet_that_is_not_in_the_layout(world):
    content = xlsx(case_sheets(), raw={"Notes": [["anything"]]})
    refused_file(world.clerk, workbook_file(content), "“Notes” is not part of the layout")


def test_a_csv_file_whose_name_is_not_a_sheet(world):
    refused_file(world.clerk, [UploadedFile("cases.csv", b"a,b\n1,2\n")], "“cases.csv” is not part of the layout")


def test_a_missing_column(world):
    workbook = openpyxl.load_workbook(__import__("io").BytesIO(xlsx(case_sheets())))
    workbook["incidents"].delete_cols(4)  # report date
    output = __import__("io").BytesIO()
    workbook.save(output)
    refused_file(world.clerk, workbook_file(output.getvalue()), "the column “report date” is missing")


def test_a_text_file_in_another_encoding(world):
    refused_file(
        world.clerk, [UploadedFile("incidents.csv", "사안".encode("utf-16-le") + b"\x00\xd8")], "UTF-8 or CP949"
    )


def test_too_many_rows(world):
    refused_file(world.clerk, workbook_file(xlsx(case_sheets())), "more than 3 rows", row_limit=3)


def test_a_file_too_large(world):
    refused_file(world.clerk, workbook_file(xlsx(case_sheets())), "larger than", byte_limit=1000)


# Bad rows: each error names sheet, row, column and value; nothing is saved -----------------------


def refused_rows(user, sheets, **options):
    before = record_counts()
    result = run(user, workbook_file(xlsx(sheets, **options)))
    assert not result.ok and not result.committed
    assert record_counts() == before
    return result


def test_a_formula_in_a_cell(world):
    sheets = case_sheets()
    sheets["victims"][0]["grade"] = "=1+1"
    error = only_error(refused_rows(world.clerk, sheets))
    assert (error.sheet, error.row, error.column, error.value) == ("victims", 2, "grade", "=1+1")
    assert "Formulas are not imported" in error.message


def test_a_formula_in_a_csv_cell_and_our_own_neutralised_text(world):
    rows = case_sheets()["incidents"]
    rows[0]["case_number"] = '=HYPERLINK("http://example.org")'
    result = run(world.clerk, [UploadedFile("incidents.csv", csv_text("incidents", rows).encode())])
    assert "Formulas are not imported" in only_error(result).message
    rows[0]["case_number"] = "'=2024-1"  # as our exports write text that starts like a formula
    result = run(world.clerk, [UploadedFile("incidents.csv", csv_text("incidents", rows).encode())])
    assert result.ok and Incident.objects.get().case_number == "=2024-1"


def test_text_in_a_date_column(world):
    sheets = case_sheets()
    sheets["incidents"][0]["report_date"] = "last Tuesday"
    result = refused_rows(world.clerk, sheets)
    first = result.errors[0]
    assert (first.sheet, first.row, first.column, first.value) == ("incidents", 2, "report date", "last Tuesday")
    assert "write it as 2024-08-31" in first.message
    # The case's other rows say why they cannot go in, rather than failing silently.
    assert {error.sheet for error in result.errors} == {
        "incidents",
        "victims",
        "offenders",
        "committee cases",
        "measures",
    }


def test_errors_are_in_the_users_language(world):
    sheets = case_sheets()
    sheets["incidents"][0]["report_date"] = "지난 화요일"
    with translation.override("ko"):
        result = run(world.clerk, workbook_file(xlsx(sheets, language="ko")))
    first = result.errors[0]
    assert (first.sheet, first.column) == ("사안", "신고 접수일")
    assert "2024-08-31" in first.message and "날짜" in first.message


def test_the_models_rules_apply_as_in_the_entry_forms(world):
    sheets = case_sheets()
    sheets["offenders"][0].update(school_level="middle", grade=2)  # measure 8... and 9 is for high schools only
    sheets["measures"][0]["number"] = 9
    error = only_error(refused_rows(world.clerk, sheets))
    assert (error.sheet, error.row, error.column, error.value) == ("measures", 2, "measure number", "9")
    assert "Expulsion can only be imposed on high-school students" in error.message


def test_a_rule_on_a_column_the_file_lacks_names_the_field(world):
    sheets = case_sheets()
    sheets["victims"][0].update(school_level=None, grade=None)
    errors = refused_rows(world.clerk, sheets).errors
    assert {(error.sheet, error.column, error.message) for error in errors} == {
        ("victims", "school level", "Give the school level of a student."),
        ("victims", "grade", "Give the grade of a student."),
    }


def test_office_and_school_codes_in_capitals_are_the_same_codes(world):
    assert run(world.clerk, workbook_file(xlsx(case_sheets(office="SEOUL", school="Seoul-High-1")))).ok
    assert Incident.objects.get().school == world.school


def test_a_row_for_another_office_is_an_error(world):
    sheets = case_sheets(office="busan", school="busan-high-1")
    result = refused_rows(world.clerk, sheets)
    first = result.errors[0]
    assert (first.column, first.value) == ("office of education", "busan")
    assert "you can import into" in first.message


def test_a_school_of_another_office_is_an_error(world):
    result = refused_rows(world.clerk, case_sheets(school="busan-high-1"))
    assert result.errors[0].message == "No school of your office of education or local office has this code."


def test_an_unknown_committee_offender_or_case(world):
    sheets = case_sheets()
    sheets["measures"].append(dict(sheets["measures"][0], offender="O9"))
    sheets["measures"].append(dict(sheets["measures"][0], committee="No such committee"))
    sheets["victims"].append(dict(sheets["victims"][0], case_number="2099-0001"))
    messages = {(error.sheet, error.row, error.message) for error in refused_rows(world.clerk, sheets).errors}
    assert messages == {
        ("measures", 3, "This case has no offender with this code."),
        ("measures", 4, "No committee of your office of education or local office has this name."),
        ("victims", 3, "No case with this number in your office, nor in the incidents sheet."),
    }


def test_one_bad_row_among_5000_saves_nothing(world):
    incidents = [
        dict(case_sheets()["incidents"][0], case_number=f"2024-{number:04d}", channels=None) for number in range(2500)
    ]
    victims = [
        {"case_number": f"2024-{number:04d}", "code": "V1", "kind": "student", "school_level": "high", "grade": 1}
        for number in range(2500)
    ]
    victims[1777]["grade"] = 7  # a high school has grades 1 to 3
    before = record_counts()
    result = run(world.clerk, workbook_file(xlsx({"incidents": incidents, "victims": victims})))
    assert result.rows == 5000
    error = only_error(result)
    assert (error.sheet, error.row, error.column) == ("victims", 1779, "grade")
    assert not result.committed and record_counts() == before


# Who may import ----------------------------------------------------------------------------------


def test_a_clerk_cannot_import_into_another_office(world):
    with pytest.raises(PermissionDenied, match="can import into that office only"):
        run(world.clerk, workbook_file(xlsx(case_sheets())), office_code="busan")


def test_supervisors_cannot_import(world):
    supervisor = UserFactory(supervisor=True, office=world.office)
    with pytest.raises(PermissionDenied, match="Only clerks"):
        run(supervisor, workbook_file(xlsx(case_sheets())))


def test_a_local_office_clerk_imports_only_their_schools(world):
    from tests.factories import SchoolFactory

    elsewhere = SchoolFactory(office=world.office, code="seoul-high-2")
    clerk = UserFactory(office=world.office, local_office=world.school.local_office)
    result = run(clerk, workbook_file(xlsx({"incidents": case_sheets(school=elsewhere.code)["incidents"]})))
    assert only_error(result).message == "No school of your office of education or local office has this code."
    assert run(clerk, workbook_file(xlsx({"incidents": case_sheets()["incidents"]}))).ok


def changed_appeal_sheets() -> dict:
    """The complete case, with an appeal that changed its measure 8 into a 7."""
    sheets = case_sheets()
    sheets["appeals"] = [
        {
            "case_number": "2024-0001",
            "committee": "Seoul SV committee",
            "offender": "O1",
            "measure": 8,
            "appellant": "offender",
            "filed_on": datetime.date(2024, 6, 1),
            "outcome": "changed",
            "decided_on": datetime.date(2024, 7, 1),
            "replacement_number": 7,
        }
    ]
    return sheets


def test_an_appeal_that_changed_a_measure_orders_its_replacement(world):
    sheets = changed_appeal_sheets()
    assert run(world.clerk, workbook_file(xlsx(sheets))).ok
    assert Appeal.objects.get().outcome == "changed"
    assert sorted(Measure.objects.values_list("number", flat=True)) == [7, 8]
    assert list(Measure.objects.final().values_list("number", flat=True)) == [7]
    again = run(world.clerk, workbook_file(xlsx(sheets)))
    assert again.ok and counts(again)["appeals"] == (0, 0, 1, 0)


def test_an_import_cannot_drop_a_replacement_already_carried_out(world):
    """The importer changes a decided appeal through the same rule as the correction: a replacement
    with a carrying out of its own is not silently removed."""
    sheets = changed_appeal_sheets()
    assert run(world.clerk, workbook_file(xlsx(sheets))).ok
    Measure.objects.filter(number=7).update(carried_out_on=datetime.date(2024, 7, 5))
    sheets["appeals"][0].update(outcome="revoked", replacement_number=None)
    error = only_error(run(world.clerk, workbook_file(xlsx(sheets))))
    assert (error.sheet, error.column) == ("appeals", "outcome")
    assert "recorded as carried out" in error.message
    assert Appeal.objects.get().outcome == "changed"
    assert Measure.objects.get(number=7).carried_out_on == datetime.date(2024, 7, 5)


def test_closing_a_case_is_checked_against_the_committee_cases_of_the_file(world):
    sheets = case_sheets()
    sheets["incidents"][0].update(closed_on=datetime.date(2024, 7, 1))
    sheets["measures"][0]["carried_out_on"] = datetime.date(2024, 6, 1)
    assert run(world.clerk, workbook_file(xlsx(sheets))).ok
    assert Incident.objects.get().closed_on == datetime.date(2024, 7, 1)

    unheard = case_sheets("2024-0002", measures=[])
    unheard["committee_cases"][0]["hearing_date"] = None
    unheard["incidents"][0].update(closed_on=datetime.date(2024, 7, 1), closure_reason="withdrawn")
    error = only_error(run(world.clerk, workbook_file(xlsx(unheard))))
    assert (error.sheet, error.column) == ("incidents", "closed on")
    assert "still open" in error.message


# The command line --------------------------------------------------------------------------------


def manage(*arguments) -> tuple[int, str, str]:
    """The exit status the command line would give (a CommandError is status 1), and its output.

    (call_command rather than the real command line: that closes the database connection,
    which on PostgreSQL is the test's own transaction.)"""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*arguments, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), err.getvalue() + str(error)
    return 0, out.getvalue(), err.getvalue()


def test_the_command_prints_the_preview_and_exits_1_on_errors(world, tmp_path):
    sheets = case_sheets()
    sheets["incidents"][0]["report_date"] = "soon"
    path = tmp_path / "cases.xlsx"
    path.write_bytes(xlsx(sheets))
    before = record_counts()
    status, out, err = manage("import_cases", str(path), "--office", "seoul", "--user", "clerk_seoul")
    assert status == 1
    assert "incidents\t0\t0\t0\t1" in out
    assert "incidents, row 2, column report date, value “soon”: This is not a date" in err
    assert "Nothing was imported" in err
    assert record_counts() == before


def test_the_command_dry_run_saves_nothing_and_then_imports(world, tmp_path):
    path = tmp_path / "cases.xlsx"
    path.write_bytes(xlsx(case_sheets()))
    status, out, _err = manage("import_cases", str(path), "--office", "seoul", "--user", "clerk_seoul", "--dry-run")
    assert status == 0 and "Dry run" in out and not Incident.objects.exists()
    status, out, _err = manage("import_cases", str(path), "--office", "seoul", "--user", "clerk_seoul")
    assert status == 0 and "Imported 5 rows" in out and Incident.objects.count() == 1


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--office", "busan", "--user", "clerk_seoul"], "can import into that office only"),
        (["--office", "seoul", "--user", "nobody"], "No active account named nobody"),
    ],
)
def test_the_command_refuses_the_wrong_office_or_user(world, tmp_path, arguments, message):
    path = tmp_path / "cases.xlsx"
    path.write_bytes(xlsx(case_sheets()))
    status, _out, err = manage("import_cases", str(path), *arguments)
    assert status == 1 and message in err
    assert not Incident.objects.exists()


def test_two_rows_for_the_same_record_are_an_error(world):
    sheets = case_sheets()
    sheets["victims"].append(dict(sheets["victims"][0], grade=3))
    error = only_error(refused_rows(world.clerk, sheets))
    assert (error.sheet, error.row, error.message) == ("victims", 3, "This row is for the same record as row 2.")


def test_a_rule_only_the_database_holds_lands_on_its_row(world, monkeypatch):
    """Rows are saved in batches; when the database refuses one, the batch is saved row by row
    so that the refusal is reported on the row at fault, with the constraint's message."""
    monkeypatch.setattr(Victim, "clean", lambda self: None)  # as if clean() missed a rule
    sheets = case_sheets()
    sheets["victims"].append({"case_number": "2024-0001", "code": "V2", "kind": "teacher", "grade": 3})
    sheets["victims"].append(
        {"case_number": "2024-0001", "code": "V3", "kind": "student", "school_level": "high", "grade": 1}
    )
    result = run(world.clerk, workbook_file(xlsx(sheets)))
    error = only_error(result)
    assert (error.sheet, error.row, error.message) == ("victims", 3, "Only students have a grade.")
    assert counts(result)["victims"] == (2, 0, 0, 1)
    assert not Victim.objects.exists()


def many_cases(count: int) -> dict[str, list[dict]]:
    sheets: dict[str, list[dict]] = {}
    for number in range(count):
        for key, rows in case_sheets(f"2024-{number:04d}").items():
            sheets.setdefault(key, []).extend(rows)
    return sheets


@pytest.mark.parametrize("again", [False, True], ids=["new cases", "the same cases again"])
def test_the_number_of_queries_does_not_grow_with_the_rows(world, again):
    """Rows are read, looked up and saved in batches: 5 cases or 40, the same queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for count in (5, 40):
        content = xlsx(many_cases(count))
        if again:
            run(world.clerk, workbook_file(content))
        with CaptureQueriesContext(connection) as queries:
            result = run(world.clerk, workbook_file(content))
        assert result.ok and result.rows == count * 5
        counts.append(len(queries))
        delete_cases()
    assert counts[0] == counts[1]


def test_a_file_of_measures_alone_looks_its_cases_up_in_batches(world):
    """A later file may bring only the measures of cases already recorded: the offenders and
    committee cases they name are fetched with their chunk, not one case at a time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for count in (5, 40):
        run(
            world.clerk,
            workbook_file(xlsx({key: rows for key, rows in many_cases(count).items() if key != "measures"})),
        )
        content = xlsx({"measures": many_cases(count)["measures"]})
        with CaptureQueriesContext(connection) as queries:
            result = run(world.clerk, workbook_file(content))
        assert result.ok and result.rows == count
        counts.append(len(queries))
        delete_cases()
    assert counts[0] == counts[1]


def test_case_numbers_are_looked_up_chunk_by_chunk_within_the_office(world, monkeypatch):
    """Each chunk of rows looks up only its own case numbers, in the clerk's office: a case
    recorded before, one the file created in an earlier chunk, and a number another office
    also uses (a different case) are each found as what they are."""
    from casetracker.imports import importer
    from tests.factories import IncidentFactory

    monkeypatch.setattr(importer, "BATCH_SIZE", 2)
    recorded = IncidentFactory(office=world.office, school=world.school, case_number="2024-0002")
    other_office = IncidentFactory(case_number="2024-0003")
    assert other_office.office != world.office
    numbers = ["2024-0001", "2024-0002", "2024-0003", "2024-0004", "2024-0005"]
    sheets: dict[str, list[dict]] = {}
    for number in numbers:
        for key in ("incidents", "victims"):
            sheets.setdefault(key, []).extend(case_sheets(number)[key])
    # A victim for each, listed so that every chunk mixes new and recorded cases.
    sheets["victims"].reverse()
    result = run(world.clerk, workbook_file(xlsx(sheets)))
    assert result.ok, result.errors
    assert counts(result) == {"incidents": (4, 1, 0, 0), "victims": (5, 0, 0, 0)}
    assert Incident.objects.filter(office=world.office).count() == 5
    recorded.refresh_from_db()
    assert recorded.version == 2 and recorded.victims.count() == 1
    assert not other_office.victims.exists()
    assert Victim.objects.filter(incident__office=world.office).count() == 5


# Our own exports re-import as no change, whatever their text (issue 16, finding 9) -----------------

FORMULA_LIKE = {"victim": "'=1+2", "offender": "\uff1dSUM(A1)", "reason": "+82 10, @ the school"}


@pytest.mark.parametrize("file_format", ["xlsx", "zip"])
def test_an_export_of_text_that_looks_like_a_formula_reimports_as_no_change(world, file_format):
    from casetracker.cases.models import CommitteeCase
    from casetracker.imports import exports

    assert run(world.clerk, workbook_file(xlsx(case_sheets()))).committed
    # Stored as a clerk could type them (an entry form keeps a quote or a full-width sign).
    Victim.objects.update(code=FORMULA_LIKE["victim"])
    Offender.objects.update(code=FORMULA_LIKE["offender"])
    CommitteeCase.objects.update(extended_on=datetime.date(2024, 5, 20), extension_reason=FORMULA_LIKE["reason"])
    sheets = exports.case_rows(world.clerk, world.office)
    content = exports.write_xlsx(sheets) if file_format == "xlsx" else exports.write_csv_zip(sheets)
    before = record_counts()
    result = run(world.clerk, [UploadedFile(f"seoul.{file_format}", content)])
    assert result.ok, result.errors
    assert all(sheet.created == sheet.updated == 0 for sheet in result.sheets), counts(result)
    assert record_counts() == before
    assert Victim.objects.get().code == FORMULA_LIKE["victim"]
    assert Offender.objects.get().code == FORMULA_LIKE["offender"]


def test_a_date_outside_the_window_is_an_error_on_its_cell(world):
    """The importer runs the fields' validators: a referral on 9999-12-31 or a report in 1999 is refused."""
    sheets = case_sheets()
    sheets["committee_cases"][0]["requested_on"] = datetime.date(9999, 12, 31)
    sheets["committee_cases"][0]["hearing_date"] = None
    sheets["measures"] = []
    error = only_error(refused_rows(world.clerk, sheets))
    assert (error.sheet, error.column, error.message) == (
        "committee cases",
        "referred on",
        "The date cannot be in the future.",
    )
    sheets = case_sheets()
    sheets["incidents"][0]["report_date"] = datetime.date(1999, 12, 31)
    result = refused_rows(world.clerk, sheets)
    assert ("report date", "The date cannot be before Jan. 1, 2000.") in {
        (error.column, error.message) for error in result.errors
    }
