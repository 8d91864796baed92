"""Committee cases (an incident referred to a committee: the referral, its deadline, the hearing)
and the measures a committee imposes on offenders."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casetracker.cases import rules
from casetracker.core.dates import from_earliest_date
from casetracker.core.formatting import format_date
from casetracker.core.history import audited_history
from casetracker.core.models import Committee

from ..law import (
    CARRY_OUT_DAYS,
    FIRST_MEASURE_BY_LAW,
    HEARING_DAYS,
    HEARING_EXTENSION_DAYS,
    LAST_MEASURE_BY_LAW,
    Law,
    extension_deadline,
    hearing_deadline,
    measure_label,
    sql_hearing_deadline,
    tier_of,
)
from .base import DATES_FROM_2000, HAPPENED, PLANNED, STORED_BY_TRIGGERS, CaseRecord, ClosureReason, stored_local_office
from .incident import Incident
from .people import Offender
from .querysets import MeasureQuerySet, QueueItemQuerySet

LAW_BY_COMMITTEE_KIND = {
    Committee.Kind.SCHOOL_VIOLENCE: Law.SCHOOL_VIOLENCE_ACT_ART17,
    Committee.Kind.TEACHER_RIGHTS: Law.TEACHERS_STATUS_ACT_ART25,
}


class CommitteeCase(CaseRecord):
    """An incident referred to a committee: the request, the hearing or why there was none."""

    # A committee hears a case within 21 days of the referral, a deadline it can extend once by 7 days.
    HEARING_DAYS = HEARING_DAYS
    EXTENSION_DAYS = HEARING_EXTENSION_DAYS

    ClosureReason = ClosureReason

    # PROTECT, as for measures and appeals: these records are never deleted (``no_delete``).
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="committee_cases", verbose_name=_("incident")
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
    local_office = stored_local_office()

    objects = QueueItemQuerySet.as_manager()
    history = audited_history(excluded_fields=STORED_BY_TRIGGERS)

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
            # An incident's cases with what the reports count of them (timeliness; the measures' way to
            # their incident): read from the index alone.
            models.Index(
                fields=["incident"],
                include=["id", "requested_on", "extended_on", "hearing_date", "closed_on"],
                name="committee_case_incident_counts",
            ),
            models.Index(fields=["committee", "requested_on"]),
            models.Index(fields=["hearing_date"]),
            # The work queue's hearings: the cases still waiting for one, the recent first read.
            models.Index(
                fields=["requested_on"],
                condition=Q(hearing_date__isnull=True, closed_on__isnull=True),
                name="committee_case_to_hear",
            ),
            # The work queue's old backlog of hearings, read in the order of their deadline.
            models.Index(
                sql_hearing_deadline(),
                condition=Q(hearing_date__isnull=True, closed_on__isnull=True),
                name="committee_case_to_hear_by_due",
            ),
            # The same, per local office: a local office's clerk's queue (``cases/local_offices.py``).
            models.Index(
                models.F("local_office"),
                sql_hearing_deadline(),
                condition=Q(hearing_date__isnull=True, closed_on__isnull=True),
                name="committee_case_to_hear_local",
            ),
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
        rules.committee_case_in_incident(self, incident, committee, errors)
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
        else:
            rules.committee_case_open_in_closed_incident(self, incident, errors)
        if incident is not None and incident.pk is not None and self.requested_on and "requested_on" not in errors:
            self.clean_referral(errors, incident)
        if self.pk is not None:
            rules.committee_case_against_recorded_measures(self, errors, incident, committee)
            rules.committee_case_against_recorded_steps(self, errors)
        if errors:
            raise ValidationError(errors)

    def clean_referral(self, errors: dict, incident: Incident) -> None:
        """The referral against the incident's other committee cases (``rules.committee_case_referral``;
        the admin's inline runs it over the rows of one page too)."""
        rules.committee_case_referral(self, errors, incident)


class Measure(CaseRecord):
    """A measure imposed on one offender by one committee case."""

    # The school carries the measure out within 14 days of the committee's request.
    CARRY_OUT_DAYS = CARRY_OUT_DAYS

    committee_case = models.ForeignKey(
        CommitteeCase, on_delete=models.PROTECT, related_name="measures", verbose_name=_("committee case")
    )
    offender = models.ForeignKey(
        Offender, on_delete=models.PROTECT, related_name="measures", verbose_name=_("offender")
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

    local_office = stored_local_office()

    objects = MeasureQuerySet.as_manager()
    history = audited_history(excluded_fields=STORED_BY_TRIGGERS)

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
        indexes = [
            # A committee case's measures with what the reports count of them: read from the index alone.
            models.Index(fields=["committee_case"], include=["id", "law", "number"], name="measure_case_counts"),
            models.Index(fields=["law", "number"]),
            models.Index(fields=["decided_on"]),
            # The work queue's measures to carry out, by the date their 14 days run from.
            models.Index(fields=["decided_on"], condition=Q(carried_out_on__isnull=True), name="measure_to_carry_out"),
            models.Index(
                fields=["local_office", "decided_on"],
                condition=Q(carried_out_on__isnull=True),
                name="measure_to_carry_out_local",
            ),
        ]

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
        rules.measure_in_case(self, case, errors)
        if self.decided_on:
            if self.notified_on and self.notified_on < self.decided_on:
                errors["notified_on"] = _("The decision cannot be notified before it was made.")
            if self.carried_out_on and self.carried_out_on < self.decided_on:
                errors["carried_out_on"] = _("A measure cannot be carried out before it was decided.")
        if self.deleted_from_record_on and self.decided_on and self.deleted_from_record_on < self.decided_on:
            errors["deleted_from_record_on"] = _("A measure cannot be deleted from the record before it was decided.")
        if case is not None and getattr(case, "incident", None) is not None and "carried_out_on" not in errors:
            rules.measure_carrying_out(self, errors, case.incident)
        rules.measure_for_offender(self, errors)
        if errors:
            raise ValidationError(errors)
