"""Identifiers put into stored text around the save check (raw SQL) are scrubbed from the current
records, every earlier version and the history's reasons (issue 17, item 3): by the command, with a
dry run that shows counts only, limited to one office if asked, audited without what was removed;
and by an admin from a case's history, which nobody else may do."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import translation

from casetracker.accounts.models import User
from casetracker.audit.models import AccessLog
from casetracker.cases import scrub
from casetracker.cases.models import Incident, ProtectionMeasure
from tests.factories import OfficeFactory, ProtectionMeasureFactory, UserFactory, VictimFactory

from .test_free_text import PHONE, RESIDENT_NUMBER, text_columns_holding

pytestmark = pytest.mark.writes_around_services

NAMES = ("김민지", "박서준", "최유나")
OTHER_OFFICE_NAME = "정하늘"


def raw_update(model, column: str, value: str, **where) -> None:
    """Write ``value`` into the column around every service (as a restore or a bug might)."""
    quote = connection.ops.quote_name
    ((key, key_value),) = where.items()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(model._meta.db_table)} SET {quote(column)} = %s WHERE {quote(key)} = %s",
            [value, key_value],
        )


def named_case(office, name: str):
    """A case whose victim is ``name``: the name and a phone number in its description, its history
    (each version and a reason) and its victim's protection notes, all written by raw SQL."""
    victim = VictimFactory(incident__office=office, name=name)
    incident = victim.incident
    measure = ProtectionMeasureFactory(victim=victim)
    incident.content_description = "사진이 유포됨."
    incident.save()  # a second version of the incident in its history
    history = Incident.history.model
    raw_update(Incident, "content_description", f"{name} 학생이 신고함. 연락처 {PHONE}", id=incident.pk)
    for version in history.objects.filter(id=incident.pk):
        raw_update(
            history, "content_description", f"피해자 {name}양, 주민번호 {RESIDENT_NUMBER}", history_id=version.pk
        )
    raw_update(history, "history_change_reason", f"{name} 요청으로 수정", history_id=version.pk)
    raw_update(ProtectionMeasure, "notes", f"{name}가 상담 받음", id=measure.pk)
    raw_update(ProtectionMeasure.history.model, "notes", f"{name} 보호", id=measure.pk)
    raw_update(victim.history.model, "history_change_reason", f"{name} 보호자 전화 {PHONE}", id=victim.pk)
    return incident


@pytest.fixture
def cases(db):
    seoul, busan = OfficeFactory(code="seoul"), OfficeFactory(code="busan")
    return {
        "seoul": [named_case(seoul, name) for name in NAMES],
        "busan": [named_case(busan, OTHER_OFFICE_NAME)],
    }


def outside_name_fields(value: str) -> set[tuple[str, str]]:
    return text_columns_holding(value) - {("cases_victim", "name")}


