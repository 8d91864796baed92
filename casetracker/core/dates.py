"""Dates: the window a date typed in must fall in, and arithmetic that never leaves the calendar.

A date is entered through the models' fields, whose ``PlausibleDate`` validator every path runs
(``full_clean``: the admin's forms, inlines and steps, the importer, the services): not before
2000 (the database refuses earlier ones too), and no later than what the step allows, counted
from today. Rows written around the application (a correction in SQL, a restore) can still hold
any date, up to 9999-12-31: ``days_after`` and ``DaysAfter`` (Python and SQL) then stop at the
last day of the calendar instead of failing, so such a row cannot break a page.
"""

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.db import NotSupportedError, models
from django.db.models import Func, QuerySet
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from .formatting import format_date

# No case of the application's scope is older: deepfake cases in schools start in the 2020s.
EARLIEST_DATE = datetime.date(2000, 1, 1)


def days_after(day: datetime.date, days: int) -> datetime.date:
    """``day`` plus ``days`` (minus, when negative), stopping at the first or last day of the calendar."""
    try:
        return day + datetime.timedelta(days=days)
    except OverflowError:
        return datetime.date.max if days > 0 else datetime.date.min


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` later; 29 February becomes the 28th in a year without it. Stops at 9999-12-31."""
    year = day.year + years
    if year > datetime.MAXYEAR:
        return datetime.date.max
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def years_spanned(rows: QuerySet, field: str) -> list[int]:
    """Every year from the first to the last ``field`` date of ``rows``, ascending (a year without
    any is still a year of a trend): two index probes, not a pass over the rows.

    The span ends with this year: a later year (a date written around the application, up to
    9999) comes on its own, not after thousands of empty years.
    """
    dates = rows.order_by().exclude(**{f"{field}__isnull": True}).values_list(field, flat=True)
    first, last = dates.order_by(field).first(), dates.order_by(f"-{field}").first()
    if first is None:
        return []
    years = list(range(first.year, min(last.year, max(first.year, timezone.localdate().year)) + 1))
    if last.year > years[-1]:
        later = dates.filter(**{f"{field}__gt": datetime.date(years[-1], 12, 31)}).distinct()
        years += sorted({day.year for day in later})
    return years


@deconstructible
class PlausibleDate:
    """A date from 2000-01-01 to ``days_ahead`` days after today (0: not in the future)."""

    def __init__(self, days_ahead: int = 0):
        self.days_ahead = days_ahead

    def __call__(self, value: datetime.date) -> None:
        if value < EARLIEST_DATE:
            raise ValidationError(
                _("The date cannot be before %(date)s."),
                code="before_earliest",
                params={"date": format_date(EARLIEST_DATE)},
            )
        latest = days_after(timezone.localdate(), self.days_ahead)
        if value > latest:
            if not self.days_ahead:
                raise ValidationError(_("The date cannot be in the future."), code="in_future")
            raise ValidationError(
                _("The date cannot be later than %(date)s."), code="too_far_ahead", params={"date": format_date(latest)}
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, PlausibleDate) and other.days_ahead == self.days_ahead

    def __hash__(self) -> int:
        return hash(self.days_ahead)


def from_earliest_date(*fields: str, optional: tuple[str, ...] = ()) -> models.Q:
    """The database's half of the window: each of ``fields`` (and of ``optional``, when set) from 2000-01-01."""
    condition = models.Q()
    for name in fields:
        condition &= models.Q(**{f"{name}__gte": EARLIEST_DATE})
    for name in optional:
        condition &= models.Q(**{f"{name}__isnull": True}) | models.Q(**{f"{name}__gte": EARLIEST_DATE})
    return condition


class DaysAfter(Func):
    """``days_after`` in SQL: the date expression plus ``days`` days, as a date, stopping at the
    calendar's last (or first) day; NULL stays NULL.

    In the database's own date arithmetic: on SQLite ``date()`` (Django's interval arithmetic calls
    a Python function for every row there), on PostgreSQL date + integer. Without the stop, a date
    near 9999-12-31 gives NULL on SQLite and a year 10000 on PostgreSQL, which Python cannot read.
    """

    output_field = models.DateField()

    def __init__(self, expression, days: int, **extra):
        if isinstance(expression, str):
            expression = models.F(expression)
        super().__init__(expression, output_field=models.DateField(), **extra)
        self.days = int(days)

    def _bound(self) -> tuple[str, datetime.date, datetime.date]:
        """(comparison, the last date that does not overflow, the date it stops at)."""
        if self.days >= 0:
            return ">", datetime.date.max - datetime.timedelta(days=self.days), datetime.date.max
        return "<", datetime.date.min - datetime.timedelta(days=self.days), datetime.date.min

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError(f"DaysAfter is not implemented for {connection.vendor}.")

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        beyond, limit, stop = self._bound()
        return (
            f"(CASE WHEN {sql} {beyond} %s THEN %s ELSE date({sql}, %s) END)",
            [*params, limit.isoformat(), stop.isoformat(), *params, f"{self.days:+d} days"],
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        beyond, limit, stop = self._bound()
        return (
            f"(CASE WHEN {sql} {beyond} %s::date THEN %s::date ELSE ({sql} + %s) END)",
            [*params, limit, stop, *params, self.days],
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
