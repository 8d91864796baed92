"""The legal deadlines of a case, computed from the dates recorded.

Calendar days: weekends and holidays count like any other day. A period of N days
from a date ends N days after it, as Korean law counts periods (the first day is not
counted): referred on 1 March, the hearing is due by 22 March and on time that day,
late on the 23rd.

- hearing: within 21 days of the referral, extendable once by 7 (so 28);
- extension: decided by the original hearing deadline (day 21);
- measures: carried out within 14 days of the committee's decision;
- separation of offender and victim: up to 7 days from its start;
- appeal: within 90 days of the notification of the decision, and never more than 180
  days after the decision;
- takedown requests: followed up on the day the clerk set, else 7 days after the request;
- school record (Art. 17 measures): measures 1-3 are not recorded once carried out; 4 and 5
  are deleted 2 years after the student graduates, 6 to 8 after 4 years (8 never earlier),
  and 9 (expulsion) stays. A period of years from 29 February ends on 28 February when the
  last year has no 29th (the last day of the month, as the Civil Code counts).

Pure functions for one date, and SQL expressions of the same rules for the work queue,
which sorts and filters by deadline in the database.
"""

import datetime

from django.db import NotSupportedError, models
from django.db.models import Case, F, Func, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from casetracker.cases.models import Appeal, CommitteeCase, Measure, Separation
from casetracker.core.dates import DaysAfter, add_years, days_after

HEARING_DAYS = CommitteeCase.HEARING_DAYS
EXTENSION_DAYS = CommitteeCase.EXTENSION_DAYS
CARRY_OUT_DAYS = Measure.CARRY_OUT_DAYS
SEPARATION_DAYS = Separation.MAX_DAYS
APPEAL_DAYS_FROM_NOTICE = Appeal.FILING_DAYS_FROM_NOTICE
APPEAL_DAYS_FROM_DECISION = Appeal.FILING_DAYS_FROM_DECISION
TAKEDOWN_FOLLOW_UP_DAYS = 7
# "Due this week": from today to 7 days ahead.
DUE_SOON_DAYS = 7
# School record: years after graduation until an Art. 17 measure is deleted (1-3 are not
# recorded once carried out, 9 is never deleted).
RECORD_RETENTION_YEARS = {4: 2, 5: 2, 6: 4, 7: 4, 8: 4}
# Measures the school can delete at graduation, before the end of the period, after a review.
RECORD_EARLY_DELETION = frozenset({4, 5, 6, 7})
RETENTION_DUE_SOON_DAYS = 30


# Each stops at 9999-12-31 (``days_after``), so that a date written around the application breaks no page.
_after = days_after


def hearing_deadline(*, referred_on: datetime.date, extended: bool = False) -> datetime.date:
    return _after(referred_on, HEARING_DAYS + (EXTENSION_DAYS if extended else 0))


def extension_deadline(*, referred_on: datetime.date) -> datetime.date:
    """The last day the hearing deadline can be extended: the original deadline."""
    return hearing_deadline(referred_on=referred_on, extended=False)


def carry_out_deadline(*, decided_on: datetime.date) -> datetime.date:
    return _after(decided_on, CARRY_OUT_DAYS)


def separation_latest_end(*, starts_on: datetime.date) -> datetime.date:
    return _after(starts_on, SEPARATION_DAYS)


def appeal_deadline(*, decided_on: datetime.date, notified_on: datetime.date | None = None) -> datetime.date:
    """The last day to appeal: 90 days from the notification, but no later than 180 days from the decision."""
    outer_limit = _after(decided_on, APPEAL_DAYS_FROM_DECISION)
    if notified_on is None:
        return outer_limit
    return min(_after(notified_on, APPEAL_DAYS_FROM_NOTICE), outer_limit)


def takedown_follow_up(*, requested_on: datetime.date, follow_up_on: datetime.date | None = None) -> datetime.date:
    return follow_up_on or _after(requested_on, TAKEDOWN_FOLLOW_UP_DAYS)


