"""The commands behind `make run`: shipped data loaded once, demo accounts only in DEBUG."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.utils import translation

from casetracker.accounts.models import User
from casetracker.cases.management.commands.load_shipped_data import HISTORY_REASON, models_with_history
from casetracker.cases.models import Incident
from casetracker.core.models import Office

REFERENCE = Path(django_settings.BASE_DIR) / "fixtures" / "01_reference.json"


@pytest.mark.django_db
def test_load_shipped_data_loads_once_and_then_leaves_the_data_alone(shipped_data, capsys):
    # ``shipped_data`` ran the command on the empty database (tests/conftest.py).
    assert Office.objects.count() == 17
    incidents = Incident.objects.count()
    assert incidents > 500
    first = Incident.objects.order_by("pk").first()
    first.case_number = "EDITED-1"
    first.save(update_fields=["case_number"])

    call_command("load_shipped_data")

    assert Incident.objects.count() == incidents
    assert Incident.objects.filter(case_number="EDITED-1").exists()
    with translation.override("en"):
        call_command("load_shipped_data")
    assert "already loaded" in capsys.readouterr().out


@pytest.mark.django_db
def test_every_shipped_record_has_its_first_history_entry(shipped_data):
    """loaddata saves raw rows, which simple-history does not record: the command writes each
    record's "+" entry, holding the record as loaded (an incident with its channels). ``shipped_data``
    ran the command on the empty database (tests/conftest.py)."""
    tracked = models_with_history("core") + models_with_history("cases")
    assert {Office, Incident} <= set(tracked)
    for model in tracked:
        entries = model.history.order_by("id")
        assert list(entries.values_list("id", flat=True)) == list(
            model.objects.order_by("pk").values_list("pk", flat=True)
        )
        assert set(entries.values_list("history_type", "history_user", "history_change_reason")) <= {
            ("+", None, HISTORY_REASON)
        }
    incident = Incident.objects.filter(channels__isnull=False).order_by("pk").first()
    entry = incident.history.get()
    assert (entry.case_number, entry.report_date) == (incident.case_number, incident.report_date)
    assert set(entry.channels.values_list("channel_id", flat=True)) == set(
        incident.channels.values_list("pk", flat=True)
    )
    links = Incident.channels.through.objects.count()
    assert Incident.history.model.channels.model.objects.count() == links


@pytest.mark.django_db
def test_demo_accounts_are_refused_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("create_demo_accounts")
    assert not User.objects.exists()


DEMO_ROLES = {
    "clerk_seoul": ("clerk", "seoul"),
    "clerk_gyeonggi": ("clerk", "gyeonggi"),
    "supervisor_seoul": ("supervisor", "seoul"),
    "supervisor_national": ("supervisor", None),
    "admin": ("admin", None),
}


@pytest.mark.django_db
def test_demo_accounts_cover_each_role_and_are_printed_when_debug_is_on(settings, capsys, client):
    settings.DEBUG = True
    call_command("loaddata", str(REFERENCE), verbosity=0)
    call_command("create_demo_accounts")
    User.objects.filter(username="clerk_seoul").update(is_active=False)
    call_command("create_demo_accounts")  # running make run again resets, never duplicates
    out = capsys.readouterr().out
    assert "casetracker-demo" in out
    accounts = {u.username: (u.role, u.office.code if u.office else None) for u in User.objects.all()}
    assert accounts == DEMO_ROLES
    assert all(name in out for name in DEMO_ROLES)
    assert User.objects.get(username="clerk_seoul").is_active
    assert client.login(username="clerk_seoul", password="casetracker-demo")


@pytest.mark.django_db
def test_demo_accounts_need_the_reference_data(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="load_shipped_data"):
        call_command("create_demo_accounts")
