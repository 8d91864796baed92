"""The incident (a reported deepfake case at one school) and the takedown requests made for it."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce, Left, Upper
from django.utils.translation import gettext_lazy as _

from casetracker.cases import rules
from casetracker.core.dates import DaysAfter, from_earliest_date
from casetracker.core.history import audited_history
from casetracker.core.models import Channel, Office, School

from .base import (
    DATES_FROM_2000,
    DERIVED_INCIDENT_FIELDS,
    HAPPENED,
    PLANNED,
    STORED_BY_TRIGGERS,
    CaseRecord,
    ClosureReason,
    Status,
    stored_local_office,
)
from .querysets import IncidentQuerySet, QueueItemQuerySet

# "2024-" of a case number 2024-0012 (``services.next_case_number``).
CASE_NUMBER_YEAR_CHARS = 5


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
    # The case's open work that the work queue counts (``open_work.py``): its committee cases awaiting
    # a hearing (none once the case is closed), its final measures not carried out, its takedown
    # requests without an outcome. Summed per local office by the triggers of ``open_work.py``. The
    # database's default too, so that a row inserted without them (raw SQL) is counted by the triggers.
    hearings_awaited = models.PositiveIntegerField(
        _("committee cases awaiting a hearing"), default=0, db_default=0, editable=False
    )
    measures_to_carry_out = models.PositiveIntegerField(
        _("measures to carry out"), default=0, db_default=0, editable=False
    )
    takedowns_open = models.PositiveIntegerField(
        _("takedown requests still open"), default=0, db_default=0, editable=False
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
            # An office-year's incidents (reports' counts, the admin list of an office), with what the
            # reports' counts read of them: an office-year counted again is an index-only scan, not a
            # heap block visited per incident (bench/README.md, 2026-12-08).
            models.Index(
                fields=["office", "report_date"],
                include=[
                    "id",
                    "school",
                    "image_source",
                    "police_referred_on",
                    "referred_to_school_violence_committee",
                    "heard_by_school_violence_committee",
                    "referred_to_teacher_rights_committee",
                    "heard_by_teacher_rights_committee",
                ],
                name="incident_office_date_counts",
            ),
            models.Index(fields=["report_date"]),
            # The admin's search by case number (any office, any case): see bench/explain/.
            models.Index(Upper("case_number"), name="incident_case_number_upper"),
            # The admin list filtered by status within an office, newest first.
            models.Index(fields=["office", "status", "report_date"], name="incident_office_status_date"),
            # The API's incremental sync: ?updated_since= and its keyset pages on (updated_at, id).
            models.Index(fields=["updated_at", "id"], name="incident_updated_id"),
            # An office's cases in id order, read from the index alone: the list's capped count of a
            # search by a person's code merges them with the code's people (``CappedCountPaginator``).
            models.Index(fields=["office", "id"], name="incident_office_id"),
            # The next case number of an office and year (``services.next_case_number``): the office's
            # "YYYY-" numbers only, not every one of its cases.
            models.Index(models.F("office"), Left("case_number", CASE_NUMBER_YEAR_CHARS), name="incident_number_year"),
        ]

    def __str__(self) -> str:
        return str(self.case_number)

    def clean(self) -> None:
        errors = {}
        rules.incident_school(self, errors)
        if self.report_date and self.police_referred_on and self.police_referred_on < self.report_date:
            errors["police_referred_on"] = _("The police referral cannot be before the report.")
        rules.incident_closure(self, errors)
        if errors:
            raise ValidationError(errors)


# The offices' practice, not the law: a takedown request without a follow-up day set is followed
# up a week after it was made (the work queue's deadline, ``workflow/deadlines.py``).
TAKEDOWN_FOLLOW_UP_DAYS = 7


def sql_takedown_follow_up(prefix: str = "") -> Coalesce:
    """The day to follow a takedown request up (reached through ``prefix``): the one the clerk set,
    else ``TAKEDOWN_FOLLOW_UP_DAYS`` after the request."""
    return Coalesce(
        models.F(f"{prefix}follow_up_on"),
        DaysAfter(f"{prefix}requested_on", TAKEDOWN_FOLLOW_UP_DAYS),
        output_field=models.DateField(),
    )


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

    # Still to follow up: no outcome yet, or no answer (the work queue's, counted per case in ``takedowns_open``).
    OPEN_OUTCOMES = (Outcome.REQUESTED, Outcome.NO_ANSWER)

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="takedown_requests", verbose_name=_("incident")
    )
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    requested_on = models.DateField(_("requested on"), validators=HAPPENED)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.REQUESTED)
    answered_on = models.DateField(_("answered on"), validators=HAPPENED, null=True, blank=True)
    follow_up_on = models.DateField(_("follow up on"), validators=PLANNED, null=True, blank=True)
    local_office = stored_local_office()

    objects = QueueItemQuerySet.as_manager()
    history = audited_history(excluded_fields=STORED_BY_TRIGGERS)

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
        indexes = [
            models.Index(fields=["outcome", "requested_on"]),
            # The work queue's recent follow-ups on the day the clerk set (workflow.queue).
            models.Index(fields=["follow_up_on"], condition=Q(follow_up_on__isnull=False), name="takedown_follow_up"),
            # The work queue's old backlog of takedowns, read in the order of their follow-up day.
            models.Index(
                sql_takedown_follow_up(),
                condition=Q(outcome__in=["requested", "no_answer"]),  # (OPEN_OUTCOMES)
                name="takedown_open_by_follow_up",
            ),
            # The same, per local office: a local office's clerk's queue (``cases/local_offices.py``).
            models.Index(
                models.F("local_office"),
                sql_takedown_follow_up(),
                condition=Q(outcome__in=["requested", "no_answer"]),  # (OPEN_OUTCOMES)
                name="takedown_open_local",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.requested_on}"

    def clean(self) -> None:
        if self.requested_on and self.answered_on and self.answered_on < self.requested_on:
            raise ValidationError({"answered_on": _("The answer cannot be before the request.")})
