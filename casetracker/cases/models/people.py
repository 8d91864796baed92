"""The people of an incident: victims and offenders (their shared fields and rules), how each
offender relates to each victim, the victims' Art. 16 protection, and their separation."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from casetracker.cases import rules
from casetracker.core.dates import from_earliest_date
from casetracker.core.formatting import format_date
from casetracker.core.history import audited_history
from casetracker.core.models import SchoolLevel, validate_grade

from ..law import ART16_PROTECTION_NUMBERS, SEPARATION_MAX_DAYS, Art16ProtectionMeasure, separation_latest_end
from .base import DATES_FROM_2000, GRADE_RANGE, GRADUATION, HAPPENED, SEPARATION_END, CaseRecord
from .incident import Incident
from .querysets import CaseQuerySet, ProtectionMeasureQuerySet, RelationQuerySet


class Person(CaseRecord):
    """What victims and offenders share: a pseudonymous code and an optional name."""

    # Searched and filtered in the admin only by those who may see identities (core.admin_base).
    identity_fields = ("name",)

    code = models.CharField(
        _("code"), max_length=20, help_text=_("A pseudonymous code within the case, e.g. V1 or O2.")
    )
    school_level = models.CharField(
        _("school level"), max_length=12, choices=SchoolLevel.choices, blank=True, default=""
    )
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    name = models.CharField(
        _("name"), max_length=100, blank=True, help_text=_("Optional. Never shown in lists, reports or exports.")
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.incident} {self.code}" if self.incident_id else str(self.code)

    def clean_student_fields(self, is_student: bool) -> dict:
        errors = {}
        if is_student:
            if not self.school_level:
                errors["school_level"] = _("Give the school level of a student.")
            if self.grade is None:
                errors["grade"] = _("Give the grade of a student.")
        elif self.grade is not None:
            errors["grade"] = _("Only students have a grade.")
        if not errors:
            try:
                validate_grade(self.school_level, self.grade)
            except ValidationError as error:
                errors.update(error.error_dict)
        return errors


def person_constraints(model: str, *, code_message, student_message) -> list[models.BaseConstraint]:
    """The rules a person's code, kind, level and grade keep, the same for victims and offenders:
    named ``<model>_...`` as the migrations made them, with the messages in the model's words.
    (The grade's range is ``grade_range_constraint``: an offender has a rule of its own between.)"""
    return [
        models.UniqueConstraint(
            fields=["incident", "code"],
            name=f"{model}_code_unique_per_incident",
            violation_error_message=code_message,
        ),
        models.CheckConstraint(
            condition=~Q(kind="student") | (~Q(school_level="") & Q(grade__isnull=False)),
            name=f"{model}_student_has_level_and_grade",
            violation_error_message=student_message,
        ),
        models.CheckConstraint(
            condition=Q(kind="student") | Q(grade__isnull=True),
            name=f"{model}_only_students_have_grade",
            violation_error_message=_("Only students have a grade."),
        ),
    ]


def code_index(model: str) -> models.Index:
    """The list's search by a person's code (``admin.finding.person_code_condition``, case-insensitive):
    a case's people of that code found by an index probe, and the code's own planner statistics,
    which tell PostgreSQL that "V1" is nearly every case's and "V9" hardly any.

    The code itself is carried in the index (``include``): PostgreSQL reads an expression's index
    without the table only when the column under the expression is there too. Without it, the count
    of a rare code's cases at a million read every person's (incident, code) instead (issue 20)."""
    return models.Index(Upper("code"), models.F("incident"), include=["code"], name=f"{model}_code_upper_covering")


def grade_range_constraint(model: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(grade__isnull=True) | GRADE_RANGE,
        name=f"{model}_grade_range",
        violation_error_message=_("The grade is out of range."),
    )


class Victim(Person):
    class Kind(models.TextChoices):
        STUDENT = "student", _("student")
        TEACHER = "teacher", _("teacher")
        STAFF = "staff", _("other school staff")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="victims", verbose_name=_("incident"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)

    objects = CaseQuerySet.as_manager()
    history = audited_history(excluded_fields=["name"])

    class Meta:
        ordering = ["incident", "code"]
        verbose_name = _("victim")
        verbose_name_plural = _("victims")
        constraints = [
            *person_constraints(
                "victim",
                code_message=_("This case already has a victim with this code."),
                student_message=_("A student victim needs a school level and a grade."),
            ),
            grade_range_constraint("victim"),
        ]
        indexes = [models.Index(fields=["incident", "kind"]), code_index("victim")]

    def clean(self) -> None:
        errors = self.clean_student_fields(self.kind == self.Kind.STUDENT)
        rules.victim_against_recorded(self, errors)
        if errors:
            raise ValidationError(errors)


class Offender(Person):
    class Kind(models.TextChoices):
        STUDENT = "student", _("student")
        UNIDENTIFIED = "unidentified", _("not identified")
        OUTSIDER = "outsider", _("outside the school")

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="offenders", verbose_name=_("incident")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    expected_graduation_on = models.DateField(
        _("(expected) graduation date"),
        validators=GRADUATION,
        null=True,
        blank=True,
        help_text=_(
            "The day the student graduates (or is expected to): the measures on the school record are deleted "
            "counting from it."
        ),
    )

    objects = CaseQuerySet.as_manager()
    history = audited_history(excluded_fields=["name"])

    class Meta:
        ordering = ["incident", "code"]
        verbose_name = _("offender")
        verbose_name_plural = _("offenders")
        constraints = [
            models.CheckConstraint(
                condition=from_earliest_date(optional=("expected_graduation_on",)),
                name="offender_dates_from_2000",
                violation_error_message=DATES_FROM_2000,
            ),
            *person_constraints(
                "offender",
                code_message=_("This case already has an offender with this code."),
                student_message=_("A student offender needs a school level and a grade."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="unidentified") | Q(name=""),
                name="offender_unidentified_has_no_name",
                violation_error_message=_("An offender who is not identified has no name."),
            ),
            grade_range_constraint("offender"),
        ]
        indexes = [models.Index(fields=["incident", "kind"]), code_index("offender")]

    def clean(self) -> None:
        errors = self.clean_student_fields(self.kind == self.Kind.STUDENT)
        if self.kind == self.Kind.UNIDENTIFIED and self.name:
            errors["name"] = _("An offender who is not identified has no name.")
        if self.expected_graduation_on and self.kind != self.Kind.STUDENT:
            errors["expected_graduation_on"] = _("Only a student has a graduation date.")
        rules.offender_against_recorded_measures(self, errors)
        if errors:
            raise ValidationError(errors)


class OffenderVictimRelation(CaseRecord):
    """How one offender relates to one victim of the same incident."""

    class Relation(models.TextChoices):
        CLASSMATE = "classmate", _("classmate")
        SAME_SCHOOL = "same_school", _("same school")
        TEACHER_OF = "teacher_of", _("victim is the offender's teacher")
        ACQUAINTANCE = "acquaintance", _("acquaintance from outside school")
        STRANGER = "stranger", _("stranger")

    offender = models.ForeignKey(
        Offender, on_delete=models.CASCADE, related_name="relations", verbose_name=_("offender")
    )
    victim = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="relations", verbose_name=_("victim"))
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)

    objects = RelationQuerySet.as_manager()
    history = audited_history()

    class Meta:
        ordering = ["offender", "victim"]
        verbose_name = _("offender-victim relation")
        verbose_name_plural = _("offender-victim relations")
        constraints = [
            models.UniqueConstraint(
                fields=["offender", "victim"],
                name="relation_unique_pair",
                violation_error_message=_("The relation of this offender to this victim is already recorded."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offender.code} → {self.victim.code}: {self.get_relation_display()}"

    def clean(self) -> None:
        errors = {}
        rules.relation_in_one_case(self, errors)
        if errors:
            raise ValidationError(errors)


class ProtectionMeasure(CaseRecord):
    """A protection measure for a student victim (Art. 16 School Violence Prevention Act)."""

    Number = Art16ProtectionMeasure

    victim = models.ForeignKey(
        Victim, on_delete=models.CASCADE, related_name="protection_measures", verbose_name=_("victim")
    )
    number = models.PositiveSmallIntegerField(_("measure"), choices=Number.choices)
    ordered_on = models.DateField(_("ordered on"), validators=HAPPENED)
    notes = models.TextField(_("notes"), blank=True)

    objects = ProtectionMeasureQuerySet.as_manager()
    history = audited_history()

    class Meta:
        ordering = ["victim", "ordered_on", "number"]
        verbose_name = _("protection measure (Art. 16)")
        verbose_name_plural = _("protection measures (Art. 16)")
        constraints = [
            models.CheckConstraint(
                condition=from_earliest_date("ordered_on"),
                name="protection_measure_dates_from_2000",
                violation_error_message=DATES_FROM_2000,
            ),
            models.CheckConstraint(
                condition=Q(number__in=list(ART16_PROTECTION_NUMBERS)),
                name="protection_measure_number_valid",
                violation_error_message=_("Art. 16 has protection measures 1, 2, 3, 4 and 6."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_number_display()

    def clean(self) -> None:
        rules.protection_measure_for_student(self)


class Separation(CaseRecord):
    """The immediate separation of an offender from a victim, for up to 7 days.

    Periods of days are counted as the law counts them: the first day is not counted, so a
    separation starting on 1 May may last until 8 May.
    """

    MAX_DAYS = SEPARATION_MAX_DAYS

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="separations", verbose_name=_("incident")
    )
    offender = models.ForeignKey(
        Offender, on_delete=models.CASCADE, related_name="separations", verbose_name=_("offender")
    )
    victim = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="separations", verbose_name=_("victim"))
    starts_on = models.DateField(_("separated from"), validators=HAPPENED)
    ends_on = models.DateField(
        _("separated until"), validators=SEPARATION_END, help_text=_("At most 7 days after the start.")
    )

    objects = CaseQuerySet.as_manager()
    history = audited_history()

    class Meta:
        ordering = ["incident", "starts_on", "id"]
        verbose_name = _("separation of offender and victim")
        verbose_name_plural = _("separations of offender and victim")
        constraints = [
            models.CheckConstraint(
                condition=from_earliest_date("starts_on", "ends_on"),
                name="separation_dates_from_2000",
                violation_error_message=DATES_FROM_2000,
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="separation_ends_after_start",
                violation_error_message=_("A separation cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__lte=models.F("starts_on") + datetime.timedelta(days=SEPARATION_MAX_DAYS)),
                name="separation_at_most_7_days",
                violation_error_message=_("A separation lasts at most 7 days."),
            ),
        ]
        indexes = [models.Index(fields=["ends_on"])]

    def __str__(self) -> str:
        if not self.offender_id or not self.victim_id:
            return str(_("separation"))
        return f"{self.offender.code} / {self.victim.code}: {self.starts_on} - {self.ends_on}"

    @property
    def latest_end(self) -> datetime.date | None:
        return separation_latest_end(self.starts_on) if self.starts_on else None

    def clean(self) -> None:
        errors = {}
        rules.separation_in_one_case(self, errors)
        if self.starts_on and self.ends_on:
            if self.ends_on < self.starts_on:
                errors["ends_on"] = _("A separation cannot end before it starts.")
            elif self.ends_on > self.latest_end:
                errors["ends_on"] = _("A separation lasts at most 7 days: it must end by %(date)s.") % {
                    "date": format_date(self.latest_end)
                }
        if errors:
            raise ValidationError(errors)
