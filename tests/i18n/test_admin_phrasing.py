"""Korean that reads naturally (issue 18, item 7): the admin's pages as a clerk and as an admin hold
none of Django's stock phrasing (particles left as "을/를", "뷰 사안", 12-hour times), and the change
history names the fields in Korean."""

import datetime
import re

import pytest
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from casetracker.cases.models import Incident
from tests.factories import (
    HeardCommitteeCaseFactory,
    IncidentFactory,
    MeasureFactory,
    OffenderFactory,
    UserFactory,
    VictimFactory,
)
from tests.reports.test_live_figures import form_data, post

pytestmark = pytest.mark.django_db

# What Django's Korean catalogue writes that no Korean official would.
FORBIDDEN = [
    "을/를",
    "이/가",
    "은/는",
    "(으)로",
    "를(을)",
    "보기위한",
    "지닌",
    "뷰 ",
    "오전",
    "오후",
    "성공적으로",
    "오브젝트",
    "Description",
]
# A Latin word glued to a Korean particle: an English field name in a Korean sentence.
LATIN_WITH_PARTICLE = re.compile(r"[A-Za-z]{3,}(?:이|가|을|를|은|는)\s")


def bad_phrasings(text: str) -> list[str]:
    found = [phrase for phrase in FORBIDDEN if phrase in text]
    found += LATIN_WITH_PARTICLE.findall(text)
    return found


def korean_browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="ko")
    client.force_login(user)
    return client


def case_admin_urls(case, user) -> list[str]:
    urls = [reverse("admin:index"), reverse("workflow:queue"), reverse("reports:index")]
    request = RequestFactory().get("/")
    request.user = user
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_view_permission(request):
            continue
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(reverse(f"{info}_changelist"))
    info = "admin:cases_incident"
    urls += [
        reverse(f"{info}_add"),
        reverse(f"{info}_change", args=[case.pk]),
        reverse(f"{info}_history", args=[case.pk]),
        reverse(f"{info}_delete", args=[case.pk]),
    ]
    return urls


def test_a_clerks_admin_pages_read_naturally(clerk):
    case = IncidentFactory(office=clerk.office)
    victim = VictimFactory(incident=case)
    offender = OffenderFactory(incident=case)
    measure = MeasureFactory(committee_case=HeardCommitteeCaseFactory(incident=case), offender=offender)
    client = korean_browser(clerk)
    clerk.last_login = timezone.make_aware(datetime.datetime(2026, 3, 4, 8, 41))
    clerk.save(update_fields=["last_login"])

    records = [victim, offender, measure, measure.committee_case]
    urls = case_admin_urls(case, clerk) + [
        reverse(f"admin:cases_{type(record)._meta.model_name}_{page}", args=[record.pk])
        for record in records
        for page in ("change", "history")
    ]
    found = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if bad := bad_phrasings(response.text):
            found[url] = bad
    # A record that is not there (or not the clerk's): Django's message after its redirect.
    missing = client.get(reverse("admin:cases_incident_change", args=[case.pk + 1000]), follow=True)
    if bad := bad_phrasings(missing.text):
        found["missing record"] = bad
    assert found == {}


def test_an_admins_pages_read_naturally(clerk):
    account = UserFactory(role="admin", office=None)
    client = korean_browser(account)
    urls = [
        reverse("admin:index"),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[clerk.pk]),
        reverse("admin:audit_accesslog_changelist"),
        reverse("admin:cases_historicalincident_changelist"),
    ]
    found = {url: bad for url in urls if (bad := bad_phrasings(client.get(url).text))}
    assert found == {}


def korean_label(model, field_name) -> str:
    with translation.override("ko"):
        return str(model._meta.get_field(field_name).verbose_name)


def test_the_history_names_the_changed_fields_in_korean(clerk):
    case = IncidentFactory(office=clerk.office)
    client = korean_browser(clerk)
    url = reverse("admin:cases_incident_change", args=[case.pk])
    data = form_data(client.get(url))
    data["content_description"] = "A changed description of the shared image."
    post(client, url, data)
    entry = LogEntry.objects.filter(object_id=str(case.pk)).latest("action_time")
    assert entry.is_change()

    history = client.get(reverse("admin:cases_incident_history", args=[case.pk]))

    assert korean_label(Incident, "content_description") in history.text
    assert bad_phrasings(history.text) == []


