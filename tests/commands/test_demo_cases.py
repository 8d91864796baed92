"""`make run`'s demo cases (issue 18, item 8): a new clerk's queue shows live work, every published
figure still holds, and each record went through the case services."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from casetracker.accounts.models import User
from casetracker.cases.management.commands.create_demo_cases import DEMO_CASES, DEMO_REASON
from casetracker.cases.models import CommitteeCase, Incident, TakedownRequest
from casetracker.workflow.queue import queue_rows
from tests.factories import IncidentFactory
from tests.reports.test_live_figures import figures

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(shipped_data, settings):
    settings.DEBUG = True
    call_command("create_demo_accounts")


def demo_incidents():
    ids = Incident.history.filter(history_change_reason=DEMO_REASON).values("id")
    return Incident.objects.filter(pk__in=ids)


def test_demo_cases_are_refused_when_debug_is_off(shipped_data, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("create_demo_cases")
    assert not demo_incidents().exists()


def test_the_demo_cases_leave_every_published_figure_as_it_was(demo):
    reader = User.objects.get(username="supervisor_national")
    latest = Incident.objects.latest("report_date").report_date
    before = figures(reader)

    call_command("create_demo_cases")

    assert figures(reader) == before
    cases = demo_incidents()
    assert cases.count() == 2 * len(DEMO_CASES)  # each demo clerk's
    assert min(cases.values_list("report_date", flat=True)) > latest


def test_the_demo_cases_went_through_the_services(demo, capsys):
    call_command("create_demo_cases")
    with translation.override("en"):
        call_command("create_demo_cases")  # make run again: nothing more
    assert "already there" in capsys.readouterr().out

    clerk = User.objects.get(username="clerk_seoul")
    cases = demo_incidents().filter(office=clerk.office)
    assert cases.count() == len(DEMO_CASES)
    created = Incident.history.filter(id__in=cases.values("id"), history_type="+")
    assert set(created.values_list("history_user", flat=True)) == {clerk.pk}  # the clerk's own work
    referred = CommitteeCase.objects.filter(incident__in=cases)
    assert referred.count() == sum(case.referred is not None for case in DEMO_CASES)
    assert {case.status for case in cases} == {"reported", "referred", "hearing_scheduled"}  # by the triggers
    assert TakedownRequest.objects.filter(incident__in=cases).count() == 1
    call_command("refresh_case_status", "--check")


def test_a_new_clerk_sees_the_live_work_before_the_old_backlog(demo):
    call_command("create_demo_cases")
    clerk = User.objects.get(username="clerk_seoul")
    rows = list(queue_rows(clerk, today=timezone.localdate()))
    live = [row for row in rows if not row["backlog"]]
    assert live, "the demo cases give the clerk live work"
    assert rows[: len(live)] == live  # listed first
    assert {row["case_no"] for row in live} <= set(demo_incidents().values_list("case_number", flat=True))
    assert any(row["backlog"] for row in rows)  # the shipped dataset's open items, after them


def test_demo_cases_are_refused_inside_the_dates_already_there(demo):
    office = User.objects.get(username="clerk_seoul").office
    IncidentFactory(office=office, report_date=timezone.localdate() - datetime.timedelta(days=1))
    with translation.override("en"), pytest.raises(CommandError, match="within the cases already there"):
        call_command("create_demo_cases")
    assert not demo_incidents().exists()
