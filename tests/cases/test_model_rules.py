"""Every rule of casetracker/cases/models/ and rules.py, with valid and invalid input.

Each rule is checked twice where it can be: ``full_clean()`` puts a message on the field
the user typed, and the database itself refuses a violating row written past ``clean()``
(``QuerySet.update()`` or ``bulk_create``), so no other path can store it.
"""

import datetime
from collections.abc import Callable

import pytest
from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import override

from casetracker.cases import services
from casetracker.cases.models import (
    Appeal,
    CommitteeCase,
    Incident,
    Law,
    Measure,
    Offender,
    OffenderVictimRelation,
    OfficeYearGeneration,
    OpenWork,
    PendingGeneration,
    PendingOpenWork,
    TakedownRequest,
    Victim,
    VictimNotice,
)
from casetracker.core.formatting import format_date
from casetracker.core.models import Committee, SchoolLevel
from tests.factories import (
    FACTORY_BY_MODEL,
    AppealFactory,
    CommitteeCaseFactory,
    CommitteeFactory,
    HeardCommitteeCaseFactory,
    IncidentFactory,
    MeasureFactory,
    OffenderFactory,
    OffenderVictimRelationFactory,
    ProtectionMeasureFactory,
    SchoolFactory,
    SeparationFactory,
    TakedownRequestFactory,
    VictimFactory,
    VictimNoticeFactory,
    days_after,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def english():
    with override("en"):
        yield


def field_errors(record: models.Model, field: str) -> list[str]:
    """The messages ``full_clean()`` attaches to ``field``; fails if it raises none there."""
    with pytest.raises(ValidationError) as excinfo:
        record.full_clean()
    errors = excinfo.value.message_dict
    assert field in errors, f"expected an error on {field!r}, got {errors}"
    assert all(message.strip() for message in errors[field])
    return errors[field]


def assert_error(record: models.Model, field: str, message: str) -> None:
    messages = field_errors(record, field)
    assert any(message in text for text in messages), messages


def student_offender(level: str, grade: int = 2, **kwargs) -> Offender:
    incident = IncidentFactory(school=SchoolFactory(level=level))
    return OffenderFactory(incident=incident, school_level=level, grade=grade, **kwargs)


# The factories -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "factory_class",
    [pytest.param(factory_class, id=model.__name__) for model, factory_class in FACTORY_BY_MODEL.items()],
)
def test_every_factory_makes_a_record_that_keeps_the_rules(factory_class):
    record = factory_class()
    record.full_clean()


@pytest.mark.parametrize("trait", ["upheld", "revoked", "changed"])
def test_decided_appeals_from_the_factory_keep_the_rules(trait):
    appeal = AppealFactory(**{trait: True})
    appeal.full_clean()
    for measure in Measure.objects.all():
        measure.full_clean()
    assert Measure.objects.filter(ordered_by_appeal=appeal).exists() is (trait == "changed")


# Incident -------------------------------------------------------------------------------


def test_incident_from_the_factory_is_valid():
    IncidentFactory().full_clean()


def test_incident_school_must_be_of_the_incident_office():
    incident = IncidentFactory()
    incident.school = SchoolFactory()
    assert_error(incident, "school", "This school belongs to another office of education.")


def test_incident_report_date_cannot_be_in_the_future():
    incident = IncidentFactory()
    incident.report_date = timezone.localdate()
    incident.full_clean()
    incident.report_date = timezone.localdate() + DAY
    assert_error(incident, "report_date", "The date cannot be in the future.")


def test_incident_police_referral_not_before_the_report():
    incident = IncidentFactory()
    incident.police_referred_on = incident.report_date
    incident.full_clean()
    incident.police_referred_on = incident.report_date - DAY
    assert_error(incident, "police_referred_on", "The police referral cannot be before the report.")


def test_incident_case_number_is_unique_per_office():
    existing = IncidentFactory()
    duplicate = IncidentFactory.build(office=existing.office, school=existing.school, case_number=existing.case_number)
    assert_error(duplicate, NON_FIELD_ERRORS, "This office of education already has a case with this number.")


def test_incident_same_case_number_in_another_office_is_fine():
    existing = IncidentFactory()
    other = IncidentFactory()
    other.case_number = existing.case_number
    other.full_clean()
    other.save()
    assert Incident.objects.filter(case_number=existing.case_number).count() == 2


# Takedown requests ----------------------------------------------------------------------


def test_takedown_answer_not_before_the_request():
    takedown = TakedownRequestFactory(outcome=TakedownRequest.Outcome.REMOVED)
    takedown.answered_on = takedown.requested_on
    takedown.full_clean()
    takedown.answered_on = takedown.requested_on - DAY
    assert_error(takedown, "answered_on", "The answer cannot be before the request.")


# Victims and offenders ------------------------------------------------------------------

PERSON_FACTORIES = [pytest.param(VictimFactory, id="victim"), pytest.param(OffenderFactory, id="offender")]


@pytest.mark.parametrize("factory_class", PERSON_FACTORIES)
@pytest.mark.parametrize(
    ("level", "grade"),
    [
        (SchoolLevel.ELEMENTARY, 1),
        (SchoolLevel.ELEMENTARY, 6),
        (SchoolLevel.MIDDLE, 3),
        (SchoolLevel.HIGH, 1),
        (SchoolLevel.HIGH, 3),
        (SchoolLevel.SPECIAL, 12),
    ],
)
def test_student_with_a_grade_of_the_level_is_valid(factory_class, level, grade):
    factory_class.build(incident=IncidentFactory(), school_level=level, grade=grade).full_clean()


