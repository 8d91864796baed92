"""Every admin takes only what it declares (core.admin_base): issue 16, findings 1, 5, 7 and 8.

The fuzz over every list, form and view is tests/test_hostile_input.py; these are the findings one by one.
"""

import time

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from casetracker.audit.models import AccessLog
from casetracker.cases import services
from casetracker.cases.admin import PersonAdmin
from casetracker.cases.models import Incident, ProtectionMeasure, Victim
from casetracker.core.admin_base import (
    MAX_SEARCH_LENGTH,
    MAX_SEARCH_WORDS,
    BaseAdmin,
    GuardedChangeList,
    InlineGuardMixin,
)
from casetracker.site import CaseTrackerAdminSite
from tests.cases.test_admin import page_data
from tests.factories import (
    AccessLogFactory,
    ChannelFactory,
    IncidentFactory,
    OffenderFactory,
    OfficeFactory,
    ProtectionMeasureFactory,
    SchoolFactory,
    UserFactory,
    VictimFactory,
)

pytestmark = pytest.mark.django_db

BIG = "1" * 30
NAME = "김민지"


@pytest.fixture
def seoul():
    return OfficeFactory(code="seoul")


@pytest.fixture
def users(seoul):
    return {
        "clerk": UserFactory(office=seoul),
        "supervisor": UserFactory(supervisor=True, office=seoul),
        "national": UserFactory(supervisor=True, office=None),
    }


def english(client, user):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def url(model, view="changelist", *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


# Every admin on the base ----------------------------------------------------------------------


def test_every_admin_and_inline_takes_only_what_it_declares():
    request = RequestFactory().get("/")
    request.user = UserFactory.build(role="admin", office=None)
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, BaseAdmin), model  # axes' and django-otp's too, through the site
        assert issubclass(model_admin.get_changelist(request), GuardedChangeList), model
        for inline_class in model_admin.inlines:
            assert issubclass(inline_class, InlineGuardMixin), inline_class


def test_the_site_gives_an_unguarded_inline_the_formset_checks():
    """A third-party admin's inline (django-otp's, say) gets the same management-form checks."""

    class Unguarded(admin.TabularInline):
        model = ProtectionMeasure

    class WithUnguardedInline(admin.ModelAdmin):
        inlines = [Unguarded]

    site = CaseTrackerAdminSite(name="probe")
    site.register(Victim, WithUnguardedInline)
    [inline] = site._registry[Victim].inlines
    assert issubclass(inline, InlineGuardMixin) and issubclass(inline, Unguarded)
    assert isinstance(site._registry[Victim], BaseAdmin)


# Finding 1: names through list filters -----------------------------------------------------------


@pytest.mark.parametrize("role", ["clerk", "supervisor", "national"])
@pytest.mark.parametrize("model_name", ["victim", "offender"])
@pytest.mark.parametrize(
    "lookup",
    ["name", "name__startswith", "name__contains", "name__regex", "name__gt", "name__iexact", "victims__name"],
)
def test_no_one_filters_people_by_name(client, seoul, users, role, model_name, lookup):
    incident = IncidentFactory(office=seoul)
    VictimFactory(incident=incident, name=NAME)
    OffenderFactory(incident=incident, name=NAME)
    english(client, users[role])

    response = client.get(reverse(f"admin:cases_{model_name}_changelist"), {lookup: NAME[:1]})

    assert response.status_code == 400
    page = response.content.decode()
    assert "cannot be filtered by" in page and NAME not in page


def test_identity_fields_are_searched_only_by_those_who_may_see_them(users):
    """Were a name declared searchable or filterable, only clerks (who see names) would get it."""

    class Declaring(PersonAdmin):
        search_fields = ["code", "name"]
        list_filter = ["kind", "name", "incident__victims__name"]

    model_admin = Declaring(Victim, admin.site)
    for role, shown in (("clerk", True), ("supervisor", False), ("national", False)):
        request = RequestFactory().get("/")
        request.user = users[role]
        assert ("name" in model_admin.get_search_fields(request)) is shown, role
        assert ("name" in model_admin.get_list_filter(request)) is shown, role
        assert ("incident__victims__name" in model_admin.get_list_filter(request)) is shown, role


