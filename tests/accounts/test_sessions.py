"""Sessions end after 30 idle minutes, at browser close, and when the account is deactivated."""

import datetime

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casetracker.accounts import services

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's


def stored_session(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_session_settings(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def test_the_session_cookie_is_http_only_lax_and_ends_with_the_browser(client, clerk):
    response = client.post(reverse("admin:login"), {"username": clerk.username, "password": PASSWORD})
    assert response.status_code == 302

    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["expires"]
    assert not cookie["max-age"]


def test_each_request_pushes_the_idle_expiry_back_to_30_minutes(client, clerk):
    client.force_login(clerk)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=1)
    )

    assert client.get(reverse("admin:index")).status_code == 200

    assert stored_session(client).expire_date > timezone.now() + datetime.timedelta(minutes=29)


def test_an_idle_session_expires(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("admin:index")).status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert response.wsgi_request.user.is_anonymous


def test_deactivating_an_account_logs_it_out(client, clerk, admin_user):
    client.force_login(clerk)
    assert client.get(reverse("admin:index")).status_code == 200

    services.deactivate_account(account=clerk, by=admin_user)

    assert not Session.objects.filter(session_key=client.session.session_key).exists()
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_end_sessions_ends_only_that_accounts_sessions(clerk, admin_user):
    first, second, others = Client(), Client(), Client()
    first.force_login(clerk)
    second.force_login(clerk)
    others.force_login(admin_user)

    assert services.end_sessions(account=clerk) == 2

    assert not Session.objects.filter(session_key__in=[first.session.session_key, second.session.session_key])
    assert SESSION_KEY in stored_session(others).get_decoded()
