"""The commands behind `make run`: shipped data loaded once, demo accounts only in DEBUG."""

import pytest
from django.core.management import CommandError, call_command

from casetracker.accounts.models import User
from casetracker.cases.models import Incident
from casetracker.core.models import Office


@pytest.mark.django_db
def test_load_shipped_data_loads_once_and_then_leaves_the_data_alone(capsys):
    call_command("load_shipped_data")
    assert Office.objects.count() == 17
    incidents = Incident.objects.count()
    assert incidents > 500
    first = Incident.objects.order_by("pk").first()
    first.case_number = "EDITED-1"
    first.save(update_fields=["case_number"])

    call_command("load_shipped_data")

    assert Incident.objects.count() == incidents
    assert Incident.objects.filter(case_number="EDITED-1").exists()
    assert "already loaded" in capsys.readouterr().out


@pytest.mark.django_db
def test_demo_accounts_are_refused_when_debug_is_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("create_demo_accounts")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_demo_accounts_are_created_and_printed_when_debug_is_on(settings, capsys, client):
    settings.DEBUG = True
    call_command("create_demo_accounts")
    call_command("create_demo_accounts")  # running make run again resets, never duplicates
    out = capsys.readouterr().out
    assert "admin" in out
    assert "casetracker-demo" in out
    assert User.objects.filter(username="admin").count() == 1
    assert client.login(username="admin", password="casetracker-demo")