@pytest.mark.parametrize("model_name", ["victim", "offender"])
def test_every_search_over_people_is_on_the_access_log_without_its_words(client, seoul, users, model_name):
    VictimFactory(incident=IncidentFactory(office=seoul), code="V1", name=NAME)
    english(client, users["supervisor"])

    assert client.get(reverse(f"admin:cases_{model_name}_changelist"), {"q": f"V1 {NAME}"}).status_code == 200

    entry = AccessLog.objects.get(action=AccessLog.Action.VIEW, user=users["supervisor"])
    assert entry.detail == f"search of cases.{model_name}: 2 word(s), names excluded"
    assert NAME not in entry.detail and "V1" not in entry.detail
    assert not AccessLog.objects.filter(detail__contains="search").exclude(pk=entry.pk).exists()


def test_the_autocomplete_of_people_is_on_the_access_log(client, seoul, users):
    offender = OffenderFactory(incident=IncidentFactory(office=seoul), code="O1")
    client.force_login(users["clerk"])
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "cases", "model_name": "measure", "field_name": "offender", "term": "O1"},
    )
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(offender.pk)]
    entry = AccessLog.objects.get(user=users["clerk"], detail__startswith="search of cases.")
    assert entry.detail == "search of cases.offender: 1 word(s), names included"


# Finding 5: the search is bounded and one condition ------------------------------------------------


def test_a_search_longer_than_the_bounds_is_refused_with_a_message(client, seoul, users):
    IncidentFactory(office=seoul, case_number="2024-0001")
    english(client, users["clerk"])
    changelist = url(Incident)

    page = client.get(changelist).content.decode()
    assert f"Up to {MAX_SEARCH_WORDS} words and {MAX_SEARCH_LENGTH} characters" in page

    for term in (" ".join(["2024-0001"] * (MAX_SEARCH_WORDS + 1)), "x" * (MAX_SEARCH_LENGTH + 1)):
        response = client.get(changelist, {"q": term})
        assert response.status_code == 200
        messages = [str(message) for message in response.context["messages"]]
        assert messages and ("at most 10 words" in messages[0] or "at most 200 characters" in messages[0])
        assert response.context["cl"].query == ""  # not run

    words = " ".join(["2024-0001"] * MAX_SEARCH_WORDS)
    assert len(client.get(changelist, {"q": words}).context["cl"].result_list) == 1


def test_a_huge_search_answers_at_once(client, seoul, users):
    """4,800 words took 81 s (one filter and one school query per word)."""
    IncidentFactory(office=seoul)
    client.force_login(users["clerk"])
    huge = " ".join(f"word{n}" for n in range(4_800))
    started = time.monotonic()
    assert client.get(url(Incident), {"q": huge}).status_code == 200
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "cases", "model_name": "victim", "field_name": "incident", "term": huge},
    )
    assert response.status_code == 200 and response.json()["results"] == []
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("model_name, field_name", [("victim", "incident"), ("incident", "school")])
def test_an_autocomplete_term_with_a_nul_byte_finds_nothing(client, seoul, users, model_name, field_name):
    """PostgreSQL refuses NUL bytes in a query's text: a server error before."""
    IncidentFactory(office=seoul)
    client.force_login(users["clerk"])
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "cases", "model_name": model_name, "field_name": field_name, "term": "20\x0024"},
    )
    assert response.status_code == 200 and response.json()["results"] == []


def test_the_incident_search_is_one_condition_whatever_the_words(client, seoul, users):
    school = SchoolFactory(office=seoul, name_ko="한빛중학교")
    found = IncidentFactory(office=seoul, school=school, case_number="2024-0007")
    IncidentFactory(office=seoul, case_number="2024-0008")
    client.force_login(users["clerk"])
    changelist = url(Incident)

    def queries(term):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(changelist, {"q": term})
        return response, len(captured)

    one, one_count = queries("한빛")
    many, many_count = queries("한빛 중학교 한빛중 빛중")
    assert [row.pk for row in one.context["cl"].result_list] == [found.pk]
    assert [row.pk for row in many.context["cl"].result_list] == [found.pk]
    assert many_count == one_count  # one school query for all the words, one list query
    both, _count = queries("2024-0007 한빛")
    assert [row.pk for row in both.context["cl"].result_list] == [found.pk]


# Finding 7: narratives through the history admin -----------------------------------------------------


