"""The change history: every create, change and delete through the admin leaves a record of
who, from where, and what changed (names never), in the same transaction as the change."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.db import models, transaction
from django.urls import reverse
from django.utils import translation

from casetracker.cases import services
from casetracker.cases.models import Incident, Offender, Victim
from tests.cases.test_admin import page_data
from tests.factories import (
    ChannelFactory,
    IncidentFactory,
    OffenderFactory,
    SchoolFactory,
    UserFactory,
    VictimFactory,
)

pytestmark = pytest.mark.django_db

VICTIM_NAME = "김영희"
OFFENDER_NAME = "박철수"


def post_page(client, url: str, changes: dict, **extra) -> None:
    """Open an admin page, change some fields, save it, and expect the redirect of a save."""
    data = page_data(client.get(url))
    data.update(changes)
    response = client.post(url, data, **extra)
    errors = response.context["adminform"].form.errors if response.status_code == 200 else None
    assert response.status_code == 302, errors


# One flow per model: create on the add page, change one field, delete ------------------------


@dataclass
class Flow:
    model: type[models.Model]
    new: Callable[[], tuple[Any, dict]]  # the office, and the add form's fields
    field: str
    old: Any
    new_value: Any

    def __str__(self) -> str:
        return self.model._meta.model_name


def new_incident():
    school = SchoolFactory()
    return school.office, {
        "office": str(school.office_id),
        "school": str(school.pk),
        "case_number": "2024-0042",
        "report_date": "2024-05-02",
        "content_kind": Incident.ContentKind.SEXUAL_IMAGE,
        "image_source": Incident.ImageSource.SOCIAL_PROFILE,
        "content_description": "Composite images shared in a class group chat.",
    }


def new_victim():
    incident = IncidentFactory()
    return incident.office, {
        "incident": str(incident.pk),
        "code": "V1",
        "kind": Victim.Kind.STUDENT,
        "school_level": incident.school.level,
        "grade": "2",
        "name": VICTIM_NAME,
    }


FLOWS = [
    Flow(Incident, new_incident, "content_kind", "sexual_image", "sexual_video"),
    Flow(Victim, new_victim, "grade", 2, 3),
    # Committee cases and measures are created by the workflow's steps, whose history rows (the clerk,
    # the address) tests/cases/test_case_steps.py checks.
]


def form_value(value) -> str:
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


@pytest.mark.parametrize("flow", FLOWS, ids=str)
def test_create_change_and_delete_through_the_admin_are_on_the_history(client, flow):
    office, fields = flow.new()
    clerk = UserFactory(office=office)
    client.force_login(clerk)
    info = f"admin:{flow.model._meta.app_label}_{flow.model._meta.model_name}"

    post_page(client, reverse(f"{info}_add"), fields)
    obj = flow.model.objects.latest("pk")
    post_page(client, reverse(f"{info}_change", args=[obj.pk]), {flow.field: form_value(flow.new_value)})
    response = client.post(reverse(f"{info}_delete", args=[obj.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not flow.model.objects.filter(pk=obj.pk).exists()

    records = list(flow.model.history.filter(id=obj.pk).order_by("history_date", "history_id"))
    assert [record.history_type for record in records] == ["+", "~", "-"]
    for record in records:
        assert record.history_user == clerk
        assert record.ip_address == "127.0.0.1"
    created, changed, deleted = records
    assert getattr(created, flow.field) == flow.old
    diff = changed.diff_against(changed.prev_record)
    assert [(change.field, change.old, change.new) for change in diff.changes] == [
        (flow.field, flow.old, flow.new_value)
    ]
    assert getattr(deleted, flow.field) == flow.new_value


def test_the_address_comes_from_the_trusted_proxy_header(admin_client, settings):
    settings.AUDIT_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    incident = IncidentFactory()

    post_page(
        admin_client,
        reverse("admin:cases_incident_change", args=[incident.pk]),
        {"content_kind": Incident.ContentKind.SEXUAL_VIDEO},
        HTTP_X_REAL_IP="203.0.113.9",
    )

    record = incident.history.latest()
    assert (record.history_type, record.ip_address) == ("~", "203.0.113.9")


def test_a_malformed_address_header_does_not_break_a_save(admin_client, settings):
    settings.AUDIT_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    incident = IncidentFactory()

    post_page(
        admin_client,
        reverse("admin:cases_incident_change", args=[incident.pk]),
        {"content_kind": Incident.ContentKind.SEXUAL_VIDEO},
        HTTP_X_REAL_IP="203.0.113.9:443",
    )

    record = incident.history.latest()
    assert (record.history_type, record.content_kind, record.ip_address) == ("~", "sexual_video", None)


# Names never enter the history -------------------------------------------------------------------


@pytest.mark.parametrize("model", [Victim, Offender])
def test_the_history_of_people_has_no_name(model):
    fields = {field.name for field in model.history.model._meta.get_fields()}

    assert "name" in {field.name for field in model._meta.get_fields()}
    assert "name" not in fields
    assert {"code", "kind", "grade", "ip_address", "history_user"} <= fields


def test_the_history_page_of_a_victim_does_not_show_the_name(admin_client):
    victim = VictimFactory(name=VICTIM_NAME, grade=2)
    victim.grade = 3
    victim.name = "이름바뀜"
    services.save_record(record=victim, actor=None)
    offender = OffenderFactory(incident=victim.incident, name=OFFENDER_NAME)
    assert victim.history.count() == 2  # a change of grade and name: one record, without the name

    for record in [*victim.history.all(), offender.history.get()]:
        meta = record._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[record.pk])
        response = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        page = response.content.decode()
        assert f"#{record.id}" in page  # the right record, whose page does show its changes
        for name in (VICTIM_NAME, "이름바뀜", OFFENDER_NAME):
            assert name not in page

    changelist = admin_client.get(reverse("admin:cases_historicalvictim_changelist")).content.decode()
    assert VICTIM_NAME not in changelist


# One transaction ---------------------------------------------------------------------------------


def test_a_failure_after_the_save_rolls_back_the_record_and_its_history():
    school = SchoolFactory()
    incident = IncidentFactory.build(office=school.office, school=school)

    with pytest.raises(RuntimeError), transaction.atomic():
        services.save_record(record=incident, actor=None)
        assert Incident.history.filter(id=incident.pk, history_type="+").exists()
        raise RuntimeError("something after the save failed")

    assert not Incident.objects.exists()
    assert not Incident.history.exists()


def test_a_failure_after_a_change_rolls_back_the_change_and_its_history():
    incident = IncidentFactory(content_kind=Incident.ContentKind.SEXUAL_IMAGE)
    incident.content_kind = Incident.ContentKind.SEXUAL_VIDEO

    with pytest.raises(RuntimeError), transaction.atomic():
        services.save_record(record=incident, actor=None)
        assert incident.history.count() == 2
        raise RuntimeError("something after the save failed")

    assert Incident.objects.get().content_kind == Incident.ContentKind.SEXUAL_IMAGE
    assert [record.history_type for record in incident.history.all()] == ["+"]


def test_an_admin_save_that_fails_after_the_write_leaves_no_history(admin_client, monkeypatch):
    incident = IncidentFactory(content_kind=Incident.ContentKind.SEXUAL_IMAGE)
    url = reverse("admin:cases_incident_change", args=[incident.pk])
    data = page_data(admin_client.get(url))
    data["content_kind"] = Incident.ContentKind.SEXUAL_VIDEO
    save_record = services.save_record

    def save_then_fail(*, record, **options):
        save_record(record=record, **options)
        raise RuntimeError("something after the save failed")

    monkeypatch.setattr(services, "save_record", save_then_fail)
    with pytest.raises(RuntimeError):
        admin_client.post(url, data)

    assert Incident.objects.get().content_kind == Incident.ContentKind.SEXUAL_IMAGE
    assert incident.history.count() == 1


# HistoryAdmin.changes --------------------------------------------------------------------------


def test_history_admin_shows_created_then_before_and_after_but_no_narrative():
    incident = IncidentFactory(content_kind=Incident.ContentKind.SEXUAL_IMAGE, content_description="<b>first</b>")
    incident.content_kind = Incident.ContentKind.SEXUAL_VIDEO
    incident.content_description = "<b>second</b>"
    services.save_record(record=incident, actor=None)
    services.save_record(record=incident, actor=None)  # saved again, nothing changed
    created, changed, unchanged = incident.history.order_by("history_date", "history_id")
    history_admin = admin.site._registry[Incident.history.model]

    with translation.override("en"):
        assert str(history_admin.changes(created)) == "created"
        shown = str(history_admin.changes(changed))
        assert str(history_admin.changes(unchanged)) == "no field changed"

    assert "<div>what was made: sexual_image → sexual_video</div>" in shown
    # Admins read who changed the description, not what it says (issue 16, finding 7).
    assert "<div>description: changed (the text is not shown)</div>" in shown
    assert "first" not in shown and "second" not in shown
    assert shown.count("<div>") == 2


def test_history_admin_page_shows_the_changes(admin_client):
    incident = IncidentFactory(content_kind=Incident.ContentKind.SEXUAL_IMAGE)
    incident.content_kind = Incident.ContentKind.SEXUAL_VIDEO
    services.save_record(record=incident, actor=None)
    created, changed = incident.history.order_by("history_date", "history_id")

    def page(record) -> str:
        url = reverse("admin:cases_historicalincident_change", args=[record.pk])
        return admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<div class="readonly">created</div>' in page(created)
    assert '<div class="readonly"><div>what was made: sexual_image → sexual_video</div></div>' in page(changed)


def test_history_admin_names_the_channels_that_changed():
    incident = IncidentFactory()
    incident.channels.set([ChannelFactory(name_en="Telegram", name_ko="텔레그램")])  # writes its own record
    latest = incident.history.order_by("history_date", "history_id").last()
    history_admin = admin.site._registry[Incident.history.model]

    with translation.override("en"):
        shown = str(history_admin.changes(latest))

    assert "Telegram" in shown
    assert "'channel'" not in shown
