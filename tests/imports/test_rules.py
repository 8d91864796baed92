"""The workflow's rules in an import: the same rules as the admin's forms and the services
(tests/cases/test_workflow_rules.py), each refusal on the row and column at fault, nothing saved."""

import datetime

import pytest

from casetracker.cases.models import Appeal, CommitteeCase, Incident
from casetracker.core.models import Committee
from tests.factories import CommitteeFactory

from .conftest import case_sheets, run, workbook_file, xlsx

pytestmark = pytest.mark.django_db

SECOND_PENDING = "An appeal of this kind by the same party is already pending against this measure."


def appeal_row(filed_on: datetime.date, **changes) -> dict:
    return {
        "case_number": "2024-0001",
        "committee": "Seoul SV committee",
        "offender": "O1",
        "measure": 8,
        "appellant": "offender",
        "filed_on": filed_on,
        **changes,
    }


def test_the_importer_refuses_a_second_pending_appeal_by_the_same_party(world):
    sheets = case_sheets(appeals=[appeal_row(datetime.date(2024, 6, 1)), appeal_row(datetime.date(2024, 6, 5))])
    result = run(world.clerk, workbook_file(xlsx(sheets)))
    assert not result.committed
    assert [(error.sheet, error.row, error.column, error.message) for error in result.errors] == [
        ("appeals", 3, "filed by", SECOND_PENDING)
    ]
    assert not Incident.objects.exists()


def test_the_importer_refuses_a_second_pending_appeal_against_one_recorded(world):
    assert run(world.clerk, workbook_file(xlsx(case_sheets(appeals=[appeal_row(datetime.date(2024, 6, 1))])))).ok
    result = run(world.clerk, workbook_file(xlsx({"appeals": [appeal_row(datetime.date(2024, 6, 5))]})))
    assert [error.message for error in result.errors] == [SECOND_PENDING]
    assert Appeal.objects.count() == 1


@pytest.fixture
def teacher_rights(world):
    return CommitteeFactory(
        office=world.office,
        local_office=world.school.local_office,
        kind=Committee.Kind.TEACHER_RIGHTS,
        name_en="Seoul TR committee",
    )


@pytest.mark.parametrize("order", ["heard first", "referral first"])
def test_the_importer_refuses_a_referral_after_the_hearing_in_either_order(world, teacher_rights, order):
    late = {"case_number": "2024-0001", "committee": "Seoul TR committee", "requested_on": datetime.date(2024, 5, 25)}
    sheets = case_sheets()
    if order == "heard first":
        sheets["committee_cases"].append(late)
    else:
        sheets["committee_cases"].insert(0, late)
    result = run(world.clerk, workbook_file(xlsx(sheets)))
    assert not result.committed
    # Whichever comes first, the second is refused: the rule looks at the file's other rows too.
    expected = {
        "heard first": "This case was heard on May 20, 2024: it can no longer be referred to a committee after that.",
        "referral first": "This case was referred to another committee on May 25, 2024: this hearing cannot be "
        "before that.",
    }
    assert (result.errors[0].sheet, result.errors[0].message) == ("committee cases", expected[order])
    assert not Incident.objects.exists()


def test_the_importer_accepts_a_second_referral_before_the_hearing(world, teacher_rights):
    sheets = case_sheets()
    sheets["committee_cases"].append(
        {"case_number": "2024-0001", "committee": "Seoul TR committee", "requested_on": datetime.date(2024, 5, 10)}
    )
    assert run(world.clerk, workbook_file(xlsx(sheets))).committed


def test_the_importer_refuses_to_close_a_case_with_a_pending_appeal(world):
    sheets = case_sheets(appeals=[appeal_row(datetime.date(2024, 6, 1))])
    sheets["measures"][0]["carried_out_on"] = datetime.date(2024, 6, 2)
    sheets["incidents"][0]["closed_on"] = datetime.date(2024, 6, 10)
    result = run(world.clerk, workbook_file(xlsx(sheets)))
    assert [(error.sheet, error.message) for error in result.errors] == [
        ("incidents", "An appeal is pending: decide it before closing the case.")
    ]
    assert not Incident.objects.exists()


def test_the_importer_refuses_a_second_extension(world):
    sheets = case_sheets()
    sheets["committee_cases"][0].update(extended_on=datetime.date(2024, 5, 8), extension_reason="Witnesses.")
    assert run(world.clerk, workbook_file(xlsx(sheets))).committed
    sheets["committee_cases"][0].update(extended_on=datetime.date(2024, 5, 12))
    result = run(world.clerk, workbook_file(xlsx({"committee_cases": sheets["committee_cases"]})))
    assert [error.message for error in result.errors] == ["The hearing deadline has already been extended once."]
    assert CommitteeCase.objects.get().extended_on == datetime.date(2024, 5, 8)