@pytest.mark.parametrize("factory_class", PERSON_FACTORIES)
@pytest.mark.parametrize(
    ("level", "grade", "message"),
    [
        (SchoolLevel.ELEMENTARY, 7, "A elementary school has grades 1 to 6."),
        (SchoolLevel.ELEMENTARY, 0, "A elementary school has grades 1 to 6."),
        (SchoolLevel.MIDDLE, 4, "A middle school has grades 1 to 3."),
        (SchoolLevel.HIGH, 4, "A high school has grades 1 to 3."),
        (SchoolLevel.SPECIAL, 13, "A special school has grades 1 to 12."),
    ],
)
def test_student_grade_outside_the_level_is_refused(factory_class, level, grade, message):
    person = factory_class.build(incident=IncidentFactory(), school_level=level, grade=grade)
    assert field_errors(person, "grade") == [message]


@pytest.mark.parametrize("factory_class", PERSON_FACTORIES)
def test_student_needs_a_school_level(factory_class):
    person = factory_class.build(incident=IncidentFactory(), school_level="", grade=2)
    assert field_errors(person, "school_level") == ["Give the school level of a student."]


@pytest.mark.parametrize("factory_class", PERSON_FACTORIES)
def test_student_needs_a_grade(factory_class):
    person = factory_class.build(incident=IncidentFactory(), grade=None)
    assert field_errors(person, "grade") == ["Give the grade of a student."]


@pytest.mark.parametrize(
    ("factory_class", "kind"),
    [
        (VictimFactory, Victim.Kind.TEACHER),
        (VictimFactory, Victim.Kind.STAFF),
        (OffenderFactory, Offender.Kind.UNIDENTIFIED),
        (OffenderFactory, Offender.Kind.OUTSIDER),
    ],
)
def test_non_students_have_no_grade(factory_class, kind):
    person = factory_class.build(incident=IncidentFactory(), kind=kind, school_level="", grade=None)
    person.full_clean()
    person.grade = 2
    assert field_errors(person, "grade") == ["Only students have a grade."]


@pytest.mark.parametrize(
    ("factory_class", "message"),
    [
        (VictimFactory, "This case already has a victim with this code."),
        (OffenderFactory, "This case already has an offender with this code."),
    ],
)
def test_person_code_is_unique_within_the_incident(factory_class, message):
    existing = factory_class(code="A1")
    assert_error(factory_class.build(incident=existing.incident, code="A1"), NON_FIELD_ERRORS, message)
    factory_class.build(incident=IncidentFactory(), code="A1").full_clean()


def test_unidentified_offender_has_no_name():
    offender = OffenderFactory.build(incident=IncidentFactory(), unidentified=True)
    offender.full_clean()
    offender.name = "김철수"
    assert field_errors(offender, "name") == ["An offender who is not identified has no name."]


def test_outsider_and_student_offenders_may_have_a_name():
    incident = IncidentFactory()
    OffenderFactory.build(incident=incident, outsider=True, name="홍길동").full_clean()
    OffenderFactory.build(incident=incident, name="김철수").full_clean()


# Offender-victim relations ----------------------------------------------------------------


def test_relation_between_people_of_the_same_incident_is_valid():
    OffenderVictimRelationFactory().full_clean()


def test_relation_refuses_a_victim_of_another_incident():
    relation = OffenderVictimRelationFactory.build(offender=OffenderFactory(), victim=VictimFactory())
    assert field_errors(relation, "victim") == ["The victim must belong to the same case as the offender."]


def test_relation_is_recorded_once_per_pair():
    existing = OffenderVictimRelationFactory()
    duplicate = OffenderVictimRelationFactory.build(
        offender=existing.offender, victim=existing.victim, relation=OffenderVictimRelation.Relation.STRANGER
    )
    assert_error(duplicate, NON_FIELD_ERRORS, "The relation of this offender to this victim is already recorded.")


# Protection measures (Art. 16) -------------------------------------------------------------


@pytest.mark.parametrize("number", [1, 2, 3, 4, 6])
def test_protection_measure_numbers_of_art16_are_valid(number):
    ProtectionMeasureFactory.build(victim=VictimFactory(), number=number).full_clean()


@pytest.mark.parametrize("number", [0, 5, 7])
def test_protection_measure_numbers_outside_art16_are_refused(number):
    measure = ProtectionMeasureFactory.build(victim=VictimFactory(), number=number)
    assert field_errors(measure, "number") == [f"Value {number} is not a valid choice."]


@pytest.mark.parametrize("kind", [Victim.Kind.TEACHER, Victim.Kind.STAFF])
def test_protection_measures_are_for_student_victims_only(kind):
    victim = VictimFactory(kind=kind, school_level="", grade=None)
    measure = ProtectionMeasureFactory.build(victim=victim)
    assert field_errors(measure, NON_FIELD_ERRORS) == ["Art. 16 protection measures are for student victims."]


def test_protection_measure_not_ordered_before_the_report():
    victim = VictimFactory()
    ProtectionMeasureFactory.build(victim=victim, ordered_on=victim.incident.report_date).full_clean()
    measure = ProtectionMeasureFactory.build(victim=victim, ordered_on=victim.incident.report_date - DAY)
    assert field_errors(measure, "ordered_on") == ["A protection measure cannot be ordered before the report."]


# Committee cases ---------------------------------------------------------------------------


def test_committee_case_from_the_factory_is_valid():
    CommitteeCaseFactory().full_clean()
    HeardCommitteeCaseFactory().full_clean()


def test_committee_case_committee_must_be_of_the_incident_office():
    case = CommitteeCaseFactory.build(incident=IncidentFactory(), committee=CommitteeFactory())
    assert field_errors(case, "committee") == ["This committee belongs to another office of education."]


def test_committee_case_referral_not_before_the_report():
    incident = IncidentFactory()
    CommitteeCaseFactory.build(incident=incident, committee=CommitteeFactory(office=incident.office)).full_clean()
    case = CommitteeCaseFactory.build(
        incident=incident, committee=CommitteeFactory(office=incident.office), requested_on=incident.report_date - DAY
    )
    assert field_errors(case, "requested_on") == [
        f"The referral cannot be before the report ({format_date(incident.report_date)})."
    ]


