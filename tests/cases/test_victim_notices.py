"""The victims' notices of a decision (issue 19): written only through
``services.record_victim_notice`` (scope, rules, history), their appeal deadline in SQL
(``law.sql_victim_appeal_deadline``) as ``law.appeal_deadline`` counts it, and the case page showing
it beside each victim."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from casetracker.cases import law, rules, selectors, services
from casetracker.cases.models import Appeal, CommitteeCase, Victim, VictimNotice
from casetracker.core.models import Committee
from tests.factories import (
    AppealFactory,
    CommitteeCaseFactory,
    HeardCommitteeCaseFactory,
    MeasureFactory,
    UserFactory,
    VictimFactory,
    days_after,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided():
    """A committee case decided (a measure two days after its hearing), with a victim and its clerk."""
    measure = MeasureFactory()
    case = measure.committee_case
    measure.decided_on = days_after(case.hearing_date, 2)
    measure.save()
    victim = VictimFactory(incident=case.incident, code="V1")
    return case, victim, measure, UserFactory(office=case.incident.office)


def record(clerk, case, victim, on):
    return services.record_victim_notice(actor=clerk, committee_case=case, victim=victim, notified_on=on)


def test_the_decision_is_its_first_measure_as_imposed_else_the_hearing(decided):
    case, _victim, measure, _clerk = decided
    assert rules.decision_date(case) == measure.decided_on
    assert rules.decision_date(HeardCommitteeCaseFactory()) is not None
    assert rules.decision_date(CommitteeCase(requested_on=measure.decided_on)) is None


@pytest.mark.parametrize("after", [0, 1, 89, 90, 91, 150, 179])
def test_the_sql_deadline_counts_as_the_law_does(decided, after):
    case, victim, measure, clerk = decided
    notice = record(clerk, case, victim, days_after(measure.decided_on, after))
    deadline = (
        selectors.victim_notices_for(clerk)
        .annotate(deadline=law.sql_victim_appeal_deadline())
        .values_list("deadline", flat=True)
        .get(pk=notice.pk)
    )
    assert deadline == law.appeal_deadline(measure.decided_on, notice.notified_on)
    assert deadline <= days_after(measure.decided_on, law.APPEAL_DAYS_FROM_DECISION)


def test_recording_sets_corrects_and_removes_with_the_history(decided):
    case, victim, measure, clerk = decided
    first = record(clerk, case, victim, measure.decided_on)
    assert (first.notified_on, first.version) == (measure.decided_on, 1)
    assert record(clerk, case, victim, measure.decided_on).version == 1  # unchanged: nothing written
    corrected = record(clerk, case, victim, days_after(measure.decided_on, 4))
    assert (corrected.pk, corrected.version) == (first.pk, 2)
    assert record(clerk, case, victim, None) is None
    assert not VictimNotice.objects.exists()
    history = VictimNotice.history.order_by("history_id")
    assert [(h.history_type, h.notified_on, h.history_user) for h in history] == [
        ("+", measure.decided_on, clerk),
        ("~", days_after(measure.decided_on, 4), clerk),
        ("-", days_after(measure.decided_on, 4), clerk),
    ]


def test_a_victim_of_another_case_and_a_case_not_decided_are_refused(decided):
    case, _victim, measure, clerk = decided
    stranger = VictimFactory(incident__office=case.incident.office, incident__school=case.incident.school)
    with pytest.raises(ValidationError) as refused:
        record(clerk, case, stranger, measure.decided_on)
    assert "victim" in refused.value.error_dict
    waiting = CommitteeCaseFactory(incident=case.incident, committee__kind=Committee.Kind.TEACHER_RIGHTS)
    with pytest.raises(ValidationError) as refused:
        record(clerk, waiting, Victim.objects.get(code="V1"), measure.decided_on)
    assert "notified_on" in refused.value.error_dict
    assert not VictimNotice.objects.exists()


def test_another_offices_clerk_reaches_neither_the_case_nor_the_notice(decided):
    case, victim, measure, clerk = decided
    record(clerk, case, victim, measure.decided_on)
    other = UserFactory()
    with pytest.raises(CommitteeCase.DoesNotExist):
        record(other, case, victim, None)
    assert VictimNotice.objects.count() == 1
    assert not selectors.victim_notices_for(other).exists()


# The case page ------------------------------------------------------------------------------------


def test_the_case_page_shows_each_victims_deadline_with_the_days_left(client):
    today = timezone.localdate()
    measure = MeasureFactory(
        committee_case=HeardCommitteeCaseFactory(
            incident__report_date=days_after(today, -60), requested_on=days_after(today, -40)
        )
    )
    case = measure.committee_case
    notified, _waiting = (
        VictimFactory(incident=case.incident, code="V1"),
        VictimFactory(incident=case.incident, code="V2"),
    )
    clerk = UserFactory(office=case.incident.office, language="en")
    record(clerk, case, notified, days_after(measure.decided_on, 1))
    client.force_login(clerk)
    page = client.get(reverse("admin:cases_incident_change", args=[case.incident.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    rows = {row.victim.code: row for row in page.context["workspace"].victims}
    [period] = rows["V1"].appeals
    due = law.appeal_deadline(measure.decided_on, days_after(measure.decided_on, 1))
    assert (period.deadline.due, period.deadline.state, period.notice.victim) == (due, "open", notified)
    [unnotified] = rows["V2"].appeals
    assert (unnotified.notice, unnotified.deadline.due) == (None, law.appeal_deadline(measure.decided_on))
    text = page.content.decode()
    assert f"{(due - today).days} days left" in text
    assert "no notice delivered yet" in text

    # Once the victim's side appeals, the period is met.
    AppealFactory(measure=measure, appellant=Appeal.Appellant.VICTIM, filed_on=days_after(measure.decided_on, 5))
    page = client.get(reverse("admin:cases_incident_change", args=[case.incident.pk]), HTTP_ACCEPT_LANGUAGE="en")
    [period] = {row.victim.code: row for row in page.context["workspace"].victims}["V1"].appeals
    assert period.deadline.state == "met"
    assert "appealed on" in page.content.decode()


def test_a_decision_after_the_hearing_dates_the_cap(decided):
    case, victim, measure, clerk = decided
    assert measure.decided_on == days_after(case.hearing_date, 2)
    notice = record(clerk, case, victim, days_after(measure.decided_on, 120))
    deadline = (
        selectors.victim_notices_for(clerk)
        .annotate(deadline=law.sql_victim_appeal_deadline())
        .values_list("deadline", flat=True)
        .get(pk=notice.pk)
    )
    assert deadline == days_after(measure.decided_on, law.APPEAL_DAYS_FROM_DECISION) != datetime.date.max
