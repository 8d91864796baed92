"""The security settings every environment starts from, by what they do to requests.

The test settings relax some of them (settings/test.py); each test here puts back the values of
casetracker/settings/base.py (or local.py, production.py, read afresh with their environment).
"""

import datetime
import runpy
import secrets
import sys

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

import casetracker.settings
from casetracker.settings import base
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"  # tests.factories.UserFactory's


def module_settings(module: str, monkeypatch, **env: str) -> dict:
    """The names a settings module defines with this environment (it and base.py run afresh)."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # A fresh base.py for this module's ``from .base import ...``; the test's own is back afterwards.
    monkeypatch.delitem(sys.modules, "casetracker.settings.base")
    monkeypatch.setattr(casetracker.settings, "base", base)
    return runpy.run_module(f"casetracker.settings.{module}")


@pytest.fixture
def base_security(settings):
    """The lockout and two-factor settings as base.py has them (django-axes is on unless it says off)."""
    for name in dir(base):
        if name.startswith("AXES_") or name == "TWO_FACTOR_REQUIRED_ROLES":
            setattr(settings, name, getattr(base, name))
    settings.AXES_ENABLED = getattr(base, "AXES_ENABLED", True)
    return settings


def log_in(client, username, password, ip="127.0.0.1"):
    return client.post(
        reverse("admin:login"), {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip
    )


def test_logins_lock_out_after_five_failures_for_30_minutes(client, base_security):
    clerk = UserFactory()
    for _ in range(4):
        assert log_in(client, clerk.username, "wrong").status_code == 200  # the form, with its error
    assert log_in(client, clerk.username, PASSWORD).status_code == 302  # and the count starts again
    client.logout()
    for _ in range(4):
        assert log_in(client, clerk.username, "wrong").status_code == 200

    assert log_in(client, clerk.username, "wrong").status_code == 429  # the fifth failure in a row
    assert log_in(client, clerk.username, PASSWORD).status_code == 429
    # The lock is on the username, from whatever address: guessing from many addresses gains nothing.
    assert log_in(client, clerk.username, PASSWORD, ip="10.0.0.9").status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=29))
    assert log_in(client, clerk.username, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=30, seconds=1))
    assert log_in(client, clerk.username, PASSWORD).status_code == 302


def sent_to_set_up_two_factor(client, user) -> bool:
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    if response.status_code == 302 and response.url.startswith(reverse("accounts:two_factor")):
        return True
    assert response.status_code == 200
    return False


def test_admins_and_supervisors_need_two_factor_outside_the_local_demo(client, base_security):
    assert sent_to_set_up_two_factor(client, UserFactory(role="admin", office=None))
    assert sent_to_set_up_two_factor(client, UserFactory(supervisor=True, office=None))
    assert not sent_to_set_up_two_factor(client, UserFactory())


def test_the_local_demo_needs_no_two_factor_unless_the_environment_asks(client, settings, monkeypatch):
    monkeypatch.delenv("TWO_FACTOR_REQUIRED_ROLES", raising=False)
    settings.TWO_FACTOR_REQUIRED_ROLES = module_settings("local", monkeypatch)["TWO_FACTOR_REQUIRED_ROLES"]
    assert not sent_to_set_up_two_factor(client, UserFactory(supervisor=True, office=None))
    assert not sent_to_set_up_two_factor(client, UserFactory(role="admin", office=None))

    names = module_settings("local", monkeypatch, TWO_FACTOR_REQUIRED_ROLES="admin,supervisor")
    settings.TWO_FACTOR_REQUIRED_ROLES = names["TWO_FACTOR_REQUIRED_ROLES"]
    assert sent_to_set_up_two_factor(client, UserFactory(supervisor=True, office=None))
    assert sent_to_set_up_two_factor(client, UserFactory(role="admin", office=None))
    assert not sent_to_set_up_two_factor(client, UserFactory())


def test_production_answers_over_https_only_with_secure_headers_and_cookies(client, settings, monkeypatch):
    host = "cases.example.org"
    names = module_settings("production", monkeypatch, SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS=host)
    for name, value in names.items():
        if name.startswith(("SECURE_", "SESSION_", "CSRF_")) or name in {"ALLOWED_HOSTS", "X_FRAME_OPTIONS"}:
            setattr(settings, name, value)
    login = reverse("admin:login")

    response = client.get(login, HTTP_HOST=host)
    assert (response.status_code, response["Location"]) == (301, f"https://{host}{login}")

    for https in ({"secure": True}, {"HTTP_X_FORWARDED_PROTO": "https"}):  # direct, or behind the proxy
        response = client.get(login, HTTP_HOST=host, **https)
        assert response.status_code == 200
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
        assert response.cookies["csrftoken"]["secure"] is True

    clerk = UserFactory()
    response = client.post(login, {"username": clerk.username, "password": PASSWORD}, HTTP_HOST=host, secure=True)
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert (cookie["secure"], cookie["httponly"], cookie["samesite"]) == (True, True, "Lax")
    assert not cookie["expires"] and not cookie["max-age"]  # gone when the browser closes
    # ... and after 30 idle minutes, whatever the browser does.
    idle = Session.objects.get().expire_date - timezone.now()
    assert datetime.timedelta(minutes=29) < idle <= datetime.timedelta(minutes=30)
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(reverse("admin:index"), HTTP_HOST=host, secure=True)
    assert response.status_code == 302
    assert response["Location"].startswith(login)
