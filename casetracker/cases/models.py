"""Cases: an incident, its people, its committee cases, their measures and appeals.

Rules the data must keep live here, as ``clean()`` (a message on the field the user
typed) and, where one table can hold them, as database constraints (the safety net
for every other path). The deepfake content itself is never stored: only a description.
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from casetracker.core.dates import PlausibleDate, from_earliest_date
from casetracker.core.formatting import format_date
from casetracker.core.history import audited_history
from casetracker.core.models import Channel, Committee, Office, School, SchoolLevel, TimeStampedModel, validate_grade
from casetracker.core.scoping import ScopedQuerySet

from .law import (
    APPEAL_DAYS_FROM_DECISION,
    APPEAL_DAYS_FROM_NOTICE,
    ART16_PROTECTION_NUMBERS,
    ART17_TIER_NUMBERS,
    CARRY_OUT_DAYS,
    EXPULSION_BY_LAW,
    FIRST_MEASURE_BY_LAW,
    HEARING_DAYS,
    HEARING_EXTENSION_DAYS,
    LAST_MEASURE_BY_LAW,
    MEASURES_BY_LAW,
    SEPARATION_MAX_DAYS,
    Art16ProtectionMeasure,
    Law,
    Tier,
    extension_deadline,
    hearing_deadline,
    measure_label,
    separation_latest_end,
    tier_of,
)
from .law import Art17Measure as Art17Measure  # re-exported: the measure choices, beside the models
from .law import Art25Measure as Art25Measure


class CaseQuerySet(ScopedQuerySet):
    """Case rows, scoped by their incident's office (and local office, for a clerk of one).

    ``incident`` is the path from a row to its incident: "" for incidents themselves.
    """

    incident = "incident__"

    @property
    def office_path(self) -> str:
        return f"{self.incident}office"

    @property
    def local_office_path(self) -> str:
        return f"{self.incident}school__local_office"


class IncidentQuerySet(CaseQuerySet):
    incident = ""


class RelationQuerySet(CaseQuerySet):
    incident = "offender__incident__"


class ProtectionMeasureQuerySet(CaseQuerySet):
    incident = "victim__incident__"


class AppealQuerySet(CaseQuerySet):
    incident = "measure__committee_case__incident__"


# Grades across all levels, as the database can check them (special schools run longest).
GRADE_RANGE = Q(grade__gte=1, grade__lte=12)

# The window of each date a clerk enters (``PlausibleDate``): from 2000 (the database holds that
# too), and up to today for what has happened. What is planned may be ahead: a hearing set or a
# takedown follow-up within 90 days, the end of a separation running now (at most 7 days), a
# student's graduation (at most 12 school years away, at a special school).
PLANNED_DAYS_AHEAD = 90
HAPPENED = [PlausibleDate()]
PLANNED = [PlausibleDate(days_ahead=PLANNED_DAYS_AHEAD)]
SEPARATION_END = [PlausibleDate(days_ahead=SEPARATION_MAX_DAYS)]
GRADUATION = [PlausibleDate(days_ahead=366 * 12)]
DATES_FROM_2000 = _("Dates before 1 January 2000 are not accepted.")


class CaseRecord(TimeStampedModel):
    """The base of every case record: timestamps, and a version for the check against concurrent edits.

    ``version`` starts at 1 and the case services raise it on every save of the record; a form
    carries the version it was loaded at, and a save from a stale form is refused
    (``services.check_version``). The change history keeps it, so the record as a clerk
    loaded it can be found again.
    """

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


class ClosureReason(models.TextChoices):
    """Why a case closed without a hearing (an incident never referred, or a committee case)."""

    OFFENDER_UNIDENTIFIED = "offender_unidentified", _("offender not identified")
    WITHDRAWN = "withdrawn", _("withdrawn")
    RESOLVED_BY_PRINCIPAL = "resolved_by_principal", _("resolved by the principal")
    OTHER = "other", _("other")


# Stored on the incident, derived from its records (``status.refresh_derived``); not in its history.
DERIVED_INCIDENT_FIELDS = [
    "status",
    "status_reason",
    "referred_to_school_violence_committee",
    "heard_by_school_violence_committee",
    "referred_to_teacher_rights_committee",
    "heard_by_teacher_rights_committee",
]


class Status(models.TextChoices):
    """Where a case stands (the rule that derives it is ``status.status_expression``)."""

    REPORTED = "reported", _("reported")
    REFERRED = "referred", _("referred to a committee")
    HEARING_SCHEDULED = "hearing_scheduled", _("hearing scheduled")
    DECIDED = "decided", _("decided")
    MEASURES_CARRIED_OUT = "measures_carried_out", _("measures carried out")
    UNDER_APPEAL = "under_appeal", _("under appeal")
    CLOSED = "closed", _("closed")


class Incident(CaseRecord):
    """A reported deepfake incident at one school (신고/사안 접수)."""

    class ContentKind(models.TextChoices):
        SEXUAL_IMAGE = "sexual_image", _("sexual image")
        SEXUAL_VIDEO = "sexual_video", _("sexual video")
        OTHER_COMPOSITE = "other_composite", _("other humiliating composite")

    class ImageSource(models.TextChoices):
        SOCIAL_PROFILE = "social_profile", _("social-media profile photo")
        MESSENGER_PROFILE = "messenger_profile", _("messenger profile photo")
        SCHOOL_PHOTO = "school_photo", _("school or class photo")
        TAKEN_COVERTLY = "taken_covertly", _("photo taken without consent")
        UNKNOWN = "unknown", _("unknown")
        OTHER = "other", _("other")

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("office of education")
    )
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("school"))
    case_number = models.CharField(
        _("case number"), max_length=30, help_text=_("Unique within the office of education, e.g. 2024-0042.")
    )
    report_date = models.DateField(_("report date"), validators=HAPPENED)
    content_kind = models.CharField(_("what was made"), max_length=20, choices=ContentKind.choices)
    content_description = models.TextField(
        _("description"),
        blank=True,
        help_text=_("Describe what was made and how it was found. Never paste, upload or link the content itself."),
    )
    image_source = models.CharField(
        _("source of the images"), max_length=20, choices=ImageSource.choices, default=ImageSource.UNKNOWN
    )
    channels = models.ManyToManyField(Channel, blank=True, related_name="incidents", verbose_name=_("how it spread"))
    police_referred_on = models.DateField(_("referred to police on"), validators=HAPPENED, null=True, blank=True)
    closed_on = models.DateField(_("closed on"), validators=HAPPENED, null=True, blank=True)
    closure_reason = models.CharField(
        _("reason for closing without hearing"),
        max_length=30,
        choices=ClosureReason.choices,
        blank=True,
        help_text=_("Required when the case closes without a hearing, e.g. resolved by the principal."),
    )

    # Derived from the case's records, never typed: the case services store them again from their
    # rules (``status.refresh_derived``) with every change, so that lists and reports over a million
    # incidents read a column instead of working them out row by row (bench/README.md).
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REPORTED, editable=False
    )
    status_reason = models.CharField(
        _("reason for closing"), max_length=30, choices=ClosureReason.choices, blank=True, editable=False
    )
    referred_to_school_violence_committee = models.BooleanField(
        _("referred to a school violence review committee"), default=False, editable=False
    )
    heard_by_school_violence_committee = models.BooleanField(
        _("heard by a school violence review committee"), default=False, editable=False
    )
    referred_to_teacher_rights_committee = models.BooleanField(
        _("referred to a teacher rights protection committee"), default=False, editable=False
    )
    heard_by_teacher_rights_committee = models.BooleanField(
        _("heard by a teacher rights protection committee"), default=False, editable=False
    )

    objects = IncidentQuerySet.as_manager()
    history = audited_history(m2m_fields=[channels], excluded_fields=DERIVED_INCIDENT_FIELDS)

    class Meta:
        ordering = ["-report_date", "office__sort_order", "case_number"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        permissions = [("view_identities", _("Can see the names of victims and offenders"))]
        constraints = [
            models.CheckConstraint(
                condition=from_earliest_date("report_date", optional=("police_referred_on", "closed_on")),
                name="incident_dates_from_2000",
                violation_error_message=DATES_FROM_2000,
            ),
            models.UniqueConstraint(
                fields=["office", "case_number"],
                name="incident_case_number_unique_per_office",
                violation_error_message=_("This office of education already has a case with this number."),
            ),
            models.CheckConstraint(
                condition=Q(police_referred_on__isnull=True) | Q(police_referred_on__gte=models.F("report_date")),
                name="incident_police_referral_after_report",
                violation_error_message=_("The police referral cannot be before the report."),
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("report_date")),
                name="incident_closure_after_report",
                violation_error_message=_("The case cannot be closed before the report."),
            ),
            models.CheckConstraint(
                condition=Q(closure_reason="") | Q(closed_on__isnull=False),
                name="incident_closure_reason_has_date",
                violation_error_message=_("Give the date the case was closed."),
            ),
        ]
        indexes = [
            models.Index(fields=["office", "report_date"]),
            models.Index(fields=["report_date"]),
            # The admin's search by case number (any office, any case): see bench/explain/.
            models.Index(Upper("case_number"), name="incident_case_number_upper"),
            # The admin list filtered by status within an office, newest first.
            models.Index(fields=["office", "status", "report_date"], name="incident_office_status_date"),
        ]

    def __str__(self) -> str:
        return str(self.case_number)

    def clean(self) -> None:
        errors = {}
        if self.school_id and self.office_id and self.school.office_id != self.office_id:
            errors["school"] = _("This school belongs to another office of education.")
        if self.report_date and self.police_referred_on and self.police_referred_on < self.report_date:
            errors["police_referred_on"] = _("The police referral cannot be before the report.")
        self.clean_closure(errors)
        if errors:
            raise ValidationError(errors)

    def clean_closure(self, errors: dict) -> None:
        """A closed case has a date, no committee case still open, no appeal pending and no measure
        left to carry out (of those filed or decided by its closing), and a reason exactly when no
        committee heard it."""
        if self.closure_reason and not self.closed_on:
            errors["closed_on"] = _("Give the date the case was closed.")
        if not self.closed_on:
            return
        if self.report_date and self.closed_on < self.report_date:
            errors["closed_on"] = _("The case cannot be closed before the report.")
        elif self.pk is not None and self.committee_cases.filter(hearing_date=None, closed_on=None).exists():
            errors["closed_on"] = _(
                "A committee case of this incident is still open: record its hearing, or close it without one "
                "(its date and reason), before closing the case."
            )
        elif (
            self.pk is not None
            and Appeal.objects.filter(
                measure__committee_case__incident_id=self.pk,
                outcome=Appeal.Outcome.PENDING,
                filed_on__lte=self.closed_on,
            ).exists()
        ):
            errors["closed_on"] = _("An appeal is pending: decide it before closing the case.")
        elif (
            self.pk is not None
            and Measure.objects.filter(
                committee_case__incident_id=self.pk, carried_out_on__isnull=True, decided_on__lte=self.closed_on
            )
            .final()
            .exists()
        ):
            errors["closed_on"] = _("Record that the measures were carried out before closing the case.")
        heard = self.pk is not None and self.committee_cases.filter(hearing_date__isnull=False).exists()
        if heard and self.closure_reason:
            errors["closure_reason"] = _(
                "This case had a hearing: leave the reason for closing without a hearing empty."
            )
        elif not heard and not self.closure_reason:
            errors["closure_reason"] = _("Give the reason for closing the case without a hearing.")


class TakedownRequest(CaseRecord):
    """A request to a platform to take the content down (삭제 지원 요청)."""

    class Platform(models.TextChoices):
        TELEGRAM = "telegram", _("Telegram")
        KAKAOTALK = "kakaotalk", _("KakaoTalk")
        INSTAGRAM = "instagram", _("Instagram")
        X = "x", _("X (Twitter)")
        DISCORD = "discord", _("Discord")
        FACEBOOK = "facebook", _("Facebook")
        YOUTUBE = "youtube", _("YouTube")
        OTHER = "other", _("other")

    class Outcome(models.TextChoices):
        REQUESTED = "requested", _("requested, no outcome yet")
        REMOVED = "removed", _("removed")
        REFUSED = "refused", _("refused")
        NO_ANSWER = "no_answer", _("no answer")

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="takedown_requests", verbose_name=_("incident")
    )
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    requested_on = models.DateField(_("requested on"), validators=HAPPENED)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.REQUESTED)
    answered_on = models.DateField(_("answered on"), validators=HAPPENED, null=True, blank=True)
    follow_up_on = models.DateField(_("follow up on"), validators=PLANNED, null=True, blank=True)

    objects = CaseQuerySet.as_manager()
    history = audited_history()

    class Meta:
        ordering = ["incident", "requested_on", "id"]
        verbose_name = _("takedown request")
        verbose_name_plural = _("takedown requests")
        constraints = [
            models.CheckConstraint(
                condition=from_earliest_date("requested_on", optional=("answered_on", "follow_up_on")),
                name="takedown_dates_from_2000",
                violation_error_message=DATES_FROM_2000,
            ),
            models.CheckConstraint(
                condition=Q(answered_on__isnull=True) | Q(answered_on__gte=models.F("requested_on")),
                name="takedown_answer_after_request",
                violation_error_message=_("The answer cannot be before the request."),
            ),
        ]
        indexes = [models.Index(fields=["outcome", "requested_on"])]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.requested_on}"

    def clean(self) -> None:
        if self.requested_on and self.answered_on and self.answered_on < self.requested_on:
            raise ValidationError({"answered_on": _("The answer cannot be before the request.")})


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
            models.UniqueConstraint(
                fields=["incident", "code"],
                name="victim_code_unique_per_incident",
                violation_error_message=_("This case already has a victim with this code."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="student") | (~Q(school_level="") & Q(grade__isnull=False)),
                name="victim_student_has_level_and_grade",
                violation_error_message=_("A student victim needs a school level and a grade."),
            ),
            models.CheckConstraint(
                condition=Q(kind="student") | Q(grade__isnull=True),
                name="victim_only_students_have_grade",
                violation_error_message=_("Only students have a grade."),
            ),
            models.CheckConstraint(
                condition=Q(grade__isnull=True) | GRADE_RANGE,
                name="victim_grade_range",
                violation_error_message=_("The grade is out of range."),
            ),
        ]
        indexes = [models.Index(fields=["incident", "kind"])]

    def clean(self) -> None:
        errors = self.clean_student_fields(self.kind == self.Kind.STUDENT)
        if self.pk is not None:
            # What is already recorded about this victim must stay true.
            if self.incident_id and self.relations.exclude(offender__incident_id=self.incident_id).exists():
                errors["incident"] = _("This victim's relations are recorded in their case: they cannot move.")
            if self.kind != self.Kind.STUDENT and self.protection_measures.exists():
                errors["kind"] = _("This victim has Art. 16 protection measures, which are for students.")
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
            models.UniqueConstraint(
                fields=["incident", "code"],
                name="offender_code_unique_per_incident",
                violation_error_message=_("This case already has an offender with this code."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="student") | (~Q(school_level="") & Q(grade__isnull=False)),
                name="offender_student_has_level_and_grade",
                violation_error_message=_("A student offender needs a school level and a grade."),
            ),
            models.CheckConstraint(
                condition=Q(kind="student") | Q(grade__isnull=True),
                name="offender_only_students_have_grade",
                violation_error_message=_("Only students have a grade."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="unidentified") | Q(name=""),
                name="offender_unidentified_has_no_name",
                violation_error_message=_("An offender who is not identified has no name."),
            ),
            models.CheckConstraint(
                condition=Q(grade__isnull=True) | GRADE_RANGE,
                name="offender_grade_range",
                violation_error_message=_("The grade is out of range."),
            ),
        ]
        indexes = [models.Index(fields=["incident", "kind"])]

    def clean(self) -> None:
        errors = self.clean_student_fields(self.kind == self.Kind.STUDENT)
        if self.kind == self.Kind.UNIDENTIFIED and self.name:
            errors["name"] = _("An offender who is not identified has no name.")
        if self.expected_graduation_on and self.kind != self.Kind.STUDENT:
            errors["expected_graduation_on"] = _("Only a student has a graduation date.")
        if self.pk is not None:
            self.clean_against_recorded_measures(errors)
        if errors:
            raise ValidationError(errors)

    def clean_against_recorded_measures(self, errors: dict) -> None:
        """What the measures and relations already recorded on this offender rely on."""
        measures = Measure.objects.filter(offender_id=self.pk)
        if self.incident_id and (
            measures.exclude(committee_case__incident_id=self.incident_id).exists()
            or self.relations.exclude(victim__incident_id=self.incident_id).exists()
        ):
            errors.setdefault(
                "incident", _("This offender's measures and relations are recorded in their case: they cannot move.")
            )
        if "kind" not in errors and self.kind != self.Kind.STUDENT and measures.exists():
            errors["kind"] = _("Measures are recorded on this offender, which only an identified student can receive.")
        expulsions = Q()
        for law, number in EXPULSION_BY_LAW.items():
            expulsions |= Q(law=law, number=number)
        if (
            "school_level" not in errors
            and self.school_level != SchoolLevel.HIGH
            and measures.filter(expulsions).exists()
        ):
            errors["school_level"] = _("This offender was expelled, which only a high-school student can be.")


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
        if self.offender_id and self.victim_id and self.offender.incident_id != self.victim.incident_id:
            raise ValidationError({"victim": _("The victim must belong to the same case as the offender.")})


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
        victim = getattr(self, "victim", None)
        if victim is not None and victim.kind != Victim.Kind.STUDENT:
            raise ValidationError(_("Art. 16 protection measures are for student victims."))
        if (
            victim is not None
            and victim.incident_id
            and self.ordered_on
            and self.ordered_on < victim.incident.report_date
        ):
            raise ValidationError({"ordered_on": _("A protection measure cannot be ordered before the report.")})


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
        if self.incident_id:
            if self.offender_id and self.offender.incident_id != self.incident_id:
                errors["offender"] = _("This offender belongs to another case.")
            if self.victim_id and self.victim.incident_id != self.incident_id:
                errors["victim"] = _("This victim belongs to another case.")
        if self.starts_on and self.ends_on:
            if self.ends_on < self.starts_on:
                errors["ends_on"] = _("A separation cannot end before it starts.")
            elif self.ends_on > self.latest_end:
                errors["ends_on"] = _("A separation lasts at most 7 days: it must end by %(date)s.") % {
                    "date": format_date(self.latest_end)
                }
        if errors:
            raise ValidationError(errors)


class CommitteeCase(CaseRecord):
    """An incident referred to a committee: the request, the hearing or why there was none."""

    # A committee hears a case within 21 days of the referral, a deadline it can extend once by 7 days.
    HEARING_DAYS = HEARING_DAYS
    EXTENSION_DAYS = HEARING_EXTENSION_DAYS

    ClosureReason = ClosureReason

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="committee_cases", verbose_name=_("incident")
    )
    committee = models.ForeignKey(
        Committee, on_delete=models.PROTECT, related_name="cases", verbose_name=_("committee")
    )
    requested_on = models.DateField(
        _("referred on"), validators=HAPPENED, help_text=_("The date the committee was asked to hear the case.")
    )
    extended_on = models.DateField(
        _("deadline extended on"),
        validators=HAPPENED,
        null=True,
        blank=True,
        help_text=_("The hearing deadline can be extended once, by 7 days."),
    )
    extension_reason = models.CharField(_("reason for the extension"), max_length=200, blank=True)
    hearing_scheduled_on = models.DateField(
        _("hearing scheduled for"),
        validators=PLANNED,
        null=True,
        blank=True,
        help_text=_("The date the hearing is set to take place."),
    )
    hearing_date = models.DateField(_("hearing date"), validators=HAPPENED, null=True, blank=True)
    closed_on = models.DateField(_("closed without hearing on"), validators=HAPPENED, null=True, blank=True)
    closure_reason = models.CharField(
        _("reason for closing without hearing"), max_length=30, choices=ClosureReason.choices, blank=True
    )

    objects = CaseQuerySet.as_manager()
    history = audited_history()

    class Meta:
        ordering = ["-requested_on", "id"]
        verbose_name = _("committee case")
        verbose_name_plural = _("committee cases")
        constraints = [
            models.CheckConstraint(
                condition=from_earliest_date(
                    "requested_on", optional=("extended_on", "hearing_scheduled_on", "hearing_date", "closed_on")
                ),
                name="committee_case_dates_from_2000",
                violation_error_message=DATES_FROM_2000,
            ),
            models.UniqueConstraint(
                fields=["incident", "committee"],
                name="committee_case_once_per_committee",
                violation_error_message=_("This incident is already referred to this committee."),
            ),
            models.CheckConstraint(
                condition=Q(hearing_date__isnull=True) | Q(hearing_date__gte=models.F("requested_on")),
                name="committee_case_hearing_after_request",
                violation_error_message=_("The hearing cannot be before the referral."),
            ),
            models.CheckConstraint(
                condition=Q(extended_on__isnull=True) | Q(extended_on__gte=models.F("requested_on")),
                name="committee_case_extension_after_request",
                violation_error_message=_("The extension cannot be before the referral."),
            ),
            # One extension, of 7 days, made before the original deadline: the deadline is at most 21 + 7 days.
            models.CheckConstraint(
                condition=Q(extended_on__isnull=True)
                | Q(extended_on__lte=models.F("requested_on") + datetime.timedelta(days=HEARING_DAYS)),
                name="committee_case_extension_before_deadline",
                violation_error_message=_("The deadline can only be extended before the original deadline."),
            ),
            models.CheckConstraint(
                condition=Q(extended_on__isnull=True, extension_reason="")
                | (Q(extended_on__isnull=False) & ~Q(extension_reason="")),
                name="committee_case_extension_has_date_and_reason",
                violation_error_message=_("An extension needs both its date and its reason."),
            ),
            models.CheckConstraint(
                condition=Q(hearing_scheduled_on__isnull=True) | Q(hearing_scheduled_on__gte=models.F("requested_on")),
                name="committee_case_scheduled_after_request",
                violation_error_message=_("The hearing cannot be scheduled before the referral."),
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("requested_on")),
                name="committee_case_closure_after_request",
                violation_error_message=_("The case cannot be closed before the referral."),
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True, closure_reason="")
                | (Q(closed_on__isnull=False) & ~Q(closure_reason="")),
                name="committee_case_closure_has_date_and_reason",
                violation_error_message=_("A case closed without hearing needs both the date and the reason."),
            ),
            models.CheckConstraint(
                condition=Q(hearing_date__isnull=True) | Q(closed_on__isnull=True),
                name="committee_case_heard_or_closed",
                violation_error_message=_("A case with a hearing cannot also be closed without one."),
            ),
        ]
        indexes = [
            models.Index(fields=["committee", "requested_on"]),
            models.Index(fields=["hearing_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.incident} · {self.committee}" if self.incident_id and self.committee_id else str(self.pk)

    @property
    def hearing_deadline(self) -> datetime.date | None:
        """21 days from the referral, plus 7 if the deadline was extended."""
        if not self.requested_on:
            return None
        return hearing_deadline(self.requested_on, extended=bool(self.extended_on))

    @property
    def law(self) -> str:
        """The law whose measures this case's committee imposes."""
        return LAW_BY_COMMITTEE_KIND[self.committee.kind]

    @property
    def heard_late(self) -> bool | None:
        if not self.hearing_date:
            return None
        return self.hearing_date > self.hearing_deadline

    def clean(self) -> None:
        errors = {}
        incident = getattr(self, "incident", None)
        committee = getattr(self, "committee", None)
        if incident and committee and committee.office_id != incident.office_id:
            errors["committee"] = _("This committee belongs to another office of education.")
        if incident and self.requested_on and incident.report_date and self.requested_on < incident.report_date:
            errors["requested_on"] = _("The referral cannot be before the report (%(date)s).") % {
                "date": format_date(incident.report_date)
            }
        if self.requested_on:
            if self.hearing_date and self.hearing_date < self.requested_on:
                errors["hearing_date"] = _("The hearing cannot be before the referral.")
            if self.hearing_scheduled_on and self.hearing_scheduled_on < self.requested_on:
                errors["hearing_scheduled_on"] = _("The hearing cannot be scheduled before the referral.")
            if self.closed_on and self.closed_on < self.requested_on:
                errors["closed_on"] = _("The case cannot be closed before the referral.")
            if self.extended_on:
                original_deadline = extension_deadline(self.requested_on)
                if not self.requested_on <= self.extended_on <= original_deadline:
                    errors["extended_on"] = _(
                        "The deadline can only be extended between the referral and the original deadline (%(date)s)."
                    ) % {"date": format_date(original_deadline)}
        if self.extended_on and not self.extension_reason:
            errors["extension_reason"] = _("Give the reason for extending the deadline.")
        if self.extension_reason and not self.extended_on:
            errors["extended_on"] = _("Give the date the deadline was extended.")
        if self.hearing_date and (self.closed_on or self.closure_reason):
            errors["closure_reason"] = _("A case with a hearing cannot also be closed without one.")
        elif bool(self.closed_on) != bool(self.closure_reason):
            field = "closure_reason" if self.closed_on else "closed_on"
            errors[field] = _("A case closed without hearing needs both the date and the reason.")
        elif incident and incident.closed_on and not self.hearing_date and not self.closed_on:
            errors["closed_on"] = _(
                "The incident is closed: record this committee case's hearing, or close it without one."
            )
        if incident is not None and incident.pk is not None and self.requested_on and "requested_on" not in errors:
            self.clean_referral(errors, incident)
        if self.pk is not None:
            self.clean_against_recorded_measures(errors, incident, committee)
            self.clean_against_recorded_steps(errors)
        if errors:
            raise ValidationError(errors)

    def clean_referral(self, errors: dict, incident: "Incident") -> None:
        """A case is referred while it waits for a hearing: not after a committee heard it, nor after it
        closed (whichever of the two committee cases is entered first)."""
        # (An import has the incident's committee cases at hand, its own rows among them: ``_other_cases``.)
        others = getattr(self, "_other_cases", None)
        if others is None:
            others = list(
                CommitteeCase._base_manager.filter(incident_id=incident.pk)
                .exclude(pk=self.pk)
                .values_list("requested_on", "hearing_date", "closed_on")
            )
        heard_on = min((heard for _requested, heard, _closed in others if heard), default=None)
        closed_on = incident.closed_on
        if others and all(closed for _requested, _heard, closed in others):
            closed_on = min(filter(None, [closed_on, max(closed for _requested, _heard, closed in others)]))
        referred_later = max((requested for requested, _heard, _closed in others if requested), default=None)
        if heard_on and heard_on < self.requested_on:
            errors["requested_on"] = _(
                "This case was heard on %(date)s: it can no longer be referred to a committee after that."
            ) % {"date": format_date(heard_on)}
        elif closed_on and closed_on < self.requested_on:
            errors["requested_on"] = _(
                "This case was closed on %(date)s: it can no longer be referred to a committee after that."
            ) % {"date": format_date(closed_on)}
        elif (
            self.hearing_date and referred_later and self.hearing_date < referred_later and "hearing_date" not in errors
        ):
            errors["hearing_date"] = _(
                "This case was referred to another committee on %(date)s: this hearing cannot be before that."
            ) % {"date": format_date(referred_later)}

    def clean_against_recorded_steps(self, errors: dict) -> None:
        """A committee case heard or closed has no hearing left to schedule or hold, nor a deadline to
        extend; and the deadline is extended once: a recorded extension is not made again on another day."""
        stored = (
            CommitteeCase._base_manager.filter(pk=self.pk)
            .values("extended_on", "hearing_scheduled_on", "hearing_date", "closed_on")
            .first()
        )
        if stored is None:
            return
        if stored["hearing_date"]:
            done = _("The hearing of this committee case is already recorded (%(date)s).") % {
                "date": format_date(stored["hearing_date"])
            }
        elif stored["closed_on"]:
            done = _("This committee case was closed without a hearing on %(date)s.") % {
                "date": format_date(stored["closed_on"])
            }
        else:
            done = None
        if self.extended_on and self.extended_on != stored["extended_on"]:
            if stored["extended_on"]:
                errors.setdefault("extended_on", _("The hearing deadline has already been extended once."))
            elif done:
                errors.setdefault("extended_on", done)
        if done and self.hearing_scheduled_on != stored["hearing_scheduled_on"]:
            errors.setdefault("hearing_scheduled_on", done)
        if stored["closed_on"] and self.closed_on and self.hearing_date:
            errors.setdefault("hearing_date", done)

    def clean_against_recorded_measures(self, errors: dict, incident, committee) -> None:
        """A case whose measures are recorded keeps its incident, its law and a hearing before them."""
        measures = list(
            Measure.objects.filter(committee_case_id=self.pk).values_list("offender__incident_id", "law", "decided_on")
        )
        if not measures:
            return
        if incident and any(incident_id != incident.pk for incident_id, _law, _date in measures):
            errors.setdefault(
                "incident", _("This case's measures concern offenders of its incident: it cannot move to another.")
            )
        if committee and any(law != LAW_BY_COMMITTEE_KIND[committee.kind] for _id, law, _date in measures):
            errors.setdefault("committee", _("This case has measures under the law of another kind of committee."))
        first_decision = min(decided_on for _id, _law, decided_on in measures)
        if self.hearing_date is None or self.hearing_date > first_decision:
            errors.setdefault(
                "hearing_date",
                _("Measures were decided on %(date)s: the hearing must stay on or before that date.")
                % {"date": format_date(first_decision)},
            )


