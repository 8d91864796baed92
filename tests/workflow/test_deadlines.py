"""The legal deadlines at their edges (casetracker/workflow/deadlines.py): the last day
on time, the first day late, the extension, weekends counted like any day, and the SQL
versions the work queue sorts by giving the same dates."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from casetracker.cases.models import Separation
from casetracker.workflow import deadlines
from casetracker.workflow.deadlines import Urgency
from casetracker.workflow.queue import Due, QueueFilter, queue_rows
from tests.factories import (
    CommitteeCaseFactory,
    IncidentFactory,
    MeasureFactory,
    SeparationFactory,
    TakedownRequestFactory,
    UserFactory,
    days_after,
)

MONDAY = datetime.date(2024, 3, 4)


def day(n: int, start: datetime.date = MONDAY) -> datetime.date:
    """Day ``n`` of a period starting on ``start`` (day 0)."""
    return days_after(start, n)


# Hearing: 21 days, once 7 more -------------------------------------------------------------------


def test_hearing_on_day_21_is_on_time_and_day_22_late():
    deadline = deadlines.hearing_deadline(referred_on=MONDAY)
    assert deadline == datetime.date(2024, 3, 25)
    assert not deadlines.is_late(deadline=deadline, done_on=day(21), today=day(40))
    assert deadlines.is_late(deadline=deadline, done_on=day(22), today=day(40))


def test_hearing_on_day_28_is_on_time_with_the_extension_and_day_29_late():
    deadline = deadlines.hearing_deadline(referred_on=MONDAY, extended=True)
    assert deadline == datetime.date(2024, 4, 1)
    assert not deadlines.is_late(deadline=deadline, done_on=day(28), today=day(40))
    assert deadlines.is_late(deadline=deadline, done_on=day(29), today=day(40))
    assert deadlines.is_late(deadline=deadlines.hearing_deadline(referred_on=MONDAY), done_on=day(28), today=day(40))


def test_a_hearing_not_yet_held_is_late_the_day_after_the_deadline():
    deadline = deadlines.hearing_deadline(referred_on=MONDAY)
    assert not deadlines.is_late(deadline=deadline, today=day(21))
    assert deadlines.is_late(deadline=deadline, today=day(22))


def test_weekends_count_and_a_deadline_on_a_saturday_stays_there():
    saturday = datetime.date(2024, 3, 2)
    assert saturday.weekday() == 5
    deadline = deadlines.hearing_deadline(referred_on=saturday)
    assert deadline == datetime.date(2024, 3, 23)
    assert deadline.weekday() == 5  # not moved to the Monday
    assert deadlines.is_late(deadline=deadline, done_on=datetime.date(2024, 3, 25), today=day(40))


def test_the_extension_is_decided_by_the_original_deadline():
    assert deadlines.extension_deadline(referred_on=MONDAY) == day(21)


def test_the_model_and_the_deadlines_agree():
    case = CommitteeCaseFactory.build(requested_on=MONDAY)
    assert case.hearing_deadline == deadlines.hearing_deadline(referred_on=MONDAY)
    case.extended_on = MONDAY
    assert case.hearing_deadline == deadlines.hearing_deadline(referred_on=MONDAY, extended=True)


# Measures: 14 days ----------------------------------------------------------------------------


def test_a_measure_carried_out_on_day_14_is_on_time_and_day_15_late():
    deadline = deadlines.carry_out_deadline(decided_on=MONDAY)
    assert deadline == datetime.date(2024, 3, 18)
    assert not deadlines.is_late(deadline=deadline, done_on=day(14), today=day(30))
    assert deadlines.is_late(deadline=deadline, done_on=day(15), today=day(30))


# Separation: up to 7 days ------------------------------------------------------------------------


def test_a_separation_ends_at_most_7_days_after_it_starts():
    assert deadlines.separation_latest_end(starts_on=MONDAY) == day(7)


@pytest.mark.django_db
@pytest.mark.parametrize("days", [0, 1, 7])
def test_a_separation_of_up_to_7_days_is_accepted(days):
    incident = IncidentFactory()
    SeparationFactory.build(
        incident=incident,
        offender=SeparationFactory(incident=incident).offender,
        victim=SeparationFactory(incident=incident).victim,
        starts_on=MONDAY,
        ends_on=day(days),
    ).full_clean()


@pytest.mark.django_db
def test_a_separation_of_8_days_is_refused_on_the_field_and_by_the_database():
    separation = SeparationFactory(starts_on=MONDAY, ends_on=day(7))
    separation.ends_on = day(8)
    with pytest.raises(ValidationError) as excinfo:
        separation.full_clean()
    assert excinfo.value.message_dict["ends_on"] == [
        "A separation lasts at most 7 days: it must end by March 11, 2024."
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        Separation.objects.filter(pk=separation.pk).update(ends_on=day(8))


@pytest.mark.django_db
def test_a_separation_cannot_end_before_it_starts():
    separation = SeparationFactory.build(incident=IncidentFactory(), starts_on=MONDAY, ends_on=day(-1))
    separation.offender = SeparationFactory(incident=separation.incident).offender
    separation.victim = separation.offender.separations.get().victim
    with pytest.raises(ValidationError) as excinfo:
        separation.full_clean()
    assert excinfo.value.message_dict["ends_on"] == ["A separation cannot end before it starts."]


@pytest.mark.django_db
def test_a_separation_is_between_people_of_its_case():
    separation = SeparationFactory()
    other = SeparationFactory()
    separation.offender, separation.victim = other.offender, other.victim
    with pytest.raises(ValidationError) as excinfo:
        separation.full_clean()
    assert excinfo.value.message_dict == {
        "offender": ["This offender belongs to another case."],
        "victim": ["This victim belongs to another case."],
    }


# Appeals: 90 days from the notification, 180 from the decision ---------------------------------


def test_an_appeal_is_due_90_days_after_the_notification():
    deadline = deadlines.appeal_deadline(decided_on=MONDAY, notified_on=day(2))
    assert deadline == day(92) == datetime.date(2024, 6, 4)
    assert not deadlines.is_late(deadline=deadline, done_on=day(92), today=day(200))
    assert deadlines.is_late(deadline=deadline, done_on=day(93), today=day(200))


def test_an_appeal_is_never_due_more_than_180_days_after_the_decision():
    assert deadlines.appeal_deadline(decided_on=MONDAY, notified_on=day(90)) == day(180)
    assert deadlines.appeal_deadline(decided_on=MONDAY, notified_on=day(89)) == day(179)
    deadline = deadlines.appeal_deadline(decided_on=MONDAY, notified_on=day(150))
    assert deadline == day(180) == datetime.date(2024, 8, 31)
    assert deadlines.is_late(deadline=deadline, done_on=day(181), today=day(200))


def test_without_a_notification_the_appeal_is_due_180_days_after_the_decision():
    assert deadlines.appeal_deadline(decided_on=MONDAY) == day(180)


# Takedown requests: followed up after 7 days, or on the day set ---------------------------------


def test_a_takedown_request_is_followed_up_7_days_after_it_was_made():
    assert deadlines.takedown_follow_up(requested_on=MONDAY) == day(7)
    assert deadlines.takedown_follow_up(requested_on=MONDAY, follow_up_on=day(3)) == day(3)


# How urgent -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deadline_day", "expected"),
    [
        (-1, Urgency.OVERDUE),
        (0, Urgency.THIS_WEEK),
        (7, Urgency.THIS_WEEK),
        (8, Urgency.LATER),
    ],
)
def test_urgency_edges(deadline_day, expected):
    assert deadlines.urgency(deadline=day(deadline_day), today=MONDAY) == expected


# The same dates in SQL ---------------------------------------------------------------------------


def sql_deadlines(user, today, due):
    rows = queue_rows(user, today=today, queue_filter=QueueFilter(dues=(due,)))
    return {row["item_pk"]: (row["deadline"], row["urgency"]) for row in rows}


@pytest.mark.django_db
def test_sql_hearing_deadlines_match_with_and_without_extension():
    plain = CommitteeCaseFactory(requested_on=MONDAY, incident__report_date=MONDAY)
    extended = CommitteeCaseFactory(
        requested_on=MONDAY, incident__report_date=MONDAY, extended_on=day(21), extension_reason="Witnesses."
    )
    user = UserFactory(supervisor=True, office=None)
    assert sql_deadlines(user, day(21), Due.HEARING) == {
        plain.pk: (day(21), Urgency.THIS_WEEK),
        extended.pk: (day(28), Urgency.THIS_WEEK),
    }
    assert sql_deadlines(user, day(22), Due.HEARING) == {
        plain.pk: (day(21), Urgency.OVERDUE),
        extended.pk: (day(28), Urgency.THIS_WEEK),
    }
    assert sql_deadlines(user, day(29), Due.HEARING)[extended.pk] == (day(28), Urgency.OVERDUE)


@pytest.mark.django_db
def test_sql_deadlines_match_for_measures_separations_and_takedowns():
    measure = MeasureFactory(committee_case__incident__report_date=MONDAY, committee_case__requested_on=MONDAY)
    assert measure.decided_on == day(14)
    separation = SeparationFactory(starts_on=MONDAY, ends_on=day(7))
    takedown = TakedownRequestFactory(requested_on=MONDAY)
    followed = TakedownRequestFactory(requested_on=MONDAY, follow_up_on=day(3))
    user = UserFactory(supervisor=True, office=None)
    assert sql_deadlines(user, day(14), Due.MEASURE) == {measure.pk: (day(28), Urgency.LATER)}
    assert sql_deadlines(user, day(28), Due.MEASURE) == {measure.pk: (day(28), Urgency.THIS_WEEK)}
    assert sql_deadlines(user, day(29), Due.MEASURE) == {measure.pk: (day(28), Urgency.OVERDUE)}
    assert sql_deadlines(user, MONDAY, Due.SEPARATION) == {separation.pk: (day(7), Urgency.THIS_WEEK)}
    assert sql_deadlines(user, MONDAY, Due.TAKEDOWN) == {
        takedown.pk: (day(7), Urgency.THIS_WEEK),
        followed.pk: (day(3), Urgency.THIS_WEEK),
    }
    assert sql_deadlines(user, day(8), Due.TAKEDOWN) == {
        takedown.pk: (day(7), Urgency.OVERDUE),
        followed.pk: (day(3), Urgency.OVERDUE),
    }