def test_committee_case_hearing_not_before_the_request():
    case = CommitteeCaseFactory()
    case.hearing_date = case.requested_on
    case.full_clean()
    case.hearing_date = case.requested_on - DAY
    assert field_errors(case, "hearing_date") == ["The hearing cannot be before the referral."]


def test_committee_case_is_referred_once_per_committee():
    existing = CommitteeCaseFactory()
    duplicate = CommitteeCaseFactory.build(incident=existing.incident, committee=existing.committee)
    assert_error(duplicate, NON_FIELD_ERRORS, "This incident is already referred to this committee.")
    other_kind = CommitteeFactory(office=existing.incident.office, kind=Committee.Kind.TEACHER_RIGHTS)
    CommitteeCaseFactory.build(incident=existing.incident, committee=other_kind).full_clean()


def test_closure_needs_both_date_and_reason():
    case = CommitteeCaseFactory()
    case.closed_on = case.requested_on
    case.closure_reason = CommitteeCase.ClosureReason.OFFENDER_UNIDENTIFIED
    case.full_clean()

    case.closure_reason = ""
    assert field_errors(case, "closure_reason") == ["A case closed without hearing needs both the date and the reason."]
    case.closed_on, case.closure_reason = None, CommitteeCase.ClosureReason.WITHDRAWN
    assert field_errors(case, "closed_on") == ["A case closed without hearing needs both the date and the reason."]


def test_closure_not_before_the_request():
    case = CommitteeCaseFactory()
    case.closure_reason = CommitteeCase.ClosureReason.WITHDRAWN
    case.closed_on = case.requested_on - DAY
    assert field_errors(case, "closed_on") == ["The case cannot be closed before the referral."]


@pytest.mark.parametrize(
    ("closed", "reason"), [(True, CommitteeCase.ClosureReason.WITHDRAWN), (False, CommitteeCase.ClosureReason.OTHER)]
)
def test_closure_excludes_a_hearing(closed, reason):
    case = HeardCommitteeCaseFactory()
    case.closed_on = case.hearing_date if closed else None
    case.closure_reason = reason
    assert field_errors(case, "closure_reason") == ["A case with a hearing cannot also be closed without one."]


@pytest.mark.parametrize("day", [0, 10, 21])
def test_extension_within_the_original_21_days_is_valid(day):
    case = CommitteeCaseFactory()
    case.extended_on = days_after(case.requested_on, day)
    case.extension_reason = "Waiting for the police report."
    case.full_clean()


@pytest.mark.parametrize("day", [-1, 22])
def test_extension_outside_the_original_21_days_is_refused(day):
    case = CommitteeCaseFactory()
    case.extended_on = days_after(case.requested_on, day)
    case.extension_reason = "Waiting for the police report."
    deadline = days_after(case.requested_on, 21)
    assert field_errors(case, "extended_on") == [
        f"The deadline can only be extended between the referral and the original deadline ({format_date(deadline)})."
    ]


def test_extension_needs_date_and_reason():
    case = CommitteeCaseFactory()
    case.extended_on = case.requested_on
    assert field_errors(case, "extension_reason") == ["Give the reason for extending the deadline."]
    case.extended_on, case.extension_reason = None, "Waiting for the police report."
    assert field_errors(case, "extended_on") == ["Give the date the deadline was extended."]


def test_the_deadline_is_extended_at_most_once():
    case = CommitteeCaseFactory()
    services.extend_hearing_deadline(committee_case=case, on=days_after(case.requested_on, 20), reason="Witnesses.")
    case.refresh_from_db()
    assert case.extended_on == days_after(case.requested_on, 20)
    assert case.extension_reason == "Witnesses."
    assert case.hearing_deadline == days_after(case.requested_on, 28)

    with pytest.raises(ValidationError) as excinfo:
        services.extend_hearing_deadline(committee_case=case, on=days_after(case.requested_on, 21), reason="Again.")
    assert excinfo.value.message_dict == {"extended_on": ["The hearing deadline has already been extended once."]}
    case.refresh_from_db()
    assert case.extended_on == days_after(case.requested_on, 20)
    assert case.extension_reason == "Witnesses."


def test_extension_through_the_service_keeps_the_21_day_window():
    case = CommitteeCaseFactory()
    with pytest.raises(ValidationError) as excinfo:
        services.extend_hearing_deadline(committee_case=case, on=days_after(case.requested_on, 22), reason="Late.")
    assert "extended_on" in excinfo.value.message_dict
    case.refresh_from_db()
    assert case.extended_on is None


# Measures -------------------------------------------------------------------------------


def teacher_rights_case(level: str = SchoolLevel.HIGH) -> CommitteeCase:
    incident = IncidentFactory(school=SchoolFactory(level=level))
    committee = CommitteeFactory(office=incident.office, kind=Committee.Kind.TEACHER_RIGHTS)
    return HeardCommitteeCaseFactory(incident=incident, committee=committee)


def test_measure_from_the_factory_is_valid():
    measure = MeasureFactory()
    measure.full_clean()
    assert measure.law == Law.SCHOOL_VIOLENCE_ACT_ART17


@pytest.mark.parametrize("number", range(1, 10))
def test_every_art17_measure_is_valid_on_a_school_violence_case(number):
    case = HeardCommitteeCaseFactory()
    offender = OffenderFactory(incident=case.incident)
    MeasureFactory.build(committee_case=case, offender=offender, number=number).full_clean()


@pytest.mark.parametrize("number", range(1, 8))
def test_every_art25_measure_is_valid_on_a_teacher_rights_case(number):
    case = teacher_rights_case()
    offender = OffenderFactory(incident=case.incident)
    MeasureFactory.build(committee_case=case, offender=offender, number=number).full_clean()


