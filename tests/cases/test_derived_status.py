"""The status and committee referrals stored on each incident: derived from its records by one rule,
stored by the database's triggers whatever writes the rows, and checked or rebuilt by a command.

(Every other test with the database also ends with the check that nothing is out of step:
tests/conftest.py, ``derived_fields_in_step``.)
"""

import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casetracker.cases import services, triggers
from casetracker.cases.models import DERIVED_INCIDENT_FIELDS, OPEN_WORK_FIELDS, ClosureReason, Incident
from casetracker.cases.services import MeasureDecision
from casetracker.cases.status import Status, out_of_step
from casetracker.core.models import Committee
from tests.factories import (
    DEFAULT_REPORT_DATE,
    CommitteeFactory,
    IncidentFactory,
    OffenderFactory,
    SchoolFactory,
    days_after,
)
from tests.wipe import delete_with_records, deletes_allowed

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - datetime.timedelta(days=30)
SV, TR = Committee.Kind.SCHOOL_VIOLENCE, Committee.Kind.TEACHER_RIGHTS


# The status and the referrals (the open work's counts have their own tests: tests/cases/test_open_work.py).
STATUS_FIELDS = [name for name in DERIVED_INCIDENT_FIELDS if name not in OPEN_WORK_FIELDS.values()]


def stored(incident: Incident) -> dict:
    return Incident.objects.filter(pk=incident.pk).values(*STATUS_FIELDS).get()


def flags(**set_flags) -> dict:
    names = [name for name in STATUS_FIELDS if name not in ("status", "status_reason")]
    return {name: set_flags.get(name, False) for name in names}


def committee_for(incident: Incident, kind: str) -> Committee:
    return CommitteeFactory(office=incident.office, local_office=incident.school.local_office, kind=kind)


def test_each_workflow_step_stores_the_status_and_the_referrals():
    incident = IncidentFactory()
    offender = OffenderFactory(incident=incident)
    assert stored(incident) == {"status": Status.REPORTED, "status_reason": "", **flags()}

    case = services.refer_to_committee(
        incident=incident, committee=committee_for(incident, SV), on=days_after(incident.report_date, 3)
    )
    assert stored(incident) == {
        "status": Status.REFERRED,
        "status_reason": "",
        **flags(referred_to_school_violence_committee=True),
    }

    services.schedule_hearing(committee_case=case, on=days_after(incident.report_date, 10))
    assert stored(incident)["status"] == Status.HEARING_SCHEDULED

    services.record_hearing_and_decision(
        committee_case=case, hearing_date=days_after(incident.report_date, 12), measures=[MeasureDecision(offender, 1)]
    )
    assert stored(incident) == {
        "status": Status.DECIDED,
        "status_reason": "",
        **flags(referred_to_school_violence_committee=True, heard_by_school_violence_committee=True),
    }

    delete_with_records(case)  # (no path of the application deletes one: ``no_delete``)
    assert stored(incident) == {"status": Status.REPORTED, "status_reason": "", **flags()}


def test_a_teacher_rights_referral_and_a_closure_without_hearing_are_stored_with_the_reason():
    incident = IncidentFactory()
    services.refer_to_committee(
        incident=incident, committee=committee_for(incident, TR), on=days_after(incident.report_date, 1)
    )
    assert stored(incident)["referred_to_teacher_rights_committee"] is True

    services.close_case(incident=incident, on=days_after(incident.report_date, 5), reason=ClosureReason.WITHDRAWN)
    assert stored(incident) == {
        "status": Status.CLOSED,
        "status_reason": ClosureReason.WITHDRAWN,
        **flags(referred_to_teacher_rights_committee=True),
    }


def test_the_derived_fields_are_not_in_the_change_history():
    history_fields = {field.name for field in Incident.history.model._meta.get_fields()}
    assert not history_fields & set(DERIVED_INCIDENT_FIELDS)
    incident = IncidentFactory()
    services.refer_to_committee(
        incident=incident, committee=committee_for(incident, SV), on=days_after(incident.report_date, 1)
    )
    assert incident.history.count() == 1  # the referral changed no field of the incident's own


