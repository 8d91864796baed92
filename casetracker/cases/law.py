"""The law the cases follow, written once: the measures, their tiers, the school record, every period.

Everything here is plain data and pure functions over dates, so that the models, the reports,
the work queue, the documents and the importer read the same numbers and nobody repeats one
(``tests/cases/test_law.py`` fails on a statutory number written as a literal anywhere else).
Sources:

- School Violence Prevention Act (학교폭력예방법) and its decree: Art. 16, the protection measures
  for a student victim, and the immediate separation of offender and victim, up to 7 days;
  Art. 17(1), the nine measures on an offending student, which may be combined. The committee
  meets within 21 days of the request, once extendable by 7; the school carries a measure out
  within 14 days of the committee's request.
- Enforcement rules on the school record (학교생활기록부): measures 1-3 are not recorded when carried
  out and not repeated; 4 and 5 are deleted 2 years after graduation, 6 to 8 after 4 years (6 and
  7 can be deleted at graduation after a review, 8 never early), 9 is kept.
- Teachers' Status Act (교원지위법), Art. 25: the seven measures of the teacher rights protection
  committees (expulsion for high-school students only, as under Art. 17).
- Administrative Appeals Act, Art. 27: an appeal within 90 days of learning of the decision, and
  never more than 180 days after it. Administrative Litigation Act, Art. 20: a lawsuit within 90
  days of learning of the decision (or of the ruling on an appeal).

Periods of days count as Korean law counts them (Civil Code Art. 157): the first day is not
counted, so a period of N days from a date ends N days after it, and is kept on that day.
Every date function stops at 9999-12-31 (``core.dates``) instead of failing on an absurd date.
"""

import datetime

from django.db import models
from django.db.models import Case, Q, When
from django.db.models.functions import Coalesce, Least
from django.utils.translation import gettext_lazy as _

from casetracker.core.dates import DaysAfter, add_years, days_after


# The measures ----------------------------------------------------------------------------------
class Law(models.TextChoices):
    SCHOOL_VIOLENCE_ACT_ART17 = "art17", _("School Violence Prevention Act, Art. 17")
    TEACHERS_STATUS_ACT_ART25 = "art25", _("Teachers' Status Act, Art. 25")


class Art17Measure(models.IntegerChoices):
    WRITTEN_APOLOGY = 1, _("1. written apology")
    NO_CONTACT = 2, _("2. no contact, threats or retaliation")
    SCHOOL_SERVICE = 3, _("3. service in school")
    COMMUNITY_SERVICE = 4, _("4. community service")
    SPECIAL_EDUCATION = 5, _("5. special education or psychological treatment")
    SUSPENSION = 6, _("6. suspension of attendance")
    CLASS_CHANGE = 7, _("7. class change")
    TRANSFER = 8, _("8. transfer")
    EXPULSION = 9, _("9. expulsion")


class Art25Measure(models.IntegerChoices):
    SCHOOL_SERVICE = 1, _("1. service in school")
    COMMUNITY_SERVICE = 2, _("2. community service")
    SPECIAL_EDUCATION = 3, _("3. special education or psychological treatment")
    SUSPENSION = 4, _("4. suspension of attendance")
    CLASS_CHANGE = 5, _("5. class change")
    TRANSFER = 6, _("6. transfer")
    EXPULSION = 7, _("7. expulsion")


class Art16ProtectionMeasure(models.IntegerChoices):
    """The protection measures for a student victim (Art. 16; its no. 5 was repealed)."""

    COUNSELLING = 1, _("1. psychological counselling and advice")
    TEMPORARY_PROTECTION = 2, _("2. temporary protection")
    TREATMENT = 3, _("3. treatment and recuperation")
    CLASS_CHANGE = 4, _("4. class change")
    OTHER = 6, _("6. other measures")