@pytest.mark.parametrize(
    ("kind", "number", "message"),
    [
        (Committee.Kind.SCHOOL_VIOLENCE, 10, "School Violence Prevention Act, Art. 17 has no measure 10."),
        (Committee.Kind.SCHOOL_VIOLENCE, 0, "School Violence Prevention Act, Art. 17 has no measure 0."),
        (Committee.Kind.TEACHER_RIGHTS, 8, "Teachers' Status Act, Art. 25 has no measure 8."),
        (Committee.Kind.TEACHER_RIGHTS, 9, "Teachers' Status Act, Art. 25 has no measure 9."),
    ],
)
def test_measure_numbers_outside_the_law_are_refused(kind, number, message):
    case = teacher_rights_case() if kind == Committee.Kind.TEACHER_RIGHTS else HeardCommitteeCaseFactory()
    measure = MeasureFactory.build(committee_case=case, offender=OffenderFactory(incident=case.incident), number=number)
    assert field_errors(measure, "number") == [message]


def test_measure_law_must_match_the_committee_kind():
    case = teacher_rights_case()
    measure = MeasureFactory.build(
        committee_case=case, offender=OffenderFactory(incident=case.incident), law=Law.SCHOOL_VIOLENCE_ACT_ART17
    )
    assert field_errors(measure, "number") == [
        "A teacher rights protection committee imposes measures under Teachers' Status Act, Art. 25."
    ]


def test_measure_without_law_takes_the_law_of_the_committee():
    case = teacher_rights_case()
    measure = MeasureFactory.build(committee_case=case, offender=OffenderFactory(incident=case.incident), law="")
    measure.full_clean()
    assert measure.law == Law.TEACHERS_STATUS_ACT_ART25


def test_measure_offender_must_belong_to_the_committee_case_incident():
    case = HeardCommitteeCaseFactory()
    measure = MeasureFactory.build(committee_case=case, offender=OffenderFactory())
    assert field_errors(measure, "offender") == ["This offender belongs to another case."]


@pytest.mark.parametrize("trait", ["unidentified", "outsider"])
def test_measures_only_on_identified_students(trait):
    case = HeardCommitteeCaseFactory()
    offender = OffenderFactory(incident=case.incident, **{trait: True})
    measure = MeasureFactory.build(committee_case=case, offender=offender)
    assert field_errors(measure, "number") == ["Measures can only be imposed on an identified student."]


@pytest.mark.parametrize(
    ("kind", "number"),
    [(Committee.Kind.SCHOOL_VIOLENCE, 9), (Committee.Kind.TEACHER_RIGHTS, 7)],
    ids=["art17", "art25"],
)
@pytest.mark.parametrize("level", [SchoolLevel.ELEMENTARY, SchoolLevel.MIDDLE])
def test_expulsion_is_refused_below_high_school(kind, number, level):
    if kind == Committee.Kind.TEACHER_RIGHTS:
        case = teacher_rights_case(level)
    else:
        case = HeardCommitteeCaseFactory(incident=IncidentFactory(school=SchoolFactory(level=level)))
    measure = MeasureFactory.build(committee_case=case, offender=OffenderFactory(incident=case.incident), number=number)
    assert measure.offender.school_level == level
    assert field_errors(measure, "number") == [
        f"Expulsion can only be imposed on high-school students (this student is at a {SchoolLevel(level).label})."
    ]


@pytest.mark.parametrize(
    ("kind", "number"),
    [(Committee.Kind.SCHOOL_VIOLENCE, 9), (Committee.Kind.TEACHER_RIGHTS, 7)],
    ids=["art17", "art25"],
)
def test_expulsion_of_a_high_school_student_is_valid(kind, number):
    case = teacher_rights_case() if kind == Committee.Kind.TEACHER_RIGHTS else HeardCommitteeCaseFactory()
    MeasureFactory.build(
        committee_case=case, offender=OffenderFactory(incident=case.incident, school_level="high"), number=number
    ).full_clean()


@pytest.mark.parametrize("number", [7, 8])
def test_transfer_and_class_change_are_fine_for_middle_school_students(number):
    case = HeardCommitteeCaseFactory(incident=IncidentFactory(school=SchoolFactory(level=SchoolLevel.MIDDLE)))
    MeasureFactory.build(
        committee_case=case, offender=OffenderFactory(incident=case.incident), number=number
    ).full_clean()


def test_measures_only_after_the_hearing():
    case = CommitteeCaseFactory()
    measure = MeasureFactory.build(
        committee_case=case, offender=OffenderFactory(incident=case.incident), decided_on=case.requested_on
    )
    assert field_errors(measure, "decided_on") == [
        "Measures can only be imposed after the hearing: record its date first."
    ]


def test_decision_not_before_the_hearing():
    case = HeardCommitteeCaseFactory()
    measure = MeasureFactory.build(committee_case=case, decided_on=case.hearing_date - DAY)
    measure.offender = OffenderFactory(incident=case.incident)
    assert field_errors(measure, "decided_on") == [
        f"The decision cannot be before the hearing ({format_date(case.hearing_date)})."
    ]
    measure.decided_on = case.hearing_date
    measure.full_clean()


def test_decision_not_before_the_report():
    case = HeardCommitteeCaseFactory()
    # A hearing dated before the report only exists in data written past the rules.
    early = case.incident.report_date - datetime.timedelta(days=3)
    CommitteeCase.objects.filter(pk=case.pk).update(requested_on=early, hearing_date=early)
    case.refresh_from_db()
    measure = MeasureFactory.build(
        committee_case=case, offender=OffenderFactory(incident=case.incident), decided_on=early
    )
    assert field_errors(measure, "decided_on") == [
        f"The decision cannot be before the report ({format_date(case.incident.report_date)})."
    ]


@pytest.mark.parametrize("field", ["days", "hours"])
def test_measure_days_and_hours_are_positive(field):
    case = HeardCommitteeCaseFactory()
    offender = OffenderFactory(incident=case.incident)
    MeasureFactory.build(committee_case=case, offender=offender, number=6, **{field: 1}).full_clean()
    measure = MeasureFactory.build(committee_case=case, offender=offender, number=6, **{field: 0})
    assert field_errors(measure, field) == ["Ensure this value is greater than or equal to 1."]


# Appeals --------------------------------------------------------------------------------


