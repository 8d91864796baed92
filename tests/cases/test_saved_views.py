"""Saved views of the incident list: each user saves, lists, opens, renames and deletes their own;
another's is not found; a query string the list would refuse is refused when saved and when
opened; and a view opened after the user's scope narrowed shows no more than the scope of today."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casetracker.accounts.models import SavedListView
from casetracker.audit.models import AccessLog
from tests.factories import IncidentFactory, LocalOfficeFactory, OfficeFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("admin:cases_incident_changelist")
SAVE = reverse("admin:cases_incident_save_view")
MANAGE = reverse("admin:cases_incident_saved_views")


def open_url(view) -> str:
    return reverse("admin:cases_incident_open_view", args=[view.pk])


def rename_url(view) -> str:
    return reverse("admin:cases_incident_rename_view", args=[view.pk])


def delete_url(view) -> str:
    return reverse("admin:cases_incident_delete_view", args=[view.pk])


def said(response) -> str:
    """The last message the response left (those of earlier redirects not followed come before it)."""
    return [str(message) for message in get_messages(response.wsgi_request)][-1]


@pytest.fixture
def seoul():
    return OfficeFactory(code="seoul")


@pytest.fixture
def login(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def clerk(seoul):
    return UserFactory(office=seoul, language="en")


def a_view(user, name="2024", query="report_date_year=2024") -> SavedListView:
    return SavedListView.objects.create(user=user, list_name="cases.incident", name=name, query=query)


def test_save_list_open_rename_and_delete_a_view(login, clerk, seoul):
    in_may = IncidentFactory(office=seoul, report_date=datetime.date(2024, 5, 2))
    IncidentFactory(office=seoul, report_date=datetime.date(2023, 5, 2))
    client = login(clerk)
    query = "report_date_from=2024-01-01&o=2"
    response = client.post(SAVE, {"name": " This year ", "query": f"{query}&p=3"})
    assert response.status_code == 302 and response.url == f"{LIST}?{query}"  # (not the page it was on)
    view = SavedListView.objects.get()
    assert (view.user, view.name, view.query) == (clerk, "This year", query)
    assert said(response) == "The view “This year” is saved."

    page = client.get(LIST)
    assert [v.name for v in page.context["saved_views"]] == ["This year"]
    assert open_url(view) in page.content.decode()

    opened = client.get(open_url(view))
    assert opened.status_code == 302 and opened.url == f"{LIST}?{query}"
    assert [row.pk for row in client.get(opened.url).context["cl"].result_list] == [in_may.pk]

    assert client.post(rename_url(view), {"name": "Since January"}).status_code == 302
    view.refresh_from_db()
    assert view.name == "Since January" and view.query == query
    assert "Since January" in client.get(MANAGE).content.decode()

    assert client.get(delete_url(view)).status_code == 405  # (a link cannot delete it)
    assert client.post(delete_url(view)).status_code == 302
    assert not SavedListView.objects.exists()

    entries = AccessLog.objects.filter(target_type="accounts.savedlistview", target_id=str(view.pk)).order_by("id")
    assert [(entry.action, entry.username) for entry in entries] == [
        ("create", clerk.username),
        ("change", clerk.username),
        ("delete", clerk.username),
    ]
    assert all("report_date" not in entry.detail for entry in entries)  # (the query string is not logged)


def test_another_users_views_are_neither_listed_nor_opened_renamed_or_deleted(login, clerk, seoul):
    colleague = UserFactory(office=seoul)
    theirs = a_view(colleague, name="Mine only")
    client = login(clerk)
    page = client.get(LIST)
    assert page.context["saved_views"] == [] and "Mine only" not in page.content.decode()
    assert "Mine only" not in client.get(MANAGE).content.decode()
    assert client.get(open_url(theirs)).status_code == 404
    assert client.post(rename_url(theirs), {"name": "Taken"}).status_code == 404
    assert client.post(delete_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Mine only"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("content_description__regex=x", "This list cannot be filtered by “content_description__regex”"),
        ("report_date_from=2024-13-01", "“2024-13-01” is not a date this list can show."),
        ("q=" + "+".join(["w"] * 11), "Search for at most 10 words."),
        ("q=" + "x" * 1000, "These filters and search are too long to save (at most 1000 characters)."),
        (
            "status=reported&office__id__exact=" + "9" * 30,
            "This view's filter by office of education is outside your scope.",
        ),
    ],
    ids=["undeclared", "bad-date", "too-many-words", "oversized", "impossible-id"],
)
def test_a_query_the_list_refuses_is_not_saved_and_says_why(login, clerk, query, message):
    client = login(clerk)
    response = client.post(SAVE, {"name": "Bad", "query": query})
    assert response.status_code == 302
    shown = said(response)
    assert shown.startswith("The view was not saved: ") and message in shown
    assert not SavedListView.objects.exists()


def test_a_name_missing_taken_or_too_long_is_refused(login, clerk):
    a_view(clerk, name="Taken")
    client = login(clerk)
    for name, message in [
        ("", "This field is required."),
        ("Taken", "You already have a saved view of this name."),
        ("x" * 61, "Ensure this value has at most 60 characters (it has 61)."),
    ]:
        response = client.post(SAVE, {"name": name, "query": "report_date_year=2024"})
        assert message in said(response)
    response = client.post(rename_url(SavedListView.objects.get()), {"name": ""})
    assert "The view was not renamed" in said(response)
    assert list(SavedListView.objects.values_list("name", flat=True)) == ["Taken"]


def test_a_stored_query_the_list_no_longer_takes_is_refused_on_opening(login, clerk):
    view = a_view(clerk, name="Old", query="closed_on__isnull=True")
    client = login(clerk)
    response = client.get(open_url(view))
    assert response.status_code == 302 and response.url == LIST
    assert said(response).startswith("The view “Old” cannot be opened: This list cannot be filtered by")


def test_a_view_saved_with_a_wider_scope_shows_no_more_than_the_scope_of_today(login, seoul):
    busan = OfficeFactory(code="busan")
    in_seoul = IncidentFactory(office=seoul, report_date=datetime.date(2024, 3, 1))
    IncidentFactory(office=busan, report_date=datetime.date(2024, 3, 1))
    supervisor = UserFactory(supervisor=True, office=None, language="en")
    client = login(supervisor)
    for name, query in [("Busan", f"office__id__exact={busan.pk}"), ("2024", "report_date_year=2024")]:
        assert client.post(SAVE, {"name": name, "query": query}).status_code == 302
    assert SavedListView.objects.filter(user=supervisor).count() == 2

    supervisor.office = seoul  # the national supervisor becomes Seoul's
    supervisor.save()
    busan_view = SavedListView.objects.get(name="Busan")
    response = client.get(open_url(busan_view))
    assert response.url == LIST
    assert said(response) == (
        "The view “Busan” cannot be opened: This view's filter by office of education is outside your scope."
    )
    opened = client.get(open_url(SavedListView.objects.get(name="2024")))
    assert [row.pk for row in client.get(opened.url).context["cl"].result_list] == [in_seoul.pk]
    # The list itself, asked the Busan view's address, finds nothing of Busan either.
    assert list(client.get(f"{LIST}?{busan_view.query}").context["cl"].result_list) == []


def test_a_local_office_clerk_moved_to_another_cannot_open_their_old_schools_view(login, seoul):
    first, second = LocalOfficeFactory(office=seoul), LocalOfficeFactory(office=seoul)
    school = SchoolFactory(office=seoul, local_office=first)
    clerk = UserFactory(office=seoul, local_office=first, language="en")
    client = login(clerk)
    assert client.post(SAVE, {"name": "My school", "query": f"school__id__exact={school.pk}"}).status_code == 302
    assert SavedListView.objects.filter(user=clerk).exists()
    clerk.local_office = second
    clerk.save()
    response = client.get(open_url(SavedListView.objects.get(user=clerk)))
    assert response.url == LIST and "outside your scope" in said(response)


def test_supervisors_save_views_and_admins_reach_none(login, seoul):
    client = login(UserFactory(supervisor=True, office=seoul))
    assert client.post(SAVE, {"name": "Mine", "query": ""}).status_code == 302
    assert SavedListView.objects.count() == 1
    client = login(UserFactory(role="admin", office=None))
    assert client.post(SAVE, {"name": "Mine", "query": ""}).status_code == 403
    assert client.get(MANAGE).status_code == 403
    assert client.get(open_url(SavedListView.objects.get())).status_code == 403


def test_saving_needs_the_forms_csrf_token(clerk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    assert client.post(SAVE, {"name": "Forged", "query": ""}).status_code == 403
    assert not SavedListView.objects.exists()


def test_the_list_with_five_saved_views_takes_a_pinned_number_of_queries(login, clerk, seoul):
    for day in range(1, 4):
        IncidentFactory(office=seoul, report_date=datetime.date(2024, 5, day))
    client = login(clerk)
    a_view(clerk, name="view 0")
    client.get(LIST)  # (the session and the content types read once)
    with CaptureQueriesContext(connection) as one:
        client.get(LIST)
    for index in range(1, 5):
        a_view(clerk, name=f"view {index}")
    with CaptureQueriesContext(connection) as five:
        page = client.get(LIST)
    assert len(page.context["saved_views"]) == 5
    assert len(five) == len(one) <= 16, [query["sql"] for query in five.captured_queries]