MEASURES_BY_LAW = {Law.SCHOOL_VIOLENCE_ACT_ART17: Art17Measure, Law.TEACHERS_STATUS_ACT_ART25: Art25Measure}
# The first and the last measure number of each law.
FIRST_MEASURE_BY_LAW = {law: min(measures.values) for law, measures in MEASURES_BY_LAW.items()}
LAST_MEASURE_BY_LAW = {law: max(measures.values) for law, measures in MEASURES_BY_LAW.items()}
# Expulsion, under either law, is for high-school students only.
EXPULSION_BY_LAW = {
    Law.SCHOOL_VIOLENCE_ACT_ART17: Art17Measure.EXPULSION,
    Law.TEACHERS_STATUS_ACT_ART25: Art25Measure.EXPULSION,
}
ART16_PROTECTION_NUMBERS = tuple(int(number) for number in Art16ProtectionMeasure.values)


def measure_label(law: str, number: int) -> str:
    return str(MEASURES_BY_LAW[Law(law)](number).label)


# Tiers (Art. 17) -------------------------------------------------------------------------------
class Tier(models.TextChoices):
    """How heavy an Art. 17 measure is, by what it leaves on the school record."""

    OFF_RECORD = "off_record", _("measures 1-3 (off the record)")
    RECORDED = "recorded", _("measures 4-6 (recorded)")
    HEAVY = "heavy", _("measures 7-9 (heavy)")


ART17_TIER_NUMBERS = {Tier.OFF_RECORD: (1, 2, 3), Tier.RECORDED: (4, 5, 6), Tier.HEAVY: (7, 8, 9)}


def tier_of(law: str, number: int | None) -> Tier | None:
    """The tier of a measure: Art. 17 measures only (None for Art. 25, or a number out of range)."""
    if law != Law.SCHOOL_VIOLENCE_ACT_ART17:
        return None
    return next((tier for tier, numbers in ART17_TIER_NUMBERS.items() if number in numbers), None)


# The school record (Art. 17) -------------------------------------------------------------------
# Not recorded when carried out and not repeated (the record then shows nothing).
RECORD_DEFERRED = frozenset(ART17_TIER_NUMBERS[Tier.OFF_RECORD])
# Years after graduation until a recorded measure is deleted; expulsion (9) is kept for good.
RECORD_RETENTION_YEARS = {4: 2, 5: 2, 6: 4, 7: 4, 8: 4}
# Measures the school can delete at graduation, before the end of the period, after a review
# (transfer, 8, never: it stays its full period).
RECORD_EARLY_DELETION = frozenset({4, 5, 6, 7})
RECORD_KEPT_FOR_GOOD = frozenset({Art17Measure.EXPULSION.value})

# Art. 17(3) and (9): measures 2-4 and 6-8 may come with special education for the student, and
# the guardian of a student so measured must take special education too.
GUARDIAN_EDUCATION_MEASURES = frozenset({2, 3, 4, 6, 7, 8})


def record_deletion_due(number: int, graduated_on: datetime.date | None) -> datetime.date | None:
    """When Art. 17 measure ``number`` is due for deletion from the school record.

    None when there is no such day: a measure not kept on the record (1-3), expulsion (kept
    for good), or a student whose (expected) graduation date is not recorded. A period of years
    from 29 February ends on 28 February when the last year has no 29th (Civil Code Art. 160).
    """
    years = RECORD_RETENTION_YEARS.get(number)
    if years is None or graduated_on is None:
        return None
    return add_years(graduated_on, years)


# Periods of days -------------------------------------------------------------------------------
HEARING_DAYS = 21  # the committee meets within 21 days of the request
HEARING_EXTENSION_DAYS = 7  # extendable once, by 7 days, before the original deadline
CARRY_OUT_DAYS = 14  # the school carries the measure out within 14 days of the decision
SEPARATION_MAX_DAYS = 7  # the immediate separation of offender and victim, at most 7 days
APPEAL_DAYS_FROM_NOTICE = 90  # an appeal within 90 days of learning of the decision
APPEAL_DAYS_FROM_DECISION = 180  # and never more than 180 days after the decision
# A lawsuit (Administrative Litigation Act, Art. 20): within 90 days of learning of the decision,
# or of receiving the ruling on an administrative appeal.
LAWSUIT_DAYS_FROM_NOTICE = 90


