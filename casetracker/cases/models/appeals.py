"""Appeals (an administrative appeal or lawsuit against a measure) and their outcome; the day each
victim's side was notified of a committee's decision, from which their own appeal period runs."""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casetracker.cases import rules
from casetracker.core.dates import from_earliest_date
from casetracker.core.history import audited_history

from ..law import APPEAL_DAYS_FROM_DECISION, APPEAL_DAYS_FROM_NOTICE
from .base import DATES_FROM_2000, HAPPENED, CaseRecord
from .committee import CommitteeCase, Measure
from .people import Victim
from .querysets import AppealQuerySet, VictimNoticeQuerySet


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

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("measure"))
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
            rules.appeal_against_other_appeals(self, errors, measure)
        rules.appeal_after_decision(self, errors, measure)
        if self.outcome == self.Outcome.PENDING and self.decided_on:
            errors["decided_on"] = _("A pending appeal has no decision date; choose the outcome.")
        if self.outcome != self.Outcome.PENDING and not self.decided_on:
            errors["decided_on"] = _("Give the date of the decision.")
        if self.decided_on and self.filed_on and self.decided_on < self.filed_on:
            errors["decided_on"] = _("The decision cannot be before the filing.")
        if self.outcome == self.Outcome.CHANGED:
            if self.replacement_number is None:
                errors["replacement_number"] = _("Give the measure the appeal changed it to.")
            else:
                rules.appeal_replacement(self, errors, measure)
        elif self.replacement_number is not None:
            errors["replacement_number"] = _("Only an appeal that changed the measure has a new measure.")
        rules.appeal_in_closed_incident(self, errors, measure)
        rules.appeal_replacement_not_under_appeal(self, errors)
        if errors:
            raise ValidationError(errors)


class VictimNotice(CaseRecord):
    """The day a victim's side (the victim or their guardian) learned of a committee's decision.

    The victim's guardian may appeal the decision too (Art. 27 of the Administrative Appeals Act:
    90 days from learning of it, 180 from the decision at most, ``law.sql_victim_appeal_deadline``),
    and their period runs from their own notice. Written only by ``services.record_victim_notice``,
    which the document register's deliveries call (``documents.services.record_delivery``): one
    row per victim and committee case, or none while no notice is delivered. Not among the
    records whose writes move the incident's ``updated_at`` (``touch_triggers``): the API gives no
    victim's notice, so its sync has nothing to fetch again, and reports count nothing from it.
    """

    committee_case = models.ForeignKey(
        CommitteeCase, on_delete=models.CASCADE, related_name="victim_notices", verbose_name=_("committee case")
    )
    victim = models.ForeignKey(Victim, on_delete=models.CASCADE, related_name="notices", verbose_name=_("victim"))
    notified_on = models.DateField(
        _("decision notified on"),
        validators=HAPPENED,
        help_text=_("The day the victim's side learned of the decision: their appeal period runs from it."),
    )

    objects = VictimNoticeQuerySet.as_manager()
    history = audited_history()

    class Meta:
        ordering = ["committee_case", "victim"]
        verbose_name = _("victim's notice of the decision")
        verbose_name_plural = _("victims' notices of the decision")
        constraints = [
            models.CheckConstraint(
                condition=from_earliest_date("notified_on"),
                name="victim_notice_dates_from_2000",
                violation_error_message=DATES_FROM_2000,
            ),
            models.UniqueConstraint(
                fields=["committee_case", "victim"],
                name="victim_notice_once_per_victim",
                violation_error_message=_("This victim's notice of this decision is already recorded."),
            ),
        ]

    def __str__(self) -> str:
        victim = getattr(self, "victim", None)
        return f"{victim.code if victim else '-'}: {self.notified_on}"

    def clean(self) -> None:
        errors = {}
        rules.victim_notice_in_case(self, errors)
        if errors:
            raise ValidationError(errors)