LAW_BY_COMMITTEE_KIND = {
    Committee.Kind.SCHOOL_VIOLENCE: Law.SCHOOL_VIOLENCE_ACT_ART17,
    Committee.Kind.TEACHER_RIGHTS: Law.TEACHERS_STATUS_ACT_ART25,
}


def validate_measure_for_offender(law: str, number: int, offender: "Offender", *, field: str) -> None:
    """The rules a measure must keep for the law and the offender it is imposed on."""
    choices = MEASURES_BY_LAW[Law(law)]
    if number not in choices.values:
        message = _("%(law)s has no measure %(number)s.") % {"law": Law(law).label, "number": number}
        raise ValidationError({field: message})
    if offender.kind != Offender.Kind.STUDENT:
        raise ValidationError({field: _("Measures can only be imposed on an identified student.")})
    if number == EXPULSION_BY_LAW[Law(law)] and offender.school_level != SchoolLevel.HIGH:
        raise ValidationError(
            {
                field: _("Expulsion can only be imposed on high-school students (this student is at a %(level)s).")
                % {"level": SchoolLevel(offender.school_level).label}
            }
        )


def _superseding_appeals():
    return Appeal.objects.filter(measure=OuterRef("pk"), outcome__in=Appeal.SUPERSEDING_OUTCOMES)