def test_appeal_from_the_factory_is_valid():
    AppealFactory().full_clean()
    AppealFactory(upheld=True).full_clean()


@pytest.mark.parametrize("outcome", [Appeal.Outcome.UPHELD, Appeal.Outcome.REVOKED, Appeal.Outcome.CHANGED])
def test_decided_appeal_needs_its_date(outcome):
    appeal = AppealFactory.build(
        measure=MeasureFactory(), outcome=outcome, replacement_number=2 if outcome == "changed" else None
    )
    assert field_errors(appeal, "decided_on") == ["Give the date of the decision."]


def test_pending_appeal_has_no_decision_date():
    appeal = AppealFactory.build(measure=MeasureFactory())
    appeal.decided_on = appeal.filed_on
    assert field_errors(appeal, "decided_on") == ["A pending appeal has no decision date; choose the outcome."]


def test_appeal_decision_not_before_the_filing():
    appeal = AppealFactory.build(measure=MeasureFactory(), upheld=True)
    appeal.decided_on = appeal.filed_on
    appeal.full_clean()
    appeal.decided_on = appeal.filed_on - DAY
    assert field_errors(appeal, "decided_on") == ["The decision cannot be before the filing."]


def test_appeal_filed_not_before_the_decision():
    measure = MeasureFactory()
    AppealFactory.build(measure=measure, filed_on=measure.decided_on).full_clean()
    appeal = AppealFactory.build(measure=measure, filed_on=measure.decided_on - DAY)
    assert field_errors(appeal, "filed_on") == [
        f"An appeal cannot be filed before the decision ({format_date(measure.decided_on)})."
    ]


def test_changed_appeal_needs_the_replacement_number():
    appeal = AppealFactory.build(measure=MeasureFactory(), changed=True, replacement_number=None)
    assert field_errors(appeal, "replacement_number") == ["Give the measure the appeal changed it to."]


@pytest.mark.parametrize("trait", ["upheld", "revoked"])
def test_only_a_changed_appeal_has_a_replacement_number(trait):
    appeal = AppealFactory.build(measure=MeasureFactory(), replacement_number=2, **{trait: True})
    assert field_errors(appeal, "replacement_number") == ["Only an appeal that changed the measure has a new measure."]
    pending = AppealFactory.build(measure=MeasureFactory(), replacement_number=2)
    assert field_errors(pending, "replacement_number") == ["Only an appeal that changed the measure has a new measure."]


def test_replacement_must_differ_from_the_appealed_measure():
    measure = MeasureFactory(number=4)
    appeal = AppealFactory.build(measure=measure, changed=True, replacement_number=4)
    assert field_errors(appeal, "replacement_number") == ["The new measure must differ from the appealed one."]
    appeal.replacement_number = 3
    appeal.full_clean()


@pytest.mark.parametrize(("kind", "number"), [(Committee.Kind.SCHOOL_VIOLENCE, 10), (Committee.Kind.TEACHER_RIGHTS, 8)])
def test_replacement_number_must_exist_in_the_law(kind, number):
    case = teacher_rights_case() if kind == Committee.Kind.TEACHER_RIGHTS else HeardCommitteeCaseFactory()
    measure = MeasureFactory(committee_case=case, offender=OffenderFactory(incident=case.incident))
    appeal = AppealFactory.build(measure=measure, changed=True, replacement_number=number)
    assert field_errors(appeal, "replacement_number") == [f"{Law(measure.law).label} has no measure {number}."]


def test_replacement_expulsion_needs_a_high_school_offender():
    case = HeardCommitteeCaseFactory(incident=IncidentFactory(school=SchoolFactory(level=SchoolLevel.MIDDLE)))
    measure = MeasureFactory(committee_case=case, number=8)
    appeal = AppealFactory.build(measure=measure, changed=True, replacement_number=9)
    assert field_errors(appeal, "replacement_number") == [
        "Expulsion can only be imposed on high-school students (this student is at a middle school)."
    ]
    appeal.replacement_number = 7
    appeal.full_clean()


@pytest.mark.parametrize("first", ["changed", "revoked"])
@pytest.mark.parametrize("second", ["changed", "revoked"])
def test_a_measure_is_superseded_on_appeal_only_once(first, second):
    measure = MeasureFactory()
    AppealFactory(measure=measure, **{first: True})
    again = AppealFactory.build(measure=measure, **{second: True})
    assert field_errors(again, "outcome") == [
        "This measure was already changed or revoked on appeal; appeal the measure that replaced it."
    ]
    # Another appeal that upholds it, or is still pending, is fine.
    AppealFactory.build(measure=measure, upheld=True).full_clean()
    AppealFactory.build(measure=measure).full_clean()


def test_an_appeal_cannot_drop_a_replacement_that_is_itself_under_appeal():
    appeal = AppealFactory(changed=True)
    AppealFactory(measure=appeal.replacement)
    appeal.outcome, appeal.replacement_number = Appeal.Outcome.UPHELD, None
    assert field_errors(appeal, "outcome") == [
        "The measure this appeal ordered is itself under appeal; decide that appeal first."
    ]


def test_an_appeal_cannot_drop_a_replacement_already_carried_out():
    appeal = AppealFactory(changed=True)
    replacement = appeal.replacement
    replacement.carried_out_on = replacement.decided_on
    replacement.save()
    appeal.outcome, appeal.replacement_number = Appeal.Outcome.REVOKED, None
    assert field_errors(appeal, "outcome") == [
        "The measure this appeal ordered is recorded as carried out: correct its carrying out "
        "before changing this decision."
    ]
    # Changing it to another replacement keeps the measure (and its carrying out): not refused here.
    appeal.outcome, appeal.replacement_number = Appeal.Outcome.CHANGED, replacement.number
    appeal.full_clean()


@pytest.mark.parametrize("field", ["replacement_days", "replacement_hours"])
def test_replacement_days_and_hours_are_positive(field):
    appeal = AppealFactory.build(measure=MeasureFactory(number=3), changed=True, replacement_number=6, **{field: 0})
    assert field_errors(appeal, field) == ["Ensure this value is greater than or equal to 1."]


