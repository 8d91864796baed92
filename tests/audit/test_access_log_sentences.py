"""The access log in the reader's language (issue 17, item 5): each entry says who (office, role,
account), from where, when, did what to whose details, from the entry's structured fields."""

import datetime
from unittest import mock

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from casetracker.audit.models import AccessLog
from casetracker.audit.sentences import IDENTITIES_HIDDEN, IDENTITIES_SHOWN, sentence
from casetracker.audit.sentences import _what as what_was_done
from casetracker.audit.services import log_access
from tests.factories import IncidentFactory, OfficeFactory, UserFactory, VictimFactory

pytestmark = pytest.mark.django_db

AT = datetime.datetime(2026, 12, 3, 5, 2, tzinfo=datetime.UTC)  # 14:02 in Seoul


@pytest.fixture
def seoul():
    return OfficeFactory(code="seoul", name_ko="서울특별시교육청", name_en="Seoul Metropolitan Office of Education")


@pytest.fixture
def victim(seoul):
    return VictimFactory(incident=IncidentFactory(office=seoul, case_number="2026-0001"), code="V1", name="김민지")


def logged(user, *, action=AccessLog.Action.VIEW, target=None, detail="", address="10.0.0.5"):
    request = RequestFactory().get("/", REMOTE_ADDR=address)
    request.user = user
    with mock.patch("django.utils.timezone.now", return_value=AT):
        return log_access(action=action, request=request, target=target, detail=detail)


def test_a_view_of_a_victims_details_in_korean(seoul, victim):
    entry = logged(UserFactory(username="clerk_seoul", office=seoul), target=victim, detail=IDENTITIES_SHOWN)
    with translation.override("ko"):
        assert sentence(entry) == (
            "2026년 12월 3일 14:02 서울특별시교육청 주무관 clerk_seoul(10.0.0.5)이(가) "
            "피해자 2026-0001 V1의 인적사항을 열람했습니다"
        )


def test_the_same_in_english(seoul, victim):
    entry = logged(UserFactory(username="clerk_seoul", office=seoul), target=victim, detail=IDENTITIES_SHOWN)
    with translation.override("en"):
        assert sentence(entry) == (
            "Dec. 3, 2026, 14:02 Seoul Metropolitan Office of Education clerk clerk_seoul (10.0.0.5) "
            "viewed the personal details of victim 2026-0001 V1"
        )


def test_a_supervisors_view_says_the_details_were_not_shown(seoul, victim):
    entry = logged(UserFactory(username="sup", supervisor=True, office=None), target=victim, detail=IDENTITIES_HIDDEN)
    with translation.override("ko"):
        assert (
            sentence(entry)
            == "2026년 12월 3일 14:02 장학관 sup(10.0.0.5)이(가) 피해자 2026-0001 V1을(를) 인적사항 없이 열람했습니다"
        )


def test_a_failed_login_has_no_account_and_may_have_no_address():
    with mock.patch("django.utils.timezone.now", return_value=AT):
        entry = log_access(action=AccessLog.Action.LOGIN_FAILED, username="someone")
    with translation.override("ko"):
        assert sentence(entry) == "2026년 12월 3일 14:02 someone(주소 미상)이(가) 로그인에 실패했습니다"
    with translation.override("en"):
        assert sentence(entry) == "Dec. 3, 2026, 14:02 someone (address unknown) failed to log in"


@pytest.mark.parametrize("action", AccessLog.Action.values)
def test_every_action_has_its_own_sentence_in_both_languages(seoul, victim, action):
    entry = logged(UserFactory(office=seoul), action=action, target=victim)
    for language in ("ko", "en"):
        with translation.override(language):
            assert sentence(entry).startswith({"ko": "2026년 12월 3일 14:02 ", "en": "Dec. 3, 2026, 14:02 "}[language])
            assert what_was_done(entry) != entry.get_action_display()  # (not the fallback)
    with translation.override("ko"):
        assert sentence(entry).endswith("다")


def test_the_admins_list_says_it_in_the_readers_language(client, seoul, victim):
    clerk = UserFactory(username="clerk_seoul", office=seoul)
    client.force_login(clerk)
    client.get(reverse("admin:cases_victim_change", args=[victim.pk]), REMOTE_ADDR="10.0.0.5")
    entry = AccessLog.objects.get(action=AccessLog.Action.VIEW, target_type="cases.victim")
    when = date_format(timezone.localtime(entry.at), "DATETIME_FORMAT")
    client.force_login(UserFactory(role="admin", office=None))
    url = reverse("admin:audit_accesslog_changelist")
    korean = client.get(url).content.decode()
    assert (
        f"{when} 서울특별시교육청 주무관 clerk_seoul(10.0.0.5)이(가) 피해자 2026-0001 V1의 인적사항을 열람했습니다"
        in korean
    )
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "clerk_seoul (10.0.0.5) viewed the personal details of victim 2026-0001 V1" in english
    detail = client.get(reverse("admin:audit_accesslog_change", args=[entry.pk])).content.decode()
    assert "인적사항을 열람했습니다" in detail


def test_the_list_takes_the_same_queries_however_many_entries(client, seoul, victim, django_assert_num_queries):
    client.force_login(UserFactory(role="admin", office=None))
    url = reverse("admin:audit_accesslog_changelist")
    logged(UserFactory(office=seoul), target=victim, detail=IDENTITIES_SHOWN)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(5):
        logged(UserFactory(office=OfficeFactory()), target=victim, detail=IDENTITIES_SHOWN)
    with django_assert_num_queries(len(one)):
        client.get(url)


def test_the_purge_of_names_past_their_retention_is_said_as_such():
    from casetracker.cases.retention import PurgeResult, audit_detail

    detail = audit_detail(PurgeResult(dry_run=False, today=datetime.date(2026, 12, 4), cases=2), office=None)
    entry = log_access(action=AccessLog.Action.CHANGE, username="manage.py purge_identities (root)", detail=detail)
    with translation.override("ko"):
        assert what_was_done(entry) == "보존기간이 지난 종결 사안 관련자의 성명을 삭제했습니다"
    with translation.override("en"):
        assert "manage.py purge_identities (root)" in sentence(entry)
        assert what_was_done(entry) == "removed the names of the people of closed cases past their retention period"