class MeasureQuerySet(CaseQuerySet):
    incident = "committee_case__incident__"

    def final(self) -> "MeasureQuerySet":
        """The measures offenders ultimately received: none changed or revoked on appeal."""
        return self.filter(~Exists(_superseding_appeals()))

    def with_finality(self) -> "MeasureQuerySet":
        return self.annotate(is_final=~Exists(_superseding_appeals()))

    def original(self) -> "MeasureQuerySet":
        """The measures as the committees imposed them, before any appeal."""
        return self.filter(ordered_by_appeal__isnull=True)

    def of_tier(self, tier: str) -> "MeasureQuerySet":
        return self.filter(law=Law.SCHOOL_VIOLENCE_ACT_ART17, number__in=ART17_TIER_NUMBERS[Tier(tier)])


class Measure(CaseRecord):
    """A measure imposed on one offender by one committee case."""

    # The school carries the measure out within 14 days of the committee's request.
    CARRY_OUT_DAYS = CARRY_OUT_DAYS

    committee_case = models.ForeignKey(
        CommitteeCase, on_delete=models.CASCADE, related_name="measures", verbose_name=_("committee case")
    )
    offender = models.ForeignKey(
        Offender, on_delete=models.CASCADE, related_name="measures", verbose_name=_("offender")
    )
    law = models.CharField(_("law"), max_length=10, choices=Law.choices)
    number = models.PositiveSmallIntegerField(_("measure"))
    decided_on = models.DateField(_("decided on"), validators=HAPPENED)
    days = models.PositiveSmallIntegerField(
        _("days"), null=True, blank=True, validators=[MinValueValidator(1)], help_text=_("e.g. days of suspension")
    )
    hours = models.PositiveSmallIntegerField(
        _("hours"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("e.g. hours of service or special education"),
    )
    notified_on = models.DateField(
        _("decision notified on"),
        validators=HAPPENED,
        null=True,
        blank=True,
        help_text=_("The day the offender and guardians were told of the decision: the appeal window runs from it."),
    )
    carried_out_on = models.DateField(_("carried out on"), validators=HAPPENED, null=True, blank=True)
    deleted_from_record_on = models.DateField(
        _("deleted from the school record on"),
        validators=HAPPENED,
        null=True,
        blank=True,
        help_text=_("The day the school deleted this measure from the student's school record."),
    )
    ordered_by_appeal = models.OneToOneField(
        "Appeal",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replacement",
        verbose_name=_("ordered by appeal"),
        help_text=_("Set when an appeal changed an earlier measure into this one."),
    )

    objects = MeasureQuerySet.as_manager()
    history = audited_history()

    class Meta:
        ordering = ["committee_case", "offender", "number"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        constraints = [
            models.CheckConstraint(
                condition=from_earliest_date(
                    "decided_on", optional=("notified_on", "carried_out_on", "deleted_from_record_on")
                ),
                name="measure_dates_from_2000",
                violation_error_message=DATES_FROM_2000,
            ),
            models.CheckConstraint(
                condition=Q(
                    law="art17",
                    number__gte=FIRST_MEASURE_BY_LAW[Law.SCHOOL_VIOLENCE_ACT_ART17],
                    number__lte=LAST_MEASURE_BY_LAW[Law.SCHOOL_VIOLENCE_ACT_ART17],
                )
                | Q(
                    law="art25",
                    number__gte=FIRST_MEASURE_BY_LAW[Law.TEACHERS_STATUS_ACT_ART25],
                    number__lte=LAST_MEASURE_BY_LAW[Law.TEACHERS_STATUS_ACT_ART25],
                ),
                name="measure_number_valid_for_law",
                violation_error_message=_("Art. 17 has measures 1 to 9; Art. 25 has measures 1 to 7."),
            ),
            models.CheckConstraint(
                condition=Q(days__isnull=True) | Q(days__gte=1),
                name="measure_days_positive",
                violation_error_message=_("Days must be at least 1."),
            ),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | Q(hours__gte=1),
                name="measure_hours_positive",
                violation_error_message=_("Hours must be at least 1."),
            ),
            models.CheckConstraint(
                condition=Q(notified_on__isnull=True) | Q(notified_on__gte=models.F("decided_on")),
                name="measure_notified_after_decision",
                violation_error_message=_("The decision cannot be notified before it was made."),
            ),
            models.CheckConstraint(
                condition=Q(carried_out_on__isnull=True) | Q(carried_out_on__gte=models.F("decided_on")),
                name="measure_carried_out_after_decision",
                violation_error_message=_("A measure cannot be carried out before it was decided."),
            ),
        ]
        indexes = [models.Index(fields=["law", "number"]), models.Index(fields=["decided_on"])]

    def __str__(self) -> str:
        if not self.law or not self.number:
            return str(_("measure"))
        try:
            return measure_label(self.law, self.number)
        except ValueError:
            return f"{self.law} {self.number}"

    @property
    def tier(self) -> str | None:
        return tier_of(self.law, self.number)

    def clean_fields(self, exclude=None) -> None:
        # The law follows the committee: fill it in before the fields are checked, so a
        # measure saved through the services needs no law either.
        case = getattr(self, "committee_case", None)
        if not self.law and case is not None and getattr(case, "committee", None) is not None:
            self.law = case.law
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        errors = {}
        case = getattr(self, "committee_case", None)
        if case is not None and getattr(case, "committee", None) is not None:
            expected_law = case.law
            if not self.law:
                self.law = expected_law
            elif self.law != expected_law:
                errors["number"] = _("A %(committee)s imposes measures under %(law)s.") % {
                    "committee": case.committee.get_kind_display(),
                    "law": Law(expected_law).label,
                }
            if case.hearing_date is None:
                errors["decided_on"] = _("Measures can only be imposed after the hearing: record its date first.")
            elif self.decided_on and self.decided_on < case.hearing_date:
                errors["decided_on"] = _("The decision cannot be before the hearing (%(date)s).") % {
                    "date": format_date(case.hearing_date)
                }
            if self.decided_on and self.decided_on < case.incident.report_date:
                message = _("The decision cannot be before the report (%(date)s).")
                errors.setdefault("decided_on", message % {"date": format_date(case.incident.report_date)})
            offender = getattr(self, "offender", None)
            if offender is not None and offender.incident_id != case.incident_id:
                errors["offender"] = _("This offender belongs to another case.")
        if self.decided_on:
            if self.notified_on and self.notified_on < self.decided_on:
                errors["notified_on"] = _("The decision cannot be notified before it was made.")
            if self.carried_out_on and self.carried_out_on < self.decided_on:
                errors["carried_out_on"] = _("A measure cannot be carried out before it was decided.")
        if self.deleted_from_record_on and self.decided_on and self.deleted_from_record_on < self.decided_on:
            errors["deleted_from_record_on"] = _("A measure cannot be deleted from the record before it was decided.")
        if case is not None and getattr(case, "incident", None) is not None and "carried_out_on" not in errors:
            self.clean_carrying_out(errors, case.incident)
        offender = getattr(self, "offender", None)
        if offender is not None and self.law and self.number is not None and not errors.keys() & {"offender", "number"}:
            try:
                validate_measure_for_offender(self.law, self.number, offender, field="number")
            except ValidationError as error:
                errors.update(error.error_dict)
        if errors:
            raise ValidationError(errors)

    def clean_carrying_out(self, errors: dict, incident: "Incident") -> None:
        """A measure is carried out once, and only while it counts (not once an appeal changed or revoked
        it); a measure decided by the day its case closed was carried out by then."""
        stored, superseded_on = None, None
        if self.pk is not None:
            stored = Measure._base_manager.filter(pk=self.pk).values_list("carried_out_on", flat=True).first()
            superseded_on = (
                Appeal.objects.filter(measure_id=self.pk, outcome__in=Appeal.SUPERSEDING_OUTCOMES)
                .values_list("decided_on", flat=True)
                .first()
            )
        if self.carried_out_on and stored and self.carried_out_on != stored:
            errors["carried_out_on"] = _("This measure was already carried out on %(date)s.") % {
                "date": format_date(stored)
            }
        elif self.carried_out_on and superseded_on and self.carried_out_on >= superseded_on:
            errors["carried_out_on"] = _(
                "This measure was changed or revoked on appeal: record the measure that replaced it, if any."
            )
        elif (
            not self.carried_out_on
            and not superseded_on
            and incident.closed_on
            and self.decided_on
            and self.decided_on <= incident.closed_on
        ):
            errors["carried_out_on"] = _(
                "The case was closed on %(date)s: record when this measure was carried out."
            ) % {"date": format_date(incident.closed_on)}


class Appeal(CaseRecord):
    """An administrative appeal or lawsuit against a measure, and its outcome."""

    class Appellant(models.TextChoices):
        OFFENDER = "offender", _("offender or guardian")
        VICTIM = "victim", _("victim or guardian")

    class Kind(models.TextChoices):
        ADMINISTRATIVE_APPEAL = "administrative_appeal", _("administrative appeal")
        LAWSUIT = "lawsuit", _("administrative lawsuit")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("pending")
        UPHELD = "upheld", _("upheld")
        CHANGED = "changed", _("changed")
        REVOKED = "revoked", _("revoked")

    # Outcomes after which the appealed measure no longer counts.
    SUPERSEDING_OUTCOMES = (Outcome.CHANGED, Outcome.REVOKED)
    FILING_DAYS_FROM_NOTICE = APPEAL_DAYS_FROM_NOTICE
    FILING_DAYS_FROM_DECISION = APPEAL_DAYS_FROM_DECISION

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="appeals", verbose_name=_("measure"))
    appellant = models.CharField(_("filed by"), max_length=10, choices=Appellant.choices)
    kind = models.CharField(_("kind"), max_length=25, choices=Kind.choices, default=Kind.ADMINISTRATIVE_APPEAL)
    filed_on = models.DateField(_("filed on"), validators=HAPPENED)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    decided_on = models.DateField(_("decided on"), validators=HAPPENED, null=True, blank=True)
    replacement_number = models.PositiveSmallIntegerField(
        _("changed to measure"), null=True, blank=True, help_text=_("Only when the outcome is 'changed'.")
    )
    replacement_days = models.PositiveSmallIntegerField(
        _("days"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    replacement_hours = models.PositiveSmallIntegerField(
        _("hours"), null=True, blank=True, validators=[MinValueValidator(1)]
    )

    objects = AppealQuerySet.as_manager()
    history = audited_history()

    class Meta:
        ordering = ["measure", "filed_on", "id"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            models.CheckConstraint(
                condition=from_earliest_date("filed_on", optional=("decided_on",)),
                name="appeal_dates_from_2000",
                violation_error_message=DATES_FROM_2000,
            ),
            models.CheckConstraint(
                condition=Q(outcome="pending", decided_on__isnull=True)
                | (~Q(outcome="pending") & Q(decided_on__isnull=False)),
                name="appeal_decided_has_date",
                violation_error_message=_("A decided appeal needs its decision date, a pending one has none."),
            ),
            models.CheckConstraint(
                condition=Q(outcome="changed", replacement_number__isnull=False)
                | (~Q(outcome="changed") & Q(replacement_number__isnull=True)),
                name="appeal_changed_has_replacement",
                violation_error_message=_("Give the new measure exactly when the appeal changed the measure."),
            ),
            models.CheckConstraint(
                condition=Q(decided_on__isnull=True) | Q(decided_on__gte=models.F("filed_on")),
                name="appeal_decided_after_filing",
                violation_error_message=_("The decision cannot be before the filing."),
            ),
            models.UniqueConstraint(
                fields=["measure"],
                condition=Q(outcome__in=["changed", "revoked"]),
                name="appeal_measure_superseded_once",
                violation_error_message=_("This measure was already changed or revoked on appeal."),
            ),
            models.UniqueConstraint(
                fields=["measure", "appellant", "kind"],
                condition=Q(outcome="pending"),
                name="appeal_one_pending_per_party_and_kind",
                violation_error_message=_(
                    "An appeal of this kind by the same party is already pending against this measure."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_outcome_display()})"

    def clean(self) -> None:
        errors = {}
        measure = getattr(self, "measure", None)
        if measure and measure.pk:
            self.clean_against_other_appeals(errors, measure)
        if measure and self.filed_on and measure.decided_on and self.filed_on < measure.decided_on:
            errors["filed_on"] = _("An appeal cannot be filed before the decision (%(date)s).") % {
                "date": format_date(measure.decided_on)
            }
        if self.outcome == self.Outcome.PENDING and self.decided_on:
            errors["decided_on"] = _("A pending appeal has no decision date; choose the outcome.")
        if self.outcome != self.Outcome.PENDING and not self.decided_on:
            errors["decided_on"] = _("Give the date of the decision.")
        if self.decided_on and self.filed_on and self.decided_on < self.filed_on:
            errors["decided_on"] = _("The decision cannot be before the filing.")
        if self.outcome == self.Outcome.CHANGED:
            if self.replacement_number is None:
                errors["replacement_number"] = _("Give the measure the appeal changed it to.")
            elif measure and measure.law and measure.offender_id:
                # (A measure being entered on the same page may still lack its law or offender:
                # its own form reports that.)
                if self.replacement_number == measure.number:
                    errors["replacement_number"] = _("The new measure must differ from the appealed one.")
                else:
                    try:
                        validate_measure_for_offender(
                            measure.law, self.replacement_number, measure.offender, field="replacement_number"
                        )
                    except ValidationError as error:
                        errors.update(error.error_dict)
        elif self.replacement_number is not None:
            errors["replacement_number"] = _("Only an appeal that changed the measure has a new measure.")
        incident = measure.committee_case.incident if measure and measure.committee_case_id else None
        if (
            incident is not None
            and incident.closed_on
            and self.outcome == self.Outcome.PENDING
            and self.filed_on
            and self.filed_on <= incident.closed_on
        ):
            errors.setdefault(
                "outcome",
                _("The case was closed on %(date)s with no appeal pending: record the decision of this appeal.")
                % {"date": format_date(incident.closed_on)},
            )
        if self.pk and self.outcome != self.Outcome.CHANGED:
            replacement = Measure.objects.filter(ordered_by_appeal=self).first()
            if replacement is not None and replacement.appeals.exists():
                errors["outcome"] = _(
                    "The measure this appeal ordered is itself under appeal; decide that appeal first."
                )
        if errors:
            raise ValidationError(errors)

    def clean_against_other_appeals(self, errors: dict, measure: Measure) -> None:
        """One pending appeal per party and kind; once an appeal changed or revoked the measure, it is
        not changed or revoked again, and later appeals are against the measure that replaced it."""
        others = list(measure.appeals.exclude(pk=self.pk).values_list("appellant", "kind", "outcome", "decided_on"))
        pending = {
            (appellant, kind) for appellant, kind, outcome, _decided in others if outcome == self.Outcome.PENDING
        }
        if self.outcome == self.Outcome.PENDING and (self.appellant, self.kind) in pending:
            errors["appellant"] = _("An appeal of this kind by the same party is already pending against this measure.")
        superseded_on = next(
            (decided for _appellant, _kind, outcome, decided in others if outcome in self.SUPERSEDING_OUTCOMES), None
        )
        message = _("This measure was already changed or revoked on appeal; appeal the measure that replaced it.")
        if superseded_on and self.outcome in self.SUPERSEDING_OUTCOMES:
            errors["outcome"] = message
        elif superseded_on and self.filed_on and self.filed_on >= superseded_on:
            errors["filed_on"] = message