def hearing_days(*, extended: bool = False) -> int:
    """The days a committee has to hear a case: 21, or 28 after the one extension."""
    return HEARING_DAYS + (HEARING_EXTENSION_DAYS if extended else 0)


def hearing_deadline(referred_on: datetime.date, *, extended: bool = False) -> datetime.date:
    """The last day of the hearing: 21 days from the referral, 28 if the deadline was extended."""
    return days_after(referred_on, hearing_days(extended=extended))


def extension_deadline(referred_on: datetime.date) -> datetime.date:
    """The last day the hearing deadline can be extended: the original deadline."""
    return hearing_deadline(referred_on, extended=False)


def carry_out_deadline(decided_on: datetime.date) -> datetime.date:
    return days_after(decided_on, CARRY_OUT_DAYS)


def separation_latest_end(starts_on: datetime.date) -> datetime.date:
    return days_after(starts_on, SEPARATION_MAX_DAYS)


def appeal_deadline(decided_on: datetime.date, notified_on: datetime.date | None = None) -> datetime.date:
    """The last day to appeal: 90 days from the notification, but no later than 180 days from the decision."""
    outer_limit = days_after(decided_on, APPEAL_DAYS_FROM_DECISION)
    if notified_on is None:
        return outer_limit
    return min(days_after(notified_on, APPEAL_DAYS_FROM_NOTICE), outer_limit)


# The same periods in SQL, for lists and reports that filter and sort by them ------------------
def sql_days_after(field: str, days: int) -> DaysAfter:
    """``field`` (a date column) plus ``days`` calendar days, as a date (stopping at 9999-12-31):
    the one "date plus n days" expression of the reports and the work queue."""
    return DaysAfter(field, days)


def sql_hearing_deadline(prefix: str = "") -> Case:
    """``hearing_deadline`` of a committee case (reached through ``prefix``)."""
    return Case(
        When(
            Q(**{f"{prefix}extended_on__isnull": True}),
            then=sql_days_after(f"{prefix}requested_on", hearing_days(extended=False)),
        ),
        default=sql_days_after(f"{prefix}requested_on", hearing_days(extended=True)),
        output_field=models.DateField(),
    )


def sql_extension_deadline(prefix: str = "") -> DaysAfter:
    return sql_days_after(f"{prefix}requested_on", hearing_days(extended=False))


def sql_appeal_deadline(prefix: str = "") -> Case:
    """``appeal_deadline`` of a measure (reached through ``prefix``): 90 days from its notification,
    capped at 180 from the decision; the outer limit alone while no notification is recorded."""
    outer_limit = sql_days_after(f"{prefix}decided_on", APPEAL_DAYS_FROM_DECISION)
    from_notice = sql_days_after(f"{prefix}notified_on", APPEAL_DAYS_FROM_NOTICE)
    return Case(
        When(Q(**{f"{prefix}notified_on__isnull": True}), then=outer_limit),
        default=Least(from_notice, outer_limit, output_field=models.DateField()),
        output_field=models.DateField(),
    )


def sql_victim_appeal_deadline(prefix: str = "") -> Least:
    """The victim's side's last day to appeal (``appeal_deadline`` of their notice), for a
    ``VictimNotice`` reached through ``prefix`` with its committee's ``decided_on``
    (``VictimNoticeQuerySet.with_decision``): 90 days from the notice, capped at 180 from the
    decision, so a notice delivered after the cap leaves the cap. A notice always has its day; a
    decision with no date left (its measures and hearing date removed since) caps nothing, on
    PostgreSQL and SQLite alike (SQLite's ``min`` of a NULL is NULL)."""
    from_notice = sql_days_after(f"{prefix}notified_on", APPEAL_DAYS_FROM_NOTICE)
    outer_limit = sql_days_after(f"{prefix}decided_on", APPEAL_DAYS_FROM_DECISION)
    return Least(from_notice, Coalesce(outer_limit, from_notice), output_field=models.DateField())


def sql_carry_out_deadline(prefix: str = "") -> DaysAfter:
    return sql_days_after(f"{prefix}decided_on", CARRY_OUT_DAYS)
