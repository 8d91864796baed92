"""What every case record shares: the base model, the window of the dates a clerk enters, and the
choices of a case's status and closing."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from casetracker.core.dates import PlausibleDate
from casetracker.core.models import TimeStampedModel

from ..law import SEPARATION_MAX_DAYS

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


def stored_local_office() -> models.ForeignKey:
    """The local office of a work-queue item's case (its school's), stored on the item by the
    database's triggers (``cases/local_offices.py``), never typed: a local office's scope reads it
    (``QueueItemQuerySet``), and the work queue its indexes. No constraint (the triggers keep it), no history."""
    return models.ForeignKey(
        "core.LocalOffice",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("local office of the case"),
    )


# Stored by the triggers, not a change of the record: never in its history.
STORED_BY_TRIGGERS = ["local_office"]


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
    "hearings_awaited",
    "measures_to_carry_out",
    "takedowns_open",
]


class Status(models.TextChoices):
    """Where a case stands (the rule that derives it is ``status.status_expression``)."""

    REPORTED = "reported", _("reported")
    REFERRED = "referred", _("referred to a committee")
    HEARING_SCHEDULED = "hearing_scheduled", _("hearing scheduled")
    # Heard, and no measure recorded yet: the committee's decision is still to be entered (or it
    # imposed none, and the clerk closes the case).
    HEARD = "heard", pgettext_lazy("case status", "heard")
    DECIDED = "decided", _("decided")
    MEASURES_CARRIED_OUT = "measures_carried_out", _("measures carried out")
    UNDER_APPEAL = "under_appeal", _("under appeal")
    CLOSED = "closed", _("closed")