# The database refuses what clean() refuses ------------------------------------------------
#
# Each builder saves valid rows, then returns the write that breaks one constraint.


def _update(obj: models.Model, **changes) -> Callable[[], object]:
    return lambda: type(obj).objects.filter(pk=obj.pk).update(**changes)


def _incident_case_number():
    first = IncidentFactory()
    second = IncidentFactory(office=first.office, school=first.school)
    return _update(second, case_number=first.case_number)


def _second_row(model, **fields):
    """A second row of ``model`` with the same unique ``fields`` (the tables the triggers write)."""

    def build():
        model.objects.create(**fields)
        return lambda: model.objects.create(**fields)

    return build


def _incident_police():
    incident = IncidentFactory()
    return _update(incident, police_referred_on=incident.report_date - DAY)


def _takedown_answer():
    takedown = TakedownRequestFactory()
    return _update(takedown, answered_on=takedown.requested_on - DAY, outcome="refused")


def _incident_closure(**changes):
    def build():
        incident = IncidentFactory()
        values = {key: value(incident) if callable(value) else value for key, value in changes.items()}
        return _update(incident, **values)

    return build


def _measure_date_before_decision(field):
    def build():
        measure = MeasureFactory()
        return _update(measure, **{field: measure.decided_on - DAY})

    return build


def _separation_ending(days):
    def build():
        separation = SeparationFactory()
        return _update(separation, ends_on=days_after(separation.starts_on, days))

    return build


def _code_unique(factory_class):
    def build():
        first = factory_class()
        second = factory_class(incident=first.incident)
        return _update(second, code=first.code)

    return build


def _student_with(factory_class, **changes):
    return lambda: _update(factory_class(), **changes)


def _non_student_with_grade(factory_class, kind):
    return lambda: _update(factory_class(), kind=kind)


def _unidentified_with_name():
    return _update(OffenderFactory(unidentified=True), name="김철수")


def _relation_pair():
    relation = OffenderVictimRelationFactory()
    duplicate = OffenderVictimRelation(offender=relation.offender, victim=relation.victim, relation="stranger")
    return lambda: OffenderVictimRelation.objects.bulk_create([duplicate])


def _protection_number():
    return _update(ProtectionMeasureFactory(), number=5)


def _committee_case_twice():
    case = CommitteeCaseFactory()
    duplicate = CommitteeCase(incident=case.incident, committee=case.committee, requested_on=case.requested_on)
    return lambda: CommitteeCase.objects.bulk_create([duplicate])


def _case_date_before_request(field, **extra):
    def build():
        case = CommitteeCaseFactory()
        return _update(case, **{field: case.requested_on - DAY}, **extra)

    return build


def _closure_date_without_reason():
    case = CommitteeCaseFactory()
    return _update(case, closed_on=case.requested_on)


def _closure_reason_without_date():
    return _update(CommitteeCaseFactory(), closure_reason="withdrawn")


def _heard_and_closed():
    case = HeardCommitteeCaseFactory()
    return _update(case, closed_on=case.hearing_date, closure_reason="withdrawn")


def _measure(**changes):
    return lambda: _update(MeasureFactory(), **changes)


def _art25_number(number):
    def build():
        case = teacher_rights_case()
        return _update(MeasureFactory(committee_case=case), number=number)

    return build


def _appeal(traits: dict | None = None, **changes):
    def build():
        appeal = AppealFactory(**(traits or {}))
        values = {key: value(appeal) if callable(value) else value for key, value in changes.items()}
        return _update(appeal, **values)

    return build


def _superseded_twice():
    first = AppealFactory(revoked=True)
    second = Appeal(
        measure=first.measure,
        appellant="victim",
        filed_on=first.filed_on,
        outcome="revoked",
        decided_on=first.decided_on,
    )
    return lambda: Appeal.objects.bulk_create([second])


def _second_pending_appeal():
    first = AppealFactory()
    second = Appeal(measure=first.measure, appellant=first.appellant, kind=first.kind, filed_on=first.filed_on)
    return lambda: Appeal.objects.bulk_create([second])


def _extension_without(missing):
    def build():
        case = CommitteeCaseFactory()
        values = {"extended_on": case.requested_on, "extension_reason": "Witnesses."}
        return _update(case, **{**values, missing: None if missing == "extended_on" else ""})

    return build


BEFORE_2000 = datetime.date(1999, 12, 31)


def _dated_before_2000(factory, *fields, **traits):
    def build():
        return _update(factory(**traits), **dict.fromkeys(fields, BEFORE_2000))

    return build


def _extension_after_the_deadline():
    case = CommitteeCaseFactory()
    return _update(
        case, extended_on=days_after(case.requested_on, CommitteeCase.HEARING_DAYS + 1), extension_reason="x"
    )


def _victim_notice_twice():
    notice = VictimNoticeFactory()
    duplicate = VictimNotice(committee_case=notice.committee_case, victim=notice.victim, notified_on=notice.notified_on)
    return lambda: VictimNotice.objects.bulk_create([duplicate])