def record_deletion_due(*, number: int, graduated_on: datetime.date | None) -> datetime.date | None:
    """When Art. 17 measure ``number`` is due for deletion from the school record.

    None when there is no such day: a measure not kept on the record (1-3), expulsion (kept
    for good), or a student whose (expected) graduation date is not recorded.
    """
    years = RECORD_RETENTION_YEARS.get(number)
    if years is None or graduated_on is None:
        return None
    return add_years(graduated_on, years)


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


# The same rules in SQL --------------------------------------------------------------------


def sql_days_after(field: str, days: int) -> DaysAfter:
    """``field`` (a date column) plus ``days`` calendar days, as a date (stopping at 9999-12-31)."""
    return DaysAfter(field, days)


def sql_hearing_deadline(prefix: str = "") -> Case:
    """The hearing deadline of a committee case (reached through ``prefix``)."""
    return Case(
        When(
            Q(**{f"{prefix}extended_on__isnull": True}),
            then=sql_days_after(f"{prefix}requested_on", HEARING_DAYS),
        ),
        default=sql_days_after(f"{prefix}requested_on", HEARING_DAYS + EXTENSION_DAYS),
        output_field=models.DateField(),
    )


def sql_extension_deadline(prefix: str = "") -> DaysAfter:
    return sql_days_after(f"{prefix}requested_on", HEARING_DAYS)


def sql_carry_out_deadline(prefix: str = "") -> DaysAfter:
    return sql_days_after(f"{prefix}decided_on", CARRY_OUT_DAYS)


def sql_takedown_follow_up(prefix: str = "") -> Coalesce:
    return Coalesce(
        F(f"{prefix}follow_up_on"),
        sql_days_after(f"{prefix}requested_on", TAKEDOWN_FOLLOW_UP_DAYS),
        output_field=models.DateField(),
    )


def sql_urgency(deadline: str, today: datetime.date) -> Case:
    """``Urgency`` of the date annotation named ``deadline``, as of ``today``."""
    return Case(
        When(Q(**{f"{deadline}__lt": today}), then=Value(Urgency.OVERDUE.value)),
        When(Q(**{f"{deadline}__lte": _after(today, DUE_SOON_DAYS)}), then=Value(Urgency.THIS_WEEK.value)),
        default=Value(Urgency.LATER.value),
        output_field=models.IntegerField(),
    )


class AddYears(Func):
    """``add_years`` in SQL: the date column plus whole years, 29 February to the 28th where needed,
    stopping at 9999-12-31 as ``add_years`` does (past it, SQLite gives NULL and PostgreSQL a date
    Python cannot read)."""

    output_field = models.DateField()

    def __init__(self, expression, years: int):
        super().__init__(expression, output_field=models.DateField())
        self.years = int(years)

    @property
    def _limit(self) -> datetime.date:
        """The last date whose anniversary ``years`` later is still in the calendar."""
        return datetime.date(datetime.MAXYEAR - self.years, 12, 31)

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError(f"AddYears is not implemented for {connection.vendor}.")

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        month = f"date({sql}, 'start of month', '+{self.years} years')"
        same_day = f"date({month}, '+' || (CAST(strftime('%%d', {sql}) AS INTEGER) - 1) || ' days')"
        last_day = f"date({month}, '+1 month', '-1 day')"
        return (
            f"(CASE WHEN {sql} > %s THEN %s ELSE min({same_day}, {last_day}) END)",
            [*params, self._limit.isoformat(), datetime.date.max.isoformat(), *params, *params, *params],
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        later = f"CAST(({sql} + make_interval(years => {self.years})) AS date)"
        return (
            f"(CASE WHEN {sql} > %s::date THEN %s::date ELSE {later} END)",
            [*params, self._limit, datetime.date.max, *params],
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
