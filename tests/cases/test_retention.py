"""Identities kept only for the retention period after a case closes (issue 17, item 4): the period
(the site's default, an office's own), counted from the day the case closed, ends on its anniversary;
``purge_identities`` clears the names of the cases past it and replaces them by the people's codes in
their texts and every earlier version, in one transaction, audited with counts only; a dry run
changes nothing; open cases and cases still inside their period keep their names; run again, it
does nothing."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone, translation

from casetracker.audit.models import AccessLog
from casetracker.cases import retention
from casetracker.cases.models import Incident, Status
from casetracker.core.dates import add_years
from tests.factories import CommitteeCaseFactory, IncidentFactory, OffenderFactory, OfficeFactory, VictimFactory

from .test_free_text import PHONE, text_columns_holding
from .test_scrub import raw_update

DEFAULT_YEARS = 5


def today() -> datetime.date:
    return timezone.localdate()


def closed_since(years: int, *, days: int) -> datetime.date:
    """The closing date whose period of ``years`` ends ``days`` from today (negative: ended)."""
    last_day = today() + datetime.timedelta(days=days)
    day = last_day.replace(year=last_day.year - years, day=28) if (last_day.month, last_day.day) == (2, 29) else None
    return day or last_day.replace(year=last_day.year - years)


def closed_case(office, closed_on: datetime.date | None, victim: str, offender: str = "") -> Incident:
    """A case closed on ``closed_on`` (None: open), its victim (and offender) named; the victim's name
    and a phone number put into its description and every earlier version of it by raw SQL."""
    incident = IncidentFactory(
        office=office,
        report_date=datetime.date(2015, 3, 2),
        closed_on=closed_on,
        closure_reason="resolved_by_principal" if closed_on else "",
    )
    VictimFactory(incident=incident, code="V1", name=victim)
    if offender:
        OffenderFactory(incident=incident, code="O1", name=offender)
    raw_update(Incident, "content_description", f"{victim} 학생 사진 유포, 연락처 {PHONE}", id=incident.pk)
    for version in Incident.history.model.objects.filter(id=incident.pk):
        raw_update(Incident.history.model, "content_description", f"피해자 {victim}양", history_id=version.pk)
    return incident


def outside_name_fields(value: str) -> set[tuple[str, str]]:
    return text_columns_holding(value) - {("cases_victim", "name"), ("cases_offender", "name")}


@pytest.fixture
def cases(db):
    seoul = OfficeFactory(code="seoul")  # the site's default period
    busan = OfficeFactory(code="busan", identity_retention_years=1)
    return {
        "past": closed_case(seoul, closed_since(DEFAULT_YEARS, days=-1), "김민지", "박서준"),
        "last_day": closed_case(seoul, closed_since(DEFAULT_YEARS, days=0), "최유나"),
        "open": closed_case(seoul, None, "정하늘"),
        "busan_past": closed_case(busan, closed_since(1, days=-10), "한지민"),
        "busan_inside": closed_case(busan, closed_since(1, days=5), "윤서아"),
    }


PURGED = ("김민지", "박서준", "한지민")
KEPT = ("최유나", "정하늘", "윤서아")


def run(*args) -> str:
    out = io.StringIO()
    with translation.override("ko"):
        call_command("purge_identities", *args, stdout=out)
    return out.getvalue()


@override_settings(CASETRACKER_IDENTITY_RETENTION_YEARS=DEFAULT_YEARS)
def test_the_period_ends_on_the_anniversary_of_the_closing_in_sql_as_in_python(cases):
    cases["open"].delete()
    rows = Incident.objects.annotate(closing=retention.closed_on(), until=retention.kept_until())
    for incident in rows.select_related("office"):
        assert incident.status == Status.CLOSED
        assert incident.closing == incident.closed_on
        assert incident.until == add_years(incident.closed_on, retention.years_for(incident.office))
    assert cases["last_day"].closed_on < today()


@override_settings(CASETRACKER_IDENTITY_RETENTION_YEARS=DEFAULT_YEARS)
def test_a_dry_run_counts_changes_nothing_logs_nothing_and_prints_no_name(cases):
    before = {name: text_columns_holding(name) for name in (*PURGED, *KEPT)}
    output = run("--dry-run")
    for name in (*PURGED, *KEPT, PHONE):
        assert name not in output
    assert "cases_victim\tname\t2\t2" in output
    assert "cases_offender\tname\t1\t1" in output
    assert "cases_incident\tcontent_description\t2\t" in output
    assert "시험 실행: 보존기간이 지난 사안 2건의 성명 3건이 삭제될 예정입니다." in output
    assert {name: text_columns_holding(name) for name in (*PURGED, *KEPT)} == before
    assert not AccessLog.objects.exists()


@override_settings(CASETRACKER_IDENTITY_RETENTION_YEARS=DEFAULT_YEARS)
def test_the_purge_clears_the_names_past_the_period_everywhere_and_keeps_the_others(cases):
    output = run()
    assert "보존기간이 지난 사안 2건의 성명 3건을 삭제했습니다." in output
    for name in PURGED:
        assert text_columns_holding(name) == set(), name
    for name in KEPT:
        assert ("cases_victim", "name") in text_columns_holding(name), name
        assert ("cases_historicalincident", "content_description") in outside_name_fields(name), name
    past = cases["past"]
    past.refresh_from_db()
    assert past.content_description.startswith("V1 학생 사진 유포, 연락처 [")
    assert {version.content_description for version in past.history.all()} == {"피해자 V1양"}
    assert set(past.victims.values_list("name", flat=True)) == {""}
    assert set(past.offenders.values_list("name", flat=True)) == {""}
    assert past.version == 1  # no edit of the case: its version and history stay as they were
    for name in (*PURGED, *KEPT):
        assert name not in output
    entry = AccessLog.objects.get()
    assert entry.action == AccessLog.Action.CHANGE
    assert entry.username.startswith("manage.py purge_identities")
    assert entry.detail.startswith("purge_identities (all offices, 2 case(s)): 3 name(s) cleared")
    assert "retention period after closing" in entry.detail
    for name in (*PURGED, *KEPT):
        assert name not in entry.detail


@override_settings(CASETRACKER_IDENTITY_RETENTION_YEARS=DEFAULT_YEARS)
def test_run_again_it_does_nothing_and_logs_nothing(cases):
    run()
    output = run()
    assert output.count("\t") == 3  # the heading only
    assert AccessLog.objects.count() == 1
    for name in KEPT:
        assert ("cases_victim", "name") in text_columns_holding(name)


@override_settings(CASETRACKER_IDENTITY_RETENTION_YEARS=DEFAULT_YEARS)
def test_the_office_limits_it_to_its_cases(cases):
    run("--office", "busan")
    assert text_columns_holding("한지민") == set()
    assert ("cases_victim", "name") in text_columns_holding("김민지")
    assert "office busan, 1 case(s)" in AccessLog.objects.get().detail


@override_settings(CASETRACKER_IDENTITY_RETENTION_YEARS=DEFAULT_YEARS)
def test_a_case_closed_by_its_committee_counts_from_the_committee_s_closing(db):
    office = OfficeFactory(code="seoul")
    incident = closed_case(office, None, "김민지")
    CommitteeCaseFactory(
        incident=incident,
        requested_on=datetime.date(2015, 3, 9),
        closed_on=closed_since(DEFAULT_YEARS, days=-1),
        closure_reason="withdrawn",
    )
    incident.refresh_from_db()
    assert incident.status == Status.CLOSED
    assert list(retention.due_for_purge(today=today())) == [incident]
    assert list(retention.due_for_purge(today=today() - datetime.timedelta(days=1))) == []


@override_settings(CASETRACKER_IDENTITY_RETENTION_YEARS=DEFAULT_YEARS)
def test_bad_arguments_are_refused_and_change_nothing(cases):
    with pytest.raises(CommandError, match="코드가 'nowhere'인 교육청이 없습니다"):
        run("--office", "nowhere")
    with override_settings(CASETRACKER_IDENTITY_RETENTION_YEARS=0), pytest.raises(CommandError, match="at least 1"):
        run()
    with override_settings(CASETRACKER_IDENTITY_RETENTION_YEARS="5"), pytest.raises(CommandError, match="whole"):
        run("--dry-run")
    assert ("cases_victim", "name") in text_columns_holding("김민지")
    assert not AccessLog.objects.exists()


@pytest.mark.django_db
def test_an_office_s_period_must_be_one_of_the_records_schedules():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        OfficeFactory(identity_retention_years=4)


def test_manage_py_check_refuses_a_setting_that_is_no_period():
    from casetracker.cases.retention import check_setting

    assert check_setting() == []
    with override_settings(CASETRACKER_IDENTITY_RETENTION_YEARS=-1):
        [error] = check_setting()
    assert error.id == "casetracker.E001" and "at least 1" in error.msg
