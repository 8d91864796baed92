"""Shared fixtures: users, the admin checks every registered model gets, and the check that every
test leaves each incident's stored status and referrals in step with its records."""

from collections.abc import Callable

import pytest
from django.contrib import admin
from django.db import models
from django.test import RequestFactory
from django.urls import reverse

from tests.factories import FACTORY_BY_MODEL, UserFactory


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "writes_around_services: the test writes raw rows on purpose (e.g. to test a database constraint)"
    )


@pytest.fixture(autouse=True)
def derived_fields_in_step(request):
    """After each test with the database, every incident's stored status and referrals match its
    records: whatever the test did through the services, the admin, imports or commands."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    raw = request.node.get_closest_marker("writes_around_services") is not None
    if raw or transactional or (marker is None and "db" not in request.fixturenames):
        yield
        return
    request.getfixturevalue("db")
    yield
    from casetracker.cases.models import Incident
    from casetracker.cases.status import out_of_step

    stale = list(
        Incident.objects.filter(pk__in=out_of_step(Incident.objects.all())).values_list("case_number", "status")
    )
    assert not stale, f"stored status or referrals out of step with the records: {stale[:10]}"


@pytest.fixture
def admin_user(db):
    """A national admin; replaces pytest-django's, whose superuser would be a clerk without an office."""
    return UserFactory(username="admin", superuser=True)


@pytest.fixture
def clerk(db):
    return UserFactory(username="clerk")


def registered_models(*, app_label: str | None = None, exclude_app_label: str | None = None) -> list:
    """``pytest.param`` per model in the admin site, for parametrizing smoke tests."""
    return [
        pytest.param(model, id=f"{model._meta.app_label}.{model._meta.model_name}")
        for model in admin.site._registry
        if (app_label is None or model._meta.app_label == app_label)
        and (exclude_app_label is None or model._meta.app_label != exclude_app_label)
    ]


@pytest.fixture
def check_admin_pages(admin_client, admin_user) -> Callable[[type[models.Model]], None]:
    """Open the changelist, search, add, change, history and delete pages of one admin,
    and every autocomplete it uses, on an object made by the model's factory."""

    def check(model: type[models.Model]) -> None:
        model_admin = admin.site._registry[model]
        tracked = getattr(model, "instance_type", None)  # a django-simple-history record
        factory_class = FACTORY_BY_MODEL.get(tracked or model)
        assert factory_class is not None, f"add a factory for {(tracked or model).__name__} to tests/factories.py"
        obj = factory_class()
        if tracked is not None:
            obj = obj.history.latest()
        request = RequestFactory().get("/")
        request.user = admin_user
        read_only = not model_admin.has_add_permission(request)
        may_delete = model_admin.has_delete_permission(request, obj)
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"

        response = admin_client.get(reverse(f"{info}_changelist"))
        assert response.status_code == 200
        assert obj.pk in {row.pk for row in response.context["cl"].result_list}

        if model_admin.search_fields:
            response = admin_client.get(reverse(f"{info}_changelist"), {"q": "no such thing"})
            assert response.status_code == 200

        response = admin_client.get(reverse(f"{info}_add"))
        if read_only:
            assert response.status_code == 403
        else:
            assert response.status_code == 200
            assert response.context["add"] is True

        response = admin_client.get(reverse(f"{info}_change", args=[obj.pk]))
        assert response.status_code == 200
        assert response.context["original"] == obj

        response = admin_client.get(reverse(f"{info}_history", args=[obj.pk]))
        assert response.status_code == 200
        response = admin_client.get(reverse(f"{info}_delete", args=[obj.pk]))
        assert response.status_code == (200 if may_delete else 403)

        for field_name in model_admin.autocomplete_fields:
            response = admin_client.get(
                reverse("admin:autocomplete"),
                {
                    "app_label": model._meta.app_label,
                    "model_name": model._meta.model_name,
                    "field_name": field_name,
                    "term": "",
                },
            )
            assert response.status_code == 200, field_name
            assert "results" in response.json()

    return check