def test_an_older_entry_with_djangos_capitalised_label_reads_in_korean_too(clerk):
    """Entries written before the labels were stored as the models' own (Django stores the form's
    capitalised label, which no catalogue translates)."""
    case = IncidentFactory(office=clerk.office)
    LogEntry.objects.log_actions(
        user_id=clerk.pk,
        queryset=[case],
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Description", "Report date"]}}]',
        single_object=True,
    )
    history = korean_browser(clerk).get(reverse("admin:cases_incident_history", args=[case.pk]))
    assert korean_label(Incident, "content_description") in history.text
    assert bad_phrasings(history.text) == []


def test_our_catalogue_comes_before_djangos():
    """LOCALE_PATHS are merged last, so our wording of Django's own messages wins."""
    with translation.override("ko"):
        assert translation.gettext("View %s") == "%s 보기"
        assert translation.gettext(" By %(filter_title)s ") == " %(filter_title)s 기준 "


def test_dates_and_times_read_the_same_everywhere():
    moment = timezone.make_aware(datetime.datetime(2026, 3, 4, 20, 41))
    with translation.override("ko"), timezone.override("Asia/Seoul"):
        from django.utils.formats import date_format

        assert date_format(moment, "DATETIME_FORMAT") == "2026년 3월 4일 20:41"
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "2026년 3월 4일 20:41"
        assert date_format(moment.date(), "SHORT_DATE_FORMAT") == "2026년 3월 4일"
        assert date_format(moment, "TIME_FORMAT") == "20:41"


def test_the_admin_names_histories_and_third_party_models_in_korean():
    account = UserFactory(role="admin", office=None)
    index = korean_browser(account).get(reverse("admin:index")).text
    with translation.override("ko"):
        assert str(Incident.history.model._meta.verbose_name_plural) == "사안 변경 이력"
    for english in ("Historical", ">historical", "Axes", "Otp_Totp", "TOTP devices", "Access attempts"):
        assert english not in index, english
    assert "사안 변경 이력" in index


def test_a_refused_page_says_in_korean_what_the_clerk_can_do(clerk):
    response = korean_browser(clerk).get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 403
    assert "이 계정으로는 열 수 없는 화면입니다" in response.text
    assert reverse("workflow:queue") in response.text  # the clerk's own way on
    assert f'href="{reverse("admin:accounts_user_changelist")}"' not in response.text
    assert "Traceback" not in response.text


def test_a_refused_page_offers_an_admin_its_own_pages():
    account = UserFactory(role="admin", office=None)
    response = korean_browser(account).get(reverse("admin:cases_incident_add"))
    assert response.status_code == 403
    assert reverse("admin:accounts_user_changelist") in response.text


def test_a_missing_page_and_a_server_error_say_what_to_do(clerk):
    from django.template.loader import render_to_string

    response = korean_browser(clerk).get("/no-such-page/")
    assert response.status_code == 404
    assert "화면을 찾을 수 없습니다" in response.text
    with translation.override("ko"):
        error_page = render_to_string("500.html")
    assert "요청을 처리하지 못했습니다" in error_page
    assert "Traceback" not in error_page


def test_a_supervisors_pages_read_naturally(clerk):
    from casetracker.reports.definitions import REPORT_LIST

    case = IncidentFactory(office=clerk.office)
    supervisor = UserFactory(supervisor=True, office=clerk.office)
    client = korean_browser(supervisor)
    request = RequestFactory().get("/")
    request.user = supervisor
    urls = [reverse("admin:index"), reverse("reports:index"), reverse("workflow:queue")]
    urls += [reverse("reports:detail", args=[spec.name]) for spec in REPORT_LIST]
    urls += [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model, model_admin in admin.site._registry.items()
        if model_admin.has_view_permission(request)
    ]
    urls.append(reverse("admin:cases_incident_change", args=[case.pk]))
    found = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if bad := bad_phrasings(response.text):
            found[url] = bad
    assert found == {}
