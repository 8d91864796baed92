"""The deadlines of a case, computed from the dates recorded.

The periods are the law's (``casetracker/cases/law.py``: hearing, extension, carrying out,
separation, appeal, school record), read from there and re-exported for the queue; this
module adds what the queue needs besides: the takedown follow-up (the offices' practice: the
day the clerk set, else a week after the request), how soon a deadline is, and the SQL
forms of the school record's periods.

Calendar days: weekends and holidays count like any other day. A period of N days
from a date ends N days after it, as Korean law counts periods (the first day is not
counted): referred on 1 March, the hearing is due by 22 March and on time that day,
late on the 23rd.
"""

import datetime

from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext_lazy as _

# The law's dates, read by the queue and its pages from here (casetracker/cases/law.py).
from casetracker.cases.law import APPEAL_DAYS_FROM_DECISION as APPEAL_DAYS_FROM_DECISION
from casetracker.cases.law import CARRY_OUT_DAYS as CARRY_OUT_DAYS
from casetracker.cases.law import RECORD_EARLY_DELETION as RECORD_EARLY_DELETION
from casetracker.cases.law import RECORD_RETENTION_YEARS as RECORD_RETENTION_YEARS
from casetracker.cases.law import appeal_deadline as appeal_deadline
from casetracker.cases.law import carry_out_deadline as carry_out_deadline
from casetracker.cases.law import extension_deadline as extension_deadline
from casetracker.cases.law import hearing_days as hearing_days
from casetracker.cases.law import hearing_deadline as hearing_deadline
from casetracker.cases.law import record_deletion_due as record_deletion_due
from casetracker.cases.law import separation_latest_end as separation_latest_end
from casetracker.cases.law import sql_appeal_deadline as sql_appeal_deadline
from casetracker.cases.law import sql_carry_out_deadline as sql_carry_out_deadline
from casetracker.cases.law import sql_days_after as sql_days_after
from casetracker.cases.law import sql_extension_deadline as sql_extension_deadline
from casetracker.cases.law import sql_hearing_deadline as sql_hearing_deadline
from casetracker.cases.law import sql_victim_appeal_deadline as sql_victim_appeal_deadline

# The takedown follow-up, the offices' practice (with the takedown requests, which index it).
from casetracker.cases.models.incident import TAKEDOWN_FOLLOW_UP_DAYS as TAKEDOWN_FOLLOW_UP_DAYS
from casetracker.cases.models.incident import sql_takedown_follow_up as sql_takedown_follow_up
from casetracker.core.dates import AddYears, days_after

# Not statutory: the queue's horizons.
# "Due this week": from today to 7 days ahead.
DUE_SOON_DAYS = 7
RETENTION_DUE_SOON_DAYS = 30
# Overdue for longer than this: an old backlog (cases entered late, or left open), which the queue
# shows apart from the live work so that it does not bury it.
BACKLOG_AFTER_DAYS = 60


# Each stops at 9999-12-31 (``days_after``), so that a date written around the application breaks no page.
_after = days_after


def takedown_follow_up(*, requested_on: datetime.date, follow_up_on: datetime.date | None = None) -> datetime.date:
    return follow_up_on or _after(requested_on, TAKEDOWN_FOLLOW_UP_DAYS)


def is_late(*, deadline: datetime.date, done_on: datetime.date | None = None, today: datetime.date) -> bool:
    """Done after the deadline, or not done and the deadline has passed (the deadline day itself is on time)."""
    return (done_on or today) > deadline


class Urgency(models.IntegerChoices):
    OVERDUE = 0, _("overdue")
    THIS_WEEK = 1, _("due within 7 days")
    LATER = 2, _("due later")


def urgency(*, deadline: datetime.date, today: datetime.date) -> Urgency:
    if deadline < today:
        return Urgency.OVERDUE
    if deadline <= _after(today, DUE_SOON_DAYS):
        return Urgency.THIS_WEEK
    return Urgency.LATER


def backlog_cutoff(today: datetime.date) -> datetime.date:
    """A deadline before this day is an old backlog."""
    return today - datetime.timedelta(days=BACKLOG_AFTER_DAYS)


# The same rules in SQL --------------------------------------------------------------------


def sql_is_backlog(deadline: str, today: datetime.date) -> Case:
    """1 when the date annotation named ``deadline`` is an old backlog as of ``today``, else 0."""
    return Case(
        When(Q(**{f"{deadline}__lt": backlog_cutoff(today)}), then=Value(1)),
        default=Value(0),
        output_field=models.IntegerField(),
    )


def sql_urgency(deadline: str, today: datetime.date) -> Case:
    """``Urgency`` of the date annotation named ``deadline``, as of ``today``."""
    return Case(
        When(Q(**{f"{deadline}__lt": today}), then=Value(Urgency.OVERDUE.value)),
        When(Q(**{f"{deadline}__lte": _after(today, DUE_SOON_DAYS)}), then=Value(Urgency.THIS_WEEK.value)),
        default=Value(Urgency.LATER.value),
        output_field=models.IntegerField(),
    )


def sql_record_deletion_due(prefix: str = "") -> Case:
    """``record_deletion_due`` of an Art. 17 measure (reached through ``prefix``), NULL when none."""
    graduated_on = f"{prefix}offender__expected_graduation_on"
    by_years: dict[int, list[int]] = {}
    for number, years in RECORD_RETENTION_YEARS.items():
        by_years.setdefault(years, []).append(number)
    return Case(
        *(
            When(Q(**{f"{prefix}number__in": numbers}), then=AddYears(F(graduated_on), years))
            for years, numbers in sorted(by_years.items())
        ),
        default=Value(None, output_field=models.DateField()),
        output_field=models.DateField(),
    )