def test_admins_read_no_narrative_in_the_history(client, seoul):
    incident = IncidentFactory(office=seoul, content_description="첫 번째 서술")
    incident.content_description = "두 번째 서술"
    services.save_record(record=incident, actor=None)
    measure = ProtectionMeasureFactory(victim__incident=incident, notes="상담 기록 비밀")
    measure.notes = "상담 기록 변경"
    services.save_record(record=measure, actor=None)
    client.force_login(UserFactory(role="admin", office=None))

    for record in [*incident.history.all(), *measure.history.all()]:
        page = client.get(url(type(record), "change", record.pk)).content.decode()
        assert "서술" not in page and "상담 기록" not in page
    assert (
        "changed"
        in client.get(
            url(type(incident.history.latest()), "change", incident.history.latest().pk), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    )


@pytest.mark.parametrize(
    "lookup", ["content_description__icontains", "content_description", "notes__icontains", "history_user__password"]
)
def test_no_history_list_searches_past_values(client, seoul, lookup):
    IncidentFactory(office=seoul, content_description="서술")
    client.force_login(UserFactory(role="admin", office=None))
    for model in (Incident.history.model, ProtectionMeasure.history.model):
        response = client.get(url(model), {lookup: "서"})
        assert response.status_code == 400, model


# Finding 8: malformed input ------------------------------------------------------------------------------


YEAR_LISTS = {
    "incident": "report_date_year",
    "committeecase": "requested_on_year",
    "measure": "decided_on_year",
    "appeal": "filed_on_year",
}


@pytest.mark.parametrize("model_name", [*YEAR_LISTS, "victim", "offender"])
@pytest.mark.parametrize("year", ["99999", "0", "-5", BIG, "20x4"])
def test_an_impossible_year_is_a_400_with_a_message(client, seoul, users, model_name, year):
    IncidentFactory(office=seoul)
    english(client, users["clerk"])
    parameter = YEAR_LISTS.get(model_name, "report_date_year")  # the people's lists have no year filter
    response = client.get(reverse(f"admin:cases_{model_name}_changelist"), {parameter: year})
    assert response.status_code == 400
    page = response.content.decode()
    assert "is not a year" in page or "cannot be filtered by" in page


def test_a_possible_year_still_filters(client, seoul, users):
    IncidentFactory(office=seoul)
    english(client, users["clerk"])
    for model_name, parameter in YEAR_LISTS.items():
        response = client.get(reverse(f"admin:cases_{model_name}_changelist"), {parameter: "2024"})
        assert response.status_code == 200, model_name


@pytest.mark.parametrize(
    "query",
    [
        {"report_date__year": BIG},
        {"content_description__regex": "("},
        {"case_number__regex": "["},
        {"office__id__exact": "\x00"},
        {"p": "-5"},
        {"p": BIG},
    ],
)
def test_malformed_list_parameters_are_a_400(client, seoul, users, query):
    for _ in range(3):
        IncidentFactory(office=seoul)
    english(client, users["clerk"])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(admin.site._registry[Incident], "list_per_page", 1)  # pages to ask beyond
        response = client.get(url(Incident), query)
    assert response.status_code == 400
    assert "errornote" in response.content.decode()


@pytest.mark.parametrize("year", [BIG, "9999", "0", "12345"])
def test_the_date_hierarchy_refuses_a_year_it_cannot_show(client, year):
    AccessLogFactory()
    client.force_login(UserFactory(role="admin", office=None))
    for model in (AccessLog, Incident.history.model):
        response = client.get(url(model), {f"{admin.site._registry[model].date_hierarchy}__year": year})
        assert response.status_code == 400, model


def test_the_400_page_is_translated(client, seoul, users):
    client.force_login(users["clerk"])
    response = client.get(url(Victim), {"name": "x"}, HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 400
    assert "목록을 표시할 수 없습니다" in response.content.decode()


@pytest.fixture
def incident_page(client, seoul, users):
    incident = IncidentFactory(office=seoul, school=SchoolFactory(office=seoul))
    VictimFactory(incident=incident, code="V1")
    ChannelFactory()
    english(client, users["clerk"])
    change = url(Incident, "change", incident.pk)
    return incident, change, page_data(client.get(change))


@pytest.mark.parametrize("field", ["school", "channels", "office"])
def test_an_id_of_30_digits_is_an_invalid_choice(client, incident_page, field):
    incident, change, data = incident_page
    data[field] = [BIG] if field == "channels" else BIG
    data["content_description"] = "new"

    response = client.post(change, data)

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    incident.refresh_from_db()
    assert incident.content_description != "new"


def test_an_id_of_30_digits_on_the_add_page_is_no_initial_value(client, users):
    english(client, users["clerk"])
    response = client.get(url(Incident, "add"), {"school": BIG, "channels": BIG, "office": BIG})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "total, initial", [("1", "-5"), ("-1", "0"), (BIG, "0"), ("0", "1"), ("1001", "0"), ("x", "0")]
)
def test_a_tampered_management_form_is_an_error_and_saves_nothing(client, incident_page, total, initial):
    incident, change, data = incident_page
    data.update({"victims-TOTAL_FORMS": total, "victims-INITIAL_FORMS": initial, "content_description": "new"})

    response = client.post(change, data)

    assert response.status_code == 200
    formset = next(i.formset for i in response.context["inline_admin_formsets"] if i.formset.prefix == "victims")
    assert "ManagementForm data is missing or has been tampered with" in str(formset.non_form_errors())
    incident.refresh_from_db()
    assert incident.content_description != "new"
    assert incident.victims.count() == 1


@pytest.mark.parametrize("language, text", [("en", "Bad request"), ("ko", "잘못된 요청")])
def test_a_bad_request_outside_the_lists_has_a_translated_page(client, settings, language, text):
    settings.ALLOWED_HOSTS = ["testserver"]
    response = client.get(reverse("admin:login"), HTTP_HOST="elsewhere.example", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert text in response.content.decode()


@pytest.mark.parametrize("role", ["clerk", "national", "admin"])
def test_every_link_a_list_offers_is_accepted(client, seoul, users, role):
    """Strict, not stricter than the admin itself: each filter's choices, the date drill-down,
    the facets and the ordering of every list the role opens answer 200."""
    incident = IncidentFactory(office=seoul)
    VictimFactory(incident=incident)
    AccessLogFactory()
    services.save_record(record=incident, actor=None)
    user = users.get(role) or UserFactory(role="admin", office=None)
    client.force_login(user)
    for model, model_admin in admin.site._registry.items():
        changelist = url(model)
        page = client.get(changelist)
        if page.status_code == 403:
            continue
        cl = page.context["cl"]
        links = [choice["query_string"] for spec in cl.filter_specs for choice in spec.choices(cl)]
        links += ["?_facets=True", "?o=1", "?o=-1.2", "?p=1", "?all="]
        if model_admin.date_hierarchy:
            field = model_admin.date_hierarchy
            links.append(f"?{field}__year=2024&{field}__month=2&{field}__day=29")
        for link in links:
            response = client.get(changelist + link)
            assert response.status_code == 200, f"{changelist}{link}: {response.status_code}"


@pytest.mark.parametrize("selected", [BIG, "x", "\x00"])
def test_an_action_on_rows_that_cannot_exist_is_a_message(client, seoul, users, selected):
    incident = IncidentFactory(office=seoul)
    english(client, users["clerk"])
    response = client.post(
        url(Incident), {"action": "delete_selected", "_selected_action": [str(incident.pk), selected], "index": "0"}
    )
    assert response.status_code == 302
    messages = [str(m) for m in client.get(response.url).context["messages"]]
    assert messages == ["The rows ticked are not rows of this list: nothing was done."]
    assert Incident.objects.filter(pk=incident.pk).exists()


def test_the_lockouts_clean_up_runs_from_the_admin(client):
    from axes.models import AccessAttempt

    from tests.factories import AccessAttemptFactory

    AccessAttemptFactory()
    client.force_login(UserFactory(role="admin", office=None))
    response = client.post(
        url(AccessAttempt),
        {"action": "cleanup_expired_attempts", "_selected_action": [str(AccessAttempt.objects.get().pk)], "index": "0"},
    )
    assert response.status_code == 302


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_rows_checkbox_is_djangos_own_html(language):
    incident = IncidentFactory(case_number='2024-"<&>-1')
    model_admin = admin.site._registry[Incident]
    with translation.override(language):
        assert model_admin.action_checkbox(incident) == admin.ModelAdmin.action_checkbox(model_admin, incident)
