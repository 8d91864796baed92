"""Reference data keeps a change history as the case records do: who, when, from where, before and
after; every record has its first entry ("+"), whether entered in the admin, loaded with the
shipped data or there before the history began; admins read it in the admin, nobody else."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.urls import reverse

from casetracker.core.models import Channel, Committee, LocalOffice, Office, School
from tests.factories import ChannelFactory, CommitteeFactory, OfficeFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db

REFERENCE_MODELS = (Office, LocalOffice, School, Committee, Channel)


def test_an_admin_change_is_recorded_with_who_and_from_where(client):
    admin = UserFactory(role="admin", office=None, is_staff=True)
    client.force_login(admin)
    response = client.post(
        reverse("admin:core_channel_add"),
        {"code": "blog", "name_ko": "블로그", "name_en": "Blog", "sort_order": 9},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 302
    channel = Channel.objects.get(code="blog")
    response = client.post(
        reverse("admin:core_channel_change", args=[channel.pk]),
        {"code": "blog", "name_ko": "블로그", "name_en": "Blogs", "sort_order": 9},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 302
    created, changed = channel.history.order_by("history_id")
    assert (created.history_type, created.name_en, created.history_user, created.ip_address) == (
        "+",
        "Blog",
        admin,
        "203.0.113.7",
    )
    assert (changed.history_type, changed.name_en) == ("~", "Blogs")
    assert [change.field for change in changed.diff_against(created).changes] == ["name_en"]


def test_admins_read_the_history_of_each_kind_of_reference_data(client):
    school = SchoolFactory()
    committee = CommitteeFactory(office=school.office, local_office=school.local_office)
    ChannelFactory()
    school.name_en = "Renamed High"
    school.save()
    client.force_login(UserFactory(role="admin", office=None, is_staff=True))
    for model in REFERENCE_MODELS:
        history = model.history.model
        response = client.get(reverse(f"admin:core_{history._meta.model_name}_changelist"))
        assert response.status_code == 200, model
        assert response.context["cl"].result_count == model.objects.count() + (model is School)
    entry = school.history.latest()
    page = client.get(reverse("admin:core_historicalschool_change", args=[entry.history_id])).content.decode()
    assert "Renamed High" in page
    assert committee.history.get().history_type == "+"


def test_the_migration_gives_the_rows_already_there_their_first_entry():
    office = OfficeFactory()
    school = SchoolFactory(office=office)
    for model in REFERENCE_MODELS:
        model.history.all().delete()
    migration = importlib.import_module("casetracker.core.migrations.0002_reference_history")

    class SchemaEditor:
        pass

    editor = SchemaEditor()
    editor.connection = connection
    migration.first_entries(django_apps, editor)
    for model in REFERENCE_MODELS:
        entries = model.history.order_by("id")
        assert list(entries.values_list("id", flat=True)) == list(
            model.objects.order_by("pk").values_list("pk", flat=True)
        )
        assert {entry.history_type for entry in entries} <= {"+"}
    assert school.history.get().name_ko == school.name_ko
    assert school.history.get().local_office_id == school.local_office_id
