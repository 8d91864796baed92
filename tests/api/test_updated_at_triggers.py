"""Every write to a case's records moves the incident's ``updated_at`` (the database's triggers,
``casetracker/cases/touch_triggers.py``), so ``?updated_since=`` gives the case to the ministry's
sync whatever path wrote the row: ORM save, ``QuerySet.update()``, delete, raw SQL, loaddata."""

import datetime
import json

import pytest
from django.core import serializers
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.utils import timezone

from casetracker.cases.models import (
    Appeal,
    CommitteeCase,
    Incident,
    Measure,
    Offender,
    OffenderVictimRelation,
    ProtectionMeasure,
    Separation,
    TakedownRequest,
    Victim,
)
from tests.factories import (
    AppealFactory,
    ChannelFactory,
    HeardCommitteeCaseFactory,
    IncidentFactory,
    MeasureFactory,
    OffenderFactory,
    OffenderVictimRelationFactory,
    ProtectionMeasureFactory,
    SeparationFactory,
    TakedownRequestFactory,
    VictimFactory,
)
from tests.wipe import delete_with_records

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - datetime.timedelta(days=30)
CHANNELS = Incident.channels.through
MODELS = [
    Victim,
    Offender,
    OffenderVictimRelation,
    TakedownRequest,
    ProtectionMeasure,
    Separation,
    CommitteeCase,
    Measure,
    Appeal,
    CHANNELS,
]


@pytest.fixture
def case() -> dict:
    """An incident with one record of every kind, its ``updated_at`` set back a month."""
    incident = IncidentFactory()
    offender = OffenderFactory(incident=incident)
    victim = VictimFactory(incident=incident)
    committee_case = HeardCommitteeCaseFactory(incident=incident)
    measure = MeasureFactory(committee_case=committee_case, offender=offender)
    incident.channels.add(ChannelFactory())
    records = {
        Victim: victim,
        Offender: offender,
        OffenderVictimRelation: OffenderVictimRelationFactory(offender=offender, victim=victim),
        TakedownRequest: TakedownRequestFactory(incident=incident),
        ProtectionMeasure: ProtectionMeasureFactory(victim=victim),
        Separation: SeparationFactory(incident=incident, offender=offender, victim=victim),
        CommitteeCase: committee_case,
        Measure: measure,
        Appeal: AppealFactory(measure=measure),
        CHANNELS: CHANNELS.objects.get(incident=incident),
    }
    set_back(incident)
    return {"incident": incident, **records}


def set_back(incident: Incident) -> None:
    Incident.objects.filter(pk=incident.pk).update(updated_at=LONG_AGO)
    assert updated_at(incident) == LONG_AGO


def updated_at(incident: Incident) -> datetime.datetime:
    return Incident.objects.values_list("updated_at", flat=True).get(pk=incident.pk)


def assert_synced(api_for, incident: Incident) -> None:
    assert updated_at(incident) > LONG_AGO + datetime.timedelta(days=1)
    since = (LONG_AGO + datetime.timedelta(seconds=1)).isoformat()
    response = api_for().get("/api/v1/incidents/", {"updated_since": since})
    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["results"]] == [incident.pk]


def raw_update(model, pk) -> None:
    table, column = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = {column} WHERE {column} = %s", [pk])


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
@pytest.mark.parametrize("path", ["save", "update", "delete", "raw_sql"])
def test_every_write_to_a_record_moves_the_incident(api_for, case, model, path):
    incident, record = case["incident"], case[model]
    if path == "save":
        if model is CHANNELS:  # (the through table has no save of its own: the m2m's add)
            incident.channels.add(ChannelFactory())
        else:
            record.save()
    elif path == "update":
        model.objects.filter(pk=record.pk).update(**{model._meta.pk.attname: F(model._meta.pk.attname)})
    elif path == "delete":
        delete_with_records(record)  # (a committee case, measure or appeal under the flush's allowance)
    else:
        raw_update(model, record.pk)
    assert_synced(api_for, incident)


def test_an_incident_changed_without_setting_updated_at_moves(api_for, case):
    incident = case["incident"]
    Incident.objects.filter(pk=incident.pk).update(content_description="다른 설명")
    assert_synced(api_for, incident)
    set_back(incident)
    raw_update(Incident, incident.pk)  # (writes no value that differs: nothing changed, nothing moves)
    assert updated_at(incident) == LONG_AGO
    table = connection.ops.quote_name(Incident._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET content_description = 'SQL' WHERE id = %s", [incident.pk])
    assert_synced(api_for, incident)


def test_an_update_that_sets_updated_at_keeps_its_value(case):
    incident = case["incident"]
    chosen = LONG_AGO + datetime.timedelta(hours=1)
    Incident.objects.filter(pk=incident.pk).update(updated_at=chosen, content_description="다른 설명")
    assert updated_at(incident) == chosen


def test_loaddata_of_one_record_moves_the_incident(api_for, case, tmp_path):
    incident = case["incident"]
    fixture = tmp_path / "victim.json"
    fixture.write_text(serializers.serialize("json", [case[Victim]]))
    assert len(json.loads(fixture.read_text())) == 1
    call_command("loaddata", str(fixture), verbosity=0)
    assert_synced(api_for, incident)


def test_deleting_an_offender_cascades_and_moves_the_incident(api_for, case):
    incident = case["incident"]
    delete_with_records(case[Offender])
    assert not OffenderVictimRelation.objects.filter(pk=case[OffenderVictimRelation].pk).exists()
    assert_synced(api_for, incident)


def test_the_stored_value_parses_as_django_writes_it(case):
    """On SQLite the trigger writes Django's text format (microseconds), which Python reads back."""
    incident = case["incident"]
    case[Victim].save()
    refreshed = Incident.objects.get(pk=incident.pk)
    assert refreshed.updated_at.tzinfo is not None
    assert abs(refreshed.updated_at - timezone.now()) < datetime.timedelta(minutes=5)
    assert Incident.objects.filter(updated_at__gt=LONG_AGO, pk=incident.pk).exists()


def test_migrate_puts_back_a_touch_trigger_that_a_table_rebuild_dropped():
    """Installed with the derived-status triggers, so ``reinstall_missing`` puts these back too."""
    from casetracker.cases import touch_triggers, triggers

    name = f"{touch_triggers.PREFIX}_cases_victim_insert"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {name}" + (' ON "cases_victim"' if connection.vendor == "postgresql" else ""))
    assert triggers.missing_triggers(connection) == [name]
    call_command("migrate", verbosity=0)
    assert triggers.missing_triggers(connection) == []
