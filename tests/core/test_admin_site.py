"""The admin site's context of every page: Django's, with the list of apps and models (which only the
navigation sidebar, turned off, shows) made only when a page reads it."""

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.test import RequestFactory
from django.utils.functional import empty

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_pages_context_is_djangos_with_the_app_list_made_when_read():
    request = RequestFactory().get("/admin/")
    request.user = UserFactory()
    ours, djangos = admin.site.each_context(request), AdminSite.each_context(admin.site, request)
    assert set(ours) == set(djangos)
    assert ours["available_apps"]._wrapped is empty  # (not made yet)
    for name in set(djangos) - {"available_apps", "log_entries"}:
        assert ours[name] == djangos[name], name
    assert list(ours["available_apps"]) == djangos["available_apps"] != []
    assert list(ours["log_entries"]) == list(djangos["log_entries"])
