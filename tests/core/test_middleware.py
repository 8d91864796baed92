"""Headers on every response: the Content Security Policy, and no caching of signed-in pages."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from casetracker.core.middleware import NoStoreMiddleware

pytestmark = pytest.mark.django_db


def csp_directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "anonymous"])
def test_every_page_has_a_content_security_policy_without_inline_code(client, admin_user, signed_in):
    if signed_in:
        client.force_login(admin_user)
    response = client.get(reverse("admin:index") if signed_in else reverse("admin:login"))
    assert response.status_code == 200

    directives = csp_directives(response)

    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


def test_admin_pages_are_not_stored_for_a_signed_in_user(admin_client):
    response = admin_client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]


def run_no_store(user, path: str) -> HttpResponse:
    request = RequestFactory().get(path)
    request.user = user
    return NoStoreMiddleware(lambda request: HttpResponse("page"))(request)


def test_no_store_is_for_signed_in_users(clerk):
    assert "no-store" in run_no_store(clerk, "/admin/cases/incident/")["Cache-Control"]
    assert "Cache-Control" not in run_no_store(AnonymousUser(), "/admin/cases/incident/")


def test_static_files_stay_cacheable(clerk):
    assert "Cache-Control" not in run_no_store(clerk, "/static/admin/css/base.css")