def test_a_write_around_the_services_is_stored_right_by_the_database():
    """``QuerySet.update()`` and raw SQL, on the incident and on its records: the triggers follow."""
    incident = IncidentFactory()
    case = services.refer_to_committee(
        incident=incident, committee=committee_for(incident, SV), on=days_after(incident.report_date, 1)
    )
    # A hand-typed derived value does not stick: the incident's own trigger works it out again.
    Incident.objects.filter(pk=incident.pk).update(status=Status.CLOSED, referred_to_school_violence_committee=False)
    assert stored(incident) == {
        "status": Status.REFERRED,
        "status_reason": "",
        **flags(referred_to_school_violence_committee=True),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_committeecase SET hearing_date = %s WHERE id = %s",
            [days_after(case.requested_on, 5), case.pk],
        )
    assert stored(incident)["status"] == Status.HEARD  # (no measure recorded yet)
    assert stored(incident)["heard_by_school_violence_committee"] is True
    with deletes_allowed(), connection.cursor() as cursor:  # (the flush's allowance: ``no_delete``)
        cursor.execute("DELETE FROM cases_committeecase WHERE id = %s", [case.pk])
    assert stored(incident) == {"status": Status.REPORTED, "status_reason": "", **flags()}


def test_a_change_of_a_committees_kind_moves_the_flags_of_its_cases():
    incident = IncidentFactory()
    committee = committee_for(incident, SV)
    services.refer_to_committee(incident=incident, committee=committee, on=days_after(incident.report_date, 1))
    Committee.objects.filter(pk=committee.pk).update(kind=TR)
    assert stored(incident) == {
        "status": Status.REFERRED,
        "status_reason": "",
        **flags(referred_to_teacher_rights_committee=True),
    }


@pytest.mark.writes_around_services
def test_refresh_case_status_finds_missing_triggers_and_stale_rows_and_stores_them_again(settings):
    """A database written with its triggers off (a restore with --disable-triggers): the check says
    so, and the command stores the fields again."""
    settings.LANGUAGE_CODE = "en"
    out = io.StringIO()
    referred = IncidentFactory()
    services.refer_to_committee(
        incident=referred, committee=committee_for(referred, SV), on=days_after(referred.report_date, 1)
    )
    IncidentFactory()
    call_command("refresh_case_status", "--check", stdout=out)
    assert "match" in out.getvalue()

    with connection.cursor() as cursor:  # (rolled back with the test's transaction)
        for statement in triggers.drop_statements(connection.vendor):
            cursor.execute(statement)
    Incident.objects.filter(pk=referred.pk).update(status=Status.REPORTED, referred_to_school_violence_committee=False)
    assert out_of_step(Incident.objects.all()) == [referred.pk]
    with pytest.raises(
        CommandError, match=f"lacks the triggers.*1 incidents .* out of step .*: {referred.case_number}"
    ):
        call_command("refresh_case_status", "--check", stdout=out)

    with pytest.raises(CommandError, match="lacks the triggers"):
        call_command("refresh_case_status", stdout=out)
    assert stored(referred)["status"] == Status.REFERRED
    assert out_of_step(Incident.objects.all()) == []


def changed(value):
    """Another value of a stored field's type (a status or reason the incident does not have)."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    return Status.HEARD if value == Status.REPORTED else ClosureReason.RESOLVED_BY_PRINCIPAL


@pytest.mark.parametrize("field", DERIVED_INCIDENT_FIELDS)
def test_the_check_after_every_test_sees_each_stored_field_out_of_step(field):
    """tests/conftest.py's check after each test looks for a stale incident with one statement built
    once (``stale_incidents_found``) rather than ``out_of_step``: it finds the same incident, whichever
    stored field is wrong (and its caller then names the incidents through ``out_of_step``)."""
    from tests.conftest import stale_incidents_found

    IncidentFactory()
    incident = IncidentFactory()
    assert not stale_incidents_found()
    with transaction.atomic():  # rolled back, triggers and all, before the test's own check
        with connection.cursor() as cursor:
            for statement in triggers.drop_statements(connection.vendor):
                cursor.execute(statement)
        value = Incident.objects.filter(pk=incident.pk).values_list(field, flat=True).get()
        Incident.objects.filter(pk=incident.pk).update(**{field: changed(value)})
        assert out_of_step(Incident.objects.all()) == [incident.pk]
        assert stale_incidents_found()
        transaction.set_rollback(True)
    assert not stale_incidents_found()


def test_the_installed_triggers_are_the_ones_the_rule_generates():
    """The latest trigger migration holds, as text, what ``triggers.py`` makes of today's rule on both
    databases; after a change to the rule, ``manage.py derived_triggers`` writes the next one."""
    latest = triggers.latest_installation()
    for vendor in triggers.VENDORS:
        offline = triggers.offline_connection(vendor)
        assert latest.INSTALL[vendor] == triggers.installation_statements(offline), (
            f"the rule changed: run manage.py derived_triggers ({vendor})"
        )
    assert triggers.missing_triggers(connection) == []


def test_migrate_puts_back_a_trigger_that_a_table_rebuild_dropped():
    """SQLite rebuilds a table to add a check constraint, and its triggers go with the old one."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DROP TRIGGER IF EXISTS {triggers.PREFIX}_cases_measure_insert"
            + (' ON "cases_measure"' if connection.vendor == "postgresql" else "")
        )
    assert triggers.missing_triggers(connection) == [f"{triggers.PREFIX}_cases_measure_insert"]
    call_command("migrate", verbosity=0)
    assert triggers.missing_triggers(connection) == []