DB_VIOLATIONS = [
    ("incident_dates_from_2000", "", _dated_before_2000(IncidentFactory, "report_date")),
    ("takedown_dates_from_2000", "request", _dated_before_2000(TakedownRequestFactory, "requested_on")),
    ("takedown_dates_from_2000", "follow-up", _dated_before_2000(TakedownRequestFactory, "follow_up_on")),
    ("offender_dates_from_2000", "", _dated_before_2000(OffenderFactory, "expected_graduation_on")),
    ("protection_measure_dates_from_2000", "", _dated_before_2000(ProtectionMeasureFactory, "ordered_on")),
    ("separation_dates_from_2000", "", _dated_before_2000(SeparationFactory, "starts_on", "ends_on")),
    ("committee_case_dates_from_2000", "", _dated_before_2000(CommitteeCaseFactory, "requested_on")),
    ("measure_dates_from_2000", "", _dated_before_2000(MeasureFactory, "decided_on")),
    ("appeal_dates_from_2000", "", _dated_before_2000(AppealFactory, "filed_on")),
    ("victim_notice_dates_from_2000", "", _dated_before_2000(VictimNoticeFactory, "notified_on")),
    ("victim_notice_once_per_victim", "", _victim_notice_twice),
    ("incident_case_number_unique_per_office", "", _incident_case_number),
    ("incident_police_referral_after_report", "", _incident_police),
    ("incident_closure_after_report", "", _incident_closure(closed_on=lambda i: i.report_date - DAY)),
    ("incident_closure_reason_has_date", "", _incident_closure(closure_reason="withdrawn")),
    ("takedown_answer_after_request", "", _takedown_answer),
    ("victim_code_unique_per_incident", "", _code_unique(VictimFactory)),
    ("victim_student_has_level_and_grade", "no-grade", _student_with(VictimFactory, grade=None)),
    ("victim_student_has_level_and_grade", "no-level", _student_with(VictimFactory, school_level="")),
    ("victim_only_students_have_grade", "", _non_student_with_grade(VictimFactory, "teacher")),
    ("victim_grade_range", "0", _student_with(VictimFactory, grade=0)),
    ("victim_grade_range", "13", _student_with(VictimFactory, grade=13)),
    ("offender_code_unique_per_incident", "", _code_unique(OffenderFactory)),
    ("offender_student_has_level_and_grade", "no-grade", _student_with(OffenderFactory, grade=None)),
    ("offender_student_has_level_and_grade", "no-level", _student_with(OffenderFactory, school_level="")),
    ("offender_only_students_have_grade", "", _non_student_with_grade(OffenderFactory, "outsider")),
    ("offender_unidentified_has_no_name", "", _unidentified_with_name),
    ("offender_grade_range", "0", _student_with(OffenderFactory, grade=0)),
    ("offender_grade_range", "13", _student_with(OffenderFactory, grade=13)),
    ("relation_unique_pair", "", _relation_pair),
    ("protection_measure_number_valid", "", _protection_number),
    ("committee_case_once_per_committee", "", _committee_case_twice),
    ("committee_case_hearing_after_request", "", _case_date_before_request("hearing_date")),
    ("committee_case_scheduled_after_request", "", _case_date_before_request("hearing_scheduled_on")),
    (
        "committee_case_extension_after_request",
        "",
        _case_date_before_request("extended_on", extension_reason="Witnesses."),
    ),
    ("committee_case_closure_after_request", "", _case_date_before_request("closed_on", closure_reason="other")),
    ("committee_case_closure_has_date_and_reason", "no-reason", _closure_date_without_reason),
    ("committee_case_closure_has_date_and_reason", "no-date", _closure_reason_without_date),
    ("committee_case_heard_or_closed", "", _heard_and_closed),
    ("measure_number_valid_for_law", "art17-0", _measure(number=0)),
    ("measure_number_valid_for_law", "art17-10", _measure(number=10)),
    ("measure_number_valid_for_law", "art25-8", _art25_number(8)),
    ("measure_number_valid_for_law", "unknown-law", _measure(law="art99")),
    ("measure_days_positive", "", _measure(days=0)),
    ("measure_hours_positive", "", _measure(hours=0)),
    ("measure_notified_after_decision", "", _measure_date_before_decision("notified_on")),
    ("measure_carried_out_after_decision", "", _measure_date_before_decision("carried_out_on")),
    ("separation_ends_after_start", "", _separation_ending(-1)),
    ("separation_at_most_7_days", "", _separation_ending(8)),
    ("appeal_decided_has_date", "pending-with-date", _appeal(decided_on=lambda a: a.filed_on)),
    ("appeal_decided_has_date", "decided-without-date", _appeal(traits={"upheld": True}, decided_on=None)),
    ("appeal_changed_has_replacement", "pending-with-number", _appeal(replacement_number=2)),
    (
        "appeal_changed_has_replacement",
        "changed-without-number",
        _appeal(traits={"changed": True}, replacement_number=None),
    ),
    ("appeal_decided_after_filing", "", _appeal(traits={"upheld": True}, decided_on=lambda a: a.filed_on - DAY)),
    ("appeal_measure_superseded_once", "", _superseded_twice),
    ("appeal_one_pending_per_party_and_kind", "", _second_pending_appeal),
    ("committee_case_extension_before_deadline", "", _extension_after_the_deadline),
    ("committee_case_extension_has_date_and_reason", "no-reason", _extension_without("extension_reason")),
    ("committee_case_extension_has_date_and_reason", "no-date", _extension_without("extended_on")),
    ("generation_office_year_unique", "", _second_row(OfficeYearGeneration, office_id=99, year=1999, token=1)),
    ("pending_generation_unique", "", _second_row(PendingGeneration, txid=1, office_id=99, year=1999)),
    ("open_work_unique", "", _second_row(OpenWork, office_id=99, local_office_id=0, kind="hearing", count=0)),
    (
        "pending_open_work_unique",
        "",
        _second_row(PendingOpenWork, txid=1, office_id=99, local_office_id=0, kind="hearing", count=1),
    ),
]


def cases_constraints() -> dict[str, models.BaseConstraint]:
    return {
        constraint.name: constraint
        for model in apps.get_app_config("cases").get_models()
        for constraint in model._meta.constraints
    }


def test_every_database_constraint_has_a_violation_test():
    assert {name for name, _variant, _build in DB_VIOLATIONS} == set(cases_constraints())


@pytest.mark.parametrize(
    ("name", "build"),
    [pytest.param(name, build, id=f"{name}-{variant}" if variant else name) for name, variant, build in DB_VIOLATIONS],
)
def test_the_database_refuses_a_violating_row(name, build):
    write = build()
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        write()
    message = str(excinfo.value)
    constraint = cases_constraints()[name]
    if connection.vendor == "sqlite" and isinstance(constraint, models.UniqueConstraint):
        # SQLite names the columns of a unique index, not the index.
        assert "UNIQUE constraint failed" in message
    else:
        assert name in message


