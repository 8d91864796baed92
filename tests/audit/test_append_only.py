"""The trails cannot be rewritten: not through the model, not through a queryset (the
database refuses), and not through the admin, not even by a superuser."""

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from casetracker.accounts.models import User
from casetracker.audit.models import AccessLog, AppendOnlyError
from casetracker.audit.services import log_access
from casetracker.cases.models import Incident, Measure, Victim
from casetracker.cases.services import save_record
from casetracker.core.models import Office
from tests.factories import FACTORY_BY_MODEL, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries():
    user = UserFactory()
    return [
        log_access(action=AccessLog.Action.LOGIN, user=user),
        log_access(action=AccessLog.Action.LOGIN_FAILED, username="somebody"),
        log_access(action=AccessLog.Action.EXPORT, user=user, detail="incidents.csv"),
    ]


def test_saving_an_existing_entry_is_refused(entries):
    entry = entries[0]
    entry.detail = "rewritten"

    with pytest.raises(AppendOnlyError):
        entry.save()

    assert AccessLog.objects.get(pk=entry.pk).detail == ""


def test_deleting_an_entry_is_refused(entries):
    with pytest.raises(AppendOnlyError):
        entries[0].delete()

    assert AccessLog.objects.count() == 3


def test_the_database_refuses_a_queryset_update(entries):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessLog.objects.filter(action=AccessLog.Action.LOGIN).update(detail="rewritten")

    assert not AccessLog.objects.filter(detail="rewritten").exists()


def test_the_database_refuses_a_raw_update(entries):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AccessLog._meta.db_table} SET ip_address = NULL")


def test_the_database_refuses_a_queryset_delete(entries):
    if connection.vendor != "postgresql":
        # On SQLite only UPDATE has a trigger: flushing a test database there empties tables
        # with DELETE, which a trigger refusing deletes would break (PostgreSQL flushes with
        # TRUNCATE, which row triggers do not see).
        pytest.skip("the database refuses deletes from the access log on PostgreSQL only")

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AccessLog.objects.all().delete()

    assert AccessLog.objects.count() == 3


# The admin: read-only for everyone --------------------------------------------------------------


def trail_models() -> list:
    return [
        pytest.param(model, id=model._meta.label_lower)
        for model in admin.site._registry
        if model is AccessLog or hasattr(model, "instance_type")
    ]


def test_every_history_model_is_in_the_admin():
    registered = {param.values[0] for param in trail_models()}
    assert {
        Incident.history.model,
        Victim.history.model,
        Measure.history.model,
        User.history.model,
        Office.history.model,
    } <= registered
    # The access log, the history of the ten case models, of the accounts and the five of reference data.
    assert len(registered) == 17


@pytest.fixture
def trail_entry(entries):
    def make(model):
        if model is AccessLog:
            return entries[0]
        return FACTORY_BY_MODEL[model.instance_type]().history.latest()

    return make


@pytest.mark.parametrize("model", trail_models())
def test_the_admin_refuses_add_change_and_delete_even_to_a_superuser(admin_client, trail_entry, model):
    obj = trail_entry(model)
    before = model.objects.count()
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    change_url = reverse(f"{info}_change", args=[obj.pk])

    assert admin_client.get(reverse(f"{info}_add")).status_code == 403
    assert admin_client.post(reverse(f"{info}_add"), {}).status_code == 403
    assert admin_client.get(reverse(f"{info}_delete", args=[obj.pk])).status_code == 403
    assert admin_client.post(reverse(f"{info}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    assert admin_client.post(change_url, {}).status_code == 403
    changelist = admin_client.post(
        reverse(f"{info}_changelist"), {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
    )
    assert changelist.status_code == 200  # no delete action to run: just the list again

    assert model.objects.count() == before
    assert model.objects.filter(pk=obj.pk).exists()

    response = admin_client.get(reverse(f"{info}_changelist"))
    assert response.status_code == 200
    assert obj.pk in {row.pk for row in response.context["cl"].result_list}
    response = admin_client.get(change_url)
    assert response.status_code == 200
    assert response.context["original"] == obj
    assert not response.context["has_change_permission"]
    assert "delete_selected" not in admin.site._registry[model].get_actions(response.wsgi_request)


def test_the_access_log_changelist_filters_by_action(admin_client, entries):
    response = admin_client.get(reverse("admin:audit_accesslog_changelist"), {"action": "login"})

    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    # The admin's own login (admin_client) is on the log too.
    assert entries[0] in rows
    assert {row.action for row in rows} == {AccessLog.Action.LOGIN}
    assert entries[1] not in rows


def test_a_history_changelist_filters_by_type(admin_client):
    incident = FACTORY_BY_MODEL[Incident]()
    incident.content_description = "Changed."
    save_record(record=incident, actor=None)

    response = admin_client.get(reverse("admin:cases_historicalincident_changelist"), {"history_type": "~"})

    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert [row.history_type for row in rows] == ["~"]
    assert rows[0].id == incident.pk