def test_new_incidents_saved_in_bulk_are_stored_as_their_records_give():
    """An import of new cases: reported with the fields' defaults, and one closed at once as closed."""
    school = SchoolFactory()

    def new_incident(number: str, **fields) -> Incident:
        return Incident(
            office=school.office,
            school=school,
            case_number=number,
            report_date=DEFAULT_REPORT_DATE,
            content_kind=Incident.ContentKind.SEXUAL_IMAGE,
            **fields,
        )

    plain = [new_incident("2024-0101"), new_incident("2024-0102")]
    closed = new_incident(
        "2024-0103",
        closed_on=days_after(DEFAULT_REPORT_DATE, 2),
        closure_reason=ClosureReason.RESOLVED_BY_PRINCIPAL,
    )
    rows = [services.ImportedRecord(record) for record in [*plain, closed]]
    assert services.save_imported_records(rows=rows, user=None, reason="test") == {}
    assert [stored(incident) for incident in plain] == [{"status": Status.REPORTED, "status_reason": "", **flags()}] * 2
    assert stored(closed) == {"status": Status.CLOSED, "status_reason": ClosureReason.RESOLVED_BY_PRINCIPAL, **flags()}


def test_a_save_stores_the_status_with_no_statement_of_its_own():
    """The services no longer work the status out: a committee case's save is its own statements
    only (the version's lock, the save), and the incident follows in the database."""
    incident = IncidentFactory()
    case = services.refer_to_committee(
        incident=incident, committee=committee_for(incident, SV), on=days_after(incident.report_date, 1)
    )
    case.hearing_scheduled_on = days_after(incident.report_date, 5)
    with CaptureQueriesContext(connection) as queries:
        services.save_record(record=case, actor=None)
    assert not [query for query in queries if query["sql"].startswith('UPDATE "cases_incident"')]
    assert [query for query in queries if query["sql"].startswith('UPDATE "cases_committeecase"')]
    assert stored(incident)["status"] == Status.HEARING_SCHEDULED


def test_an_update_of_updated_at_alone_does_not_derive_the_fields_again():
    """The touch triggers move the incident's ``updated_at`` after every write to its case's records
    (on SQLite with an UPDATE of the incident): that UPDATE, or any that changes ``updated_at`` alone,
    changes nothing the rule reads, so the incident's trigger does not work the fields out again.

    Seen by a status stored with that trigger off for a moment: an UPDATE of ``updated_at`` alone, and
    a write to a person of the case, leave it as it was; an UPDATE of another column derives it."""
    incident = IncidentFactory()
    name = f"{triggers.PREFIX}_{Incident._meta.db_table}_update"
    vendor = connection.vendor
    with connection.cursor() as cursor:  # (the trigger comes back below, and the test's transaction rolls back)
        for statement in triggers.drop_statements(vendor):
            if re.search(rf"\b{name}\b", statement):
                cursor.execute(statement)
        cursor.execute("UPDATE cases_incident SET status = %s WHERE id = %s", [Status.CLOSED, incident.pk])
        created = [s for s in triggers.latest_installation().INSTALL[vendor] if s.startswith("CREATE")]
        for statement in created:
            if re.search(rf"\b{name}\b", statement):
                cursor.execute(statement)
    assert triggers.missing_triggers(connection) == []

    Incident.objects.filter(pk=incident.pk).update(updated_at=LONG_AGO)
    assert stored(incident)["status"] == Status.CLOSED
    OffenderFactory(incident=incident)  # touches the incident
    assert Incident.objects.get(pk=incident.pk).updated_at > LONG_AGO
    assert stored(incident)["status"] == Status.CLOSED

    Incident.objects.filter(pk=incident.pk).update(police_referred_on=days_after(incident.report_date, 1))
    assert stored(incident)["status"] == Status.REPORTED
