"""Reference data: offices, local offices, schools, committees, channels."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import override

from casetracker.core.models import MAX_GRADE, Committee, SchoolLevel, validate_grade
from tests.factories import (
    ChannelFactory,
    CommitteeFactory,
    LocalOfficeFactory,
    OfficeFactory,
    SchoolFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with override("en"):
        yield


def field_errors(record, field: str) -> list[str]:
    with pytest.raises(ValidationError) as excinfo:
        record.full_clean()
    errors = excinfo.value.message_dict
    assert field in errors, errors
    assert all(message.strip() for message in errors[field])
    return errors[field]


# Schools and committees keep to their office ---------------------------------------------


def test_school_with_a_local_office_of_its_own_office_is_valid():
    office = OfficeFactory()
    school = SchoolFactory.build(office=office, local_office=LocalOfficeFactory(office=office), code="s-valid")
    school.full_clean()


def test_school_without_local_office_is_valid():
    school = SchoolFactory.build(office=OfficeFactory(code="sejong"), local_office=None, code="s-sejong")
    school.full_clean()


def test_school_refuses_a_local_office_of_another_office():
    school = SchoolFactory.build(office=OfficeFactory(), local_office=LocalOfficeFactory(), code="s-other")
    assert field_errors(school, "local_office") == ["This local office belongs to another office of education."]


def test_committee_refuses_a_local_office_of_another_office():
    committee = CommitteeFactory.build(office=OfficeFactory(), local_office=LocalOfficeFactory())
    assert field_errors(committee, "local_office") == ["This local office belongs to another office of education."]


def test_committee_with_a_local_office_of_its_own_office_is_valid():
    office = OfficeFactory()
    CommitteeFactory.build(office=office, local_office=LocalOfficeFactory(office=office)).full_clean()


# Committee uniqueness ------------------------------------------------------------------


def test_a_local_office_has_one_committee_of_each_kind():
    existing = CommitteeFactory()
    same_kind = CommitteeFactory.build(office=existing.office, local_office=existing.local_office, kind=existing.kind)
    assert field_errors(same_kind, NON_FIELD_ERRORS) == ["This local office already has a committee of this kind."]

    other_kind = CommitteeFactory.build(
        office=existing.office, local_office=existing.local_office, kind=Committee.Kind.TEACHER_RIGHTS
    )
    other_kind.full_clean()


def test_a_provincial_office_has_one_committee_of_each_kind():
    existing = CommitteeFactory(local_office=None)
    same_kind = CommitteeFactory.build(office=existing.office, local_office=None, kind=existing.kind)
    assert field_errors(same_kind, NON_FIELD_ERRORS) == [
        "This office of education already has a committee of this kind."
    ]
    # The provincial office's committee does not block those of its local offices.
    CommitteeFactory.build(
        office=existing.office, local_office=LocalOfficeFactory(office=existing.office), kind=existing.kind
    ).full_clean()


def test_the_database_refuses_a_second_committee_of_a_kind_at_a_local_office():
    existing = CommitteeFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Committee.objects.bulk_create(
            [Committee(office=existing.office, local_office=existing.local_office, kind=existing.kind, name_ko="중복")]
        )


def test_the_database_refuses_a_second_committee_of_a_kind_at_a_provincial_office():
    existing = CommitteeFactory(local_office=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Committee.objects.bulk_create(
            [Committee(office=existing.office, local_office=None, kind=existing.kind, name_ko="중복")]
        )


def test_the_database_accepts_committees_of_both_kinds_at_one_office():
    existing = CommitteeFactory(local_office=None)
    Committee.objects.bulk_create(
        [Committee(office=existing.office, local_office=None, kind=Committee.Kind.TEACHER_RIGHTS, name_ko="교권")]
    )
    assert Committee.objects.filter(office=existing.office).count() == 2


# Grades --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "grade"),
    [
        (SchoolLevel.ELEMENTARY, 1),
        (SchoolLevel.ELEMENTARY, 6),
        (SchoolLevel.MIDDLE, 3),
        (SchoolLevel.HIGH, 1),
        (SchoolLevel.SPECIAL, 12),
        (SchoolLevel.HIGH, None),
        ("", 5),
    ],
)
def test_validate_grade_accepts_grades_the_level_has(level, grade):
    validate_grade(level, grade)


@pytest.mark.parametrize(
    ("level", "grade"),
    [
        (SchoolLevel.ELEMENTARY, 0),
        (SchoolLevel.ELEMENTARY, 7),
        (SchoolLevel.MIDDLE, 4),
        (SchoolLevel.HIGH, 4),
        (SchoolLevel.SPECIAL, 13),
    ],
)
def test_validate_grade_refuses_grades_outside_the_level(level, grade):
    with pytest.raises(ValidationError) as excinfo, override("en"):
        validate_grade(level, grade, field="offender_grade")
    assert excinfo.value.message_dict == {
        "offender_grade": [f"A {SchoolLevel(level).label} has grades 1 to {MAX_GRADE[level]}."]
    }


# Names follow the active language ------------------------------------------------------


@pytest.mark.parametrize(
    "factory_class", [OfficeFactory, LocalOfficeFactory, SchoolFactory, CommitteeFactory, ChannelFactory]
)
def test_str_is_the_korean_or_english_name_by_active_language(factory_class):
    record = factory_class(name_ko="서울특별시교육청", name_en="Seoul")
    with override("ko"):
        assert str(record) == "서울특별시교육청"
        assert record.name == "서울특별시교육청"
    with override("en"):
        assert str(record) == "Seoul"
        assert record.name == "Seoul"
    with override("en-gb"):
        assert str(record) == "Seoul"
