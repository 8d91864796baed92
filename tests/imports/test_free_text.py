"""The importer refuses a cell that holds a name of the case's people or a direct identifier: a row
error naming the sheet, row, column and kind found, never the identifier; nothing of the file saved."""

import datetime

from casetracker.cases.models import Incident

from .conftest import case_sheets, record_counts, run, workbook_file, xlsx

NAME = "김민지"
PHONE = "010-1234-5678"


def test_a_victims_name_in_the_description_is_a_row_error_on_the_cell_and_nothing_is_saved(world):
    sheets = case_sheets()
    sheets["incidents"][0]["description"] = f"{NAME}가 합성 사진을 신고함 ({PHONE})"
    sheets["victims"][0]["name"] = NAME
    before = record_counts()

    result = run(world.clerk, workbook_file(xlsx(sheets)))

    assert not result.committed
    assert result.error_count == 1, result.errors
    [error] = result.errors
    assert (error.sheet, error.row, error.column) == ("incidents", 2, "description")
    assert "name of a person of the case" in error.message and "phone number" in error.message
    assert NAME not in f"{error}" and PHONE not in f"{error}"
    assert record_counts() == before
    assert not Incident.objects.exists()


def test_a_phone_number_in_the_reason_for_an_extension(world):
    sheets = case_sheets()
    sheets["committee_cases"][0].update(extended_on=datetime.date(2024, 5, 10), extension_reason=f"보호자 {PHONE}")

    result = run(world.clerk, workbook_file(xlsx(sheets)), dry_run=True)

    [error] = result.errors
    assert (error.sheet, error.row, error.column) == ("committee cases", 2, "reason for the extension")
    assert error.value == "" and PHONE not in error.message


def test_a_name_given_now_finds_the_stored_description(world):
    sheets = case_sheets()
    sheets["incidents"][0]["description"] = f"{NAME} 학생의 사진"
    assert run(world.clerk, workbook_file(xlsx({"incidents": sheets["incidents"]}))).committed

    victims = [{**sheets["victims"][0], "name": NAME}]
    result = run(world.clerk, workbook_file(xlsx({"victims": victims})))

    [error] = result.errors
    assert (error.sheet, error.row, error.column) == ("victims", 2, "")
    assert error.message.startswith("incident · description: ")
    assert not result.committed and Incident.objects.get().victims.count() == 0