def run(*args) -> str:
    """The command's output, in the site's language (Korean), whatever language an earlier test left active."""
    out = io.StringIO()
    with translation.override("ko"):
        call_command("scrub_identifiers", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_counts_per_table_and_column_changes_nothing_and_prints_no_identifier(cases):
    before = {name: outside_name_fields(name) for name in (*NAMES, PHONE)}
    output = run("--dry-run")
    for value in (*NAMES, OTHER_OFFICE_NAME, PHONE, RESIDENT_NUMBER):
        assert value not in output
    assert "cases_historicalincident\tcontent_description\t" in output
    assert "cases_historicalvictim\thistory_change_reason\t4\t8" in output  # 4 cases, a name and a phone each
    assert "cases_incident\tcontent_description\t4\t8" in output
    assert {name: outside_name_fields(name) for name in (*NAMES, PHONE)} == before
    assert ("cases_historicalincident", "content_description") in before[NAMES[0]]
    assert not AccessLog.objects.exists()


def test_the_run_leaves_no_name_outside_the_name_fields_and_logs_counts_and_reason_only(cases):
    output = run("--reason", "정보주체 요청에 따른 정리")
    assert "사안 4건의 28행에서 식별정보 44건을 바꾸었습니다." in output
    for value in (*NAMES, OTHER_OFFICE_NAME):
        assert outside_name_fields(value) == set(), value
    for value in (PHONE, RESIDENT_NUMBER):
        assert text_columns_holding(value) == set(), value
    incident = cases["seoul"][0]
    incident.refresh_from_db()
    assert incident.content_description.startswith(incident.victims.get().code + " 학생이")
    history = Incident.history.model.objects.filter(id=incident.pk)
    assert {version.history_change_reason for version in history} >= {f"{incident.victims.get().code} 요청으로 수정"}
    entry = AccessLog.objects.get()
    assert entry.action == AccessLog.Action.CHANGE
    assert entry.username.startswith("manage.py scrub_identifiers")
    assert "정보주체 요청에 따른 정리" in entry.detail
    assert "all offices, 4 case(s)" in entry.detail
    assert run("--dry-run").count("\t") == 3  # the heading only: nothing left to replace


def test_the_cases_are_read_in_chunks_and_every_chunk_is_scrubbed(cases, monkeypatch):
    monkeypatch.setattr(scrub, "CHUNK", 3)  # 4 cases: a chunk of 3 and one of 1
    result = scrub.scrub_identifiers(actor=None, reason="정리")
    assert result.cases == 4 and result.total_identifiers == 44
    for value in (*NAMES, OTHER_OFFICE_NAME):
        assert outside_name_fields(value) == set(), value


def test_the_office_limits_it_to_its_cases(cases):
    run("--office", "busan", "--reason", "정리")
    assert outside_name_fields(OTHER_OFFICE_NAME) == set()
    for name in NAMES:
        assert ("cases_incident", "content_description") in outside_name_fields(name)
    assert "office busan, 1 case(s)" in AccessLog.objects.get().detail


def test_bad_arguments_are_refused_in_korean(cases):
    with pytest.raises(CommandError, match="--reason으로 사유를 적으십시오"):
        run()
    with pytest.raises(CommandError, match="코드가 'nowhere'인 교육청이 없습니다"):
        run("--office", "nowhere", "--dry-run")
    with pytest.raises(CommandError) as error:
        run("--reason", f"{NAMES[0]} 요청")
    assert NAMES[0] not in str(error.value)
    assert "사유에 식별정보가 들어 있습니다" in str(error.value)
    assert outside_name_fields(NAMES[0])  # nothing was done
    assert not AccessLog.objects.exists()


def test_a_reason_with_a_phone_number_is_refused_by_the_service(cases):
    with pytest.raises(scrub.ScrubRefused):
        scrub.scrub_identifiers(actor=None, reason=f"연락처 {PHONE}")
    assert not AccessLog.objects.exists()


# The admin's button on a case's history -------------------------------------------------------------


def scrub_url(incident) -> str:
    return reverse("admin:cases_historicalincident_scrub", args=[incident.pk])


@pytest.fixture
def admin_account(db):
    return UserFactory(username="keeper", role=User.Role.ADMIN, office=None, is_staff=True)


def test_the_admin_scrubs_one_case_from_its_history_with_a_reason(client, cases, admin_account):
    client.force_login(admin_account)
    incident, untouched = cases["seoul"][0], cases["seoul"][1]
    version = Incident.history.model.objects.filter(id=incident.pk).first()
    page = client.get(reverse("admin:cases_historicalincident_change", args=[version.pk]))
    assert scrub_url(incident) in page.content.decode()
    preview = client.get(scrub_url(incident))
    assert preview.status_code == 200
    assert NAMES[0] not in preview.content.decode() and PHONE not in preview.content.decode()
    assert "cases_historicalincident" in preview.content.decode()
    refused = client.post(scrub_url(incident), {"reason": f"{NAMES[0]} 요청"})
    assert refused.status_code == 200 and not AccessLog.objects.filter(action=AccessLog.Action.CHANGE).exists()
    done = client.post(scrub_url(incident), {"reason": "보호자 요청"})
    assert done.status_code == 302
    assert outside_name_fields(NAMES[0]) == set()
    assert ("cases_incident", "content_description") in outside_name_fields(NAMES[1])  # another case: untouched
    assert untouched.pk != incident.pk
    entry = AccessLog.objects.get(action=AccessLog.Action.CHANGE)
    assert entry.user == admin_account and entry.target_id == str(incident.pk) and "보호자 요청" in entry.detail


@pytest.mark.parametrize("role", ["clerk", "supervisor", "anonymous"])
def test_the_scrub_page_is_refused_to_everybody_else(client, cases, role):
    incident = cases["seoul"][0]
    if role != "anonymous":
        account = UserFactory(
            role=User.Role.CLERK if role == "clerk" else User.Role.SUPERVISOR, office=incident.office, is_staff=True
        )
        client.force_login(account)
    for response in (client.get(scrub_url(incident)), client.post(scrub_url(incident), {"reason": "정리"})):
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert "login" in response["Location"]
    assert ("cases_incident", "content_description") in outside_name_fields(NAMES[0])
    assert not AccessLog.objects.filter(action=AccessLog.Action.CHANGE).exists()


def test_an_unknown_case_is_not_found(client, admin_account, db):
    client.force_login(admin_account)
    assert client.get(reverse("admin:cases_historicalincident_scrub", args=[999999])).status_code == 404


def test_an_office_admin_scrubs_only_its_offices_cases(client, cases):
    """An admin of an office of education (issue 18, item 6): another office's case is not found,
    and the service scrubs its own office's cases only."""
    seoul_case, busan_case = cases["seoul"][0], cases["busan"][0]
    office_admin = UserFactory(role=User.Role.ADMIN, office=seoul_case.office, is_staff=True)
    client.force_login(office_admin)
    assert client.get(scrub_url(busan_case)).status_code == 404
    assert client.post(scrub_url(busan_case), {"reason": "정리"}).status_code == 404
    assert client.get(scrub_url(seoul_case)).status_code == 200

    result = scrub.scrub_identifiers(actor=office_admin, reason="정리")

    assert result.cases == len(cases["seoul"])
    assert ("cases_incident", "content_description") in outside_name_fields(OTHER_OFFICE_NAME)
    with pytest.raises(scrub.ScrubRefused):
        scrub.scrub_identifiers(actor=office_admin, reason="정리", office=busan_case.office)