def test_the_database_accepts_the_same_case_number_in_another_office():
    first, second = IncidentFactory(), IncidentFactory()
    Incident.objects.filter(pk=second.pk).update(case_number=first.case_number)
    assert Incident.objects.filter(case_number=first.case_number).count() == 2


def test_the_database_accepts_the_same_person_code_in_another_incident():
    first, second = VictimFactory(), VictimFactory()
    Victim.objects.filter(pk=second.pk).update(code=first.code)
    assert Victim.objects.filter(code=first.code).count() == 2


@pytest.mark.writes_around_services
def test_the_database_accepts_appeals_that_do_not_supersede_alongside_one_that_does():
    first = AppealFactory(revoked=True)
    Appeal.objects.bulk_create(
        [
            Appeal(
                measure=first.measure,
                appellant="victim",
                filed_on=first.filed_on,
                outcome="upheld",
                decided_on=first.decided_on,
            ),
            Appeal(measure=first.measure, appellant="victim", filed_on=first.filed_on, outcome="pending"),
        ]
    )
    assert first.measure.appeals.count() == 3


def test_the_database_accepts_art25_measure_7_and_art17_measure_9():
    measure = MeasureFactory()
    Measure.objects.filter(pk=measure.pk).update(number=9)
    Measure.objects.filter(pk=MeasureFactory(committee_case=teacher_rights_case()).pk).update(number=7)
    assert sorted(Measure.objects.values_list("law", "number")) == [("art17", 9), ("art25", 7)]


@pytest.mark.writes_around_services
def test_the_database_accepts_a_closed_case_with_date_and_reason():
    case = CommitteeCaseFactory()
    CommitteeCase.objects.filter(pk=case.pk).update(closed_on=case.requested_on, closure_reason="withdrawn")
    case.refresh_from_db()
    assert case.closure_reason == "withdrawn"


# Editing a record keeps true what is recorded on it ---------------------------------------------------


def test_offender_with_measures_cannot_move_to_another_incident():
    measure = MeasureFactory()
    offender = measure.offender
    offender.incident = IncidentFactory()
    assert field_errors(offender, "incident") == [
        "This offender's measures and relations are recorded in their case: they cannot move."
    ]


def test_offender_with_relations_cannot_move_to_another_incident():
    offender = OffenderVictimRelationFactory().offender
    offender.incident = IncidentFactory()
    assert field_errors(offender, "incident") == [
        "This offender's measures and relations are recorded in their case: they cannot move."
    ]


def test_offender_without_measures_or_relations_can_move():
    offender = OffenderFactory()
    offender.incident = IncidentFactory()
    offender.full_clean()


@pytest.mark.parametrize("kind", [Offender.Kind.UNIDENTIFIED, Offender.Kind.OUTSIDER])
def test_offender_with_measures_stays_an_identified_student(kind):
    offender = MeasureFactory().offender
    offender.kind, offender.school_level, offender.grade = kind, "", None
    assert field_errors(offender, "kind") == [
        "Measures are recorded on this offender, which only an identified student can receive."
    ]


@pytest.mark.parametrize(("kind", "number"), [(Committee.Kind.SCHOOL_VIOLENCE, 9), (Committee.Kind.TEACHER_RIGHTS, 7)])
def test_expelled_offender_stays_in_high_school(kind, number):
    case = teacher_rights_case() if kind == Committee.Kind.TEACHER_RIGHTS else HeardCommitteeCaseFactory()
    offender = MeasureFactory(committee_case=case, number=number).offender
    offender.school_level = SchoolLevel.MIDDLE
    assert field_errors(offender, "school_level") == [
        "This offender was expelled, which only a high-school student can be."
    ]


def test_offender_with_a_transfer_may_be_corrected_to_middle_school():
    offender = MeasureFactory(number=8).offender
    offender.school_level = SchoolLevel.MIDDLE
    offender.full_clean()


def test_victim_with_relations_cannot_move_to_another_incident():
    victim = OffenderVictimRelationFactory().victim
    victim.incident = IncidentFactory()
    assert field_errors(victim, "incident") == ["This victim's relations are recorded in their case: they cannot move."]


def test_victim_with_protection_measures_stays_a_student():
    victim = ProtectionMeasureFactory().victim
    victim.kind, victim.school_level, victim.grade = Victim.Kind.TEACHER, "", None
    assert field_errors(victim, "kind") == ["This victim has Art. 16 protection measures, which are for students."]
    VictimFactory(kind=Victim.Kind.STUDENT).full_clean()


def test_committee_case_with_measures_cannot_move_to_another_incident():
    case = MeasureFactory().committee_case
    case.incident = IncidentFactory(office=case.incident.office, school=case.incident.school)
    assert field_errors(case, "incident") == [
        "This case's measures concern offenders of its incident: it cannot move to another."
    ]


def test_committee_case_with_measures_keeps_the_kind_of_committee():
    case = MeasureFactory().committee_case
    case.committee = CommitteeFactory(office=case.incident.office, kind=Committee.Kind.TEACHER_RIGHTS)
    assert field_errors(case, "committee") == ["This case has measures under the law of another kind of committee."]
    case.committee = CommitteeFactory(office=case.incident.office)  # another school violence committee
    case.full_clean()


@pytest.mark.parametrize("shift", [None, 1])
def test_committee_case_with_measures_keeps_a_hearing_before_them(shift):
    measure = MeasureFactory()
    case = measure.committee_case
    case.hearing_date = None if shift is None else measure.decided_on + DAY
    assert field_errors(case, "hearing_date") == [
        f"Measures were decided on {format_date(measure.decided_on)}: the hearing must stay on or before that date."
    ]
    case.hearing_date = measure.decided_on - DAY
    case.full_clean()
