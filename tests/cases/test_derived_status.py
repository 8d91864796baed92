"""The status and committee referrals stored on each incident: derived from its records by one rule,
stored again by every write, and checked or rebuilt by a command.

(Every other test with the database also ends with the check that nothing is out of step:
tests/conftest.py, ``derived_fields_in_step``.)
"""

import importlib
import io

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from casetracker.cases import services
from casetracker.cases.models import DERIVED_INCIDENT_FIELDS, ClosureReason, Incident
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

pytestmark = pytest.mark.django_db

SV, TR = Committee.Kind.SCHOOL_VIOLENCE, Committee.Kind.TEACHER_RIGHTS


def stored(incident: Incident) -> dict:
    return Incident.objects.filter(pk=incident.pk).values(*DERIVED_INCIDENT_FIELDS).get()


def flags(**set_flags) -> dict:
    names = [name for name in DERIVED_INCIDENT_FIELDS if name not in ("status", "status_reason")]
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

    services.delete_record(record=case)
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


@pytest.mark.writes_around_services
def test_refresh_case_status_checks_and_stores_them_again(settings):
    settings.LANGUAGE_CODE = "en"
    out = io.StringIO()
    referred = IncidentFactory()
    services.refer_to_committee(
        incident=referred, committee=committee_for(referred, SV), on=days_after(referred.report_date, 1)
    )
    IncidentFactory()
    call_command("refresh_case_status", "--check", stdout=out)
    assert "match" in out.getvalue()

    # A change made around the services (a restore, a correction in SQL):
    Incident.objects.filter(pk=referred.pk).update(status=Status.REPORTED, referred_to_school_violence_committee=False)
    assert out_of_step(Incident.objects.all()) == [referred.pk]
    with pytest.raises(CommandError, match=f"1 incidents .* out of step .*: {referred.case_number}"):
        call_command("refresh_case_status", "--check", stdout=out)

    call_command("refresh_case_status", stdout=out)
    assert stored(referred)["status"] == Status.REFERRED
    assert out_of_step(Incident.objects.all()) == []


@pytest.mark.writes_around_services
def test_the_migration_works_them_out_for_the_incidents_already_there():
    incident = IncidentFactory()
    services.close_case(incident=incident, on=incident.report_date, reason=ClosureReason.OTHER)
    Incident.objects.update(status=Status.REPORTED, status_reason="")
    migration = importlib.import_module("casetracker.cases.migrations.0006_derived_status_and_referrals")
    migration.store_derived(apps, schema_editor=None)
    assert stored(incident)["status"] == Status.CLOSED
    assert stored(incident)["status_reason"] == ClosureReason.OTHER


def test_new_incidents_saved_in_bulk_are_worked_out_only_when_they_close_at_once():
    """A new case has nothing recorded under it: reported, its fields' defaults, with no SELECT
    over its committee cases (an import of new cases skips one per 500); one closed at once is
    worked out as any other."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

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
    with CaptureQueriesContext(connection) as queries:
        errors = services.save_imported_records(
            rows=[services.ImportedRecord(record) for record in plain], user=None, reason="test"
        )
    assert errors == {}
    assert not [query for query in queries if "cases_committeecase" in query["sql"]]
    assert [stored(incident) for incident in plain] == [{"status": Status.REPORTED, "status_reason": "", **flags()}] * 2

    closed = new_incident(
        "2024-0103",
        closed_on=days_after(DEFAULT_REPORT_DATE, 2),
        closure_reason=ClosureReason.RESOLVED_BY_PRINCIPAL,
    )
    assert services.save_imported_records(rows=[services.ImportedRecord(closed)], user=None, reason="test") == {}
    assert stored(closed) == {"status": Status.CLOSED, "status_reason": ClosureReason.RESOLVED_BY_PRINCIPAL, **flags()}


def test_storing_the_status_again_takes_three_selects_and_an_update_only_when_it_moves():
    """Every save runs this: lock the incident, list the committees (both kinds at once), work
    the fields out; write only what moved."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casetracker.cases.status import refresh_derived_of

    incident = IncidentFactory()
    committee_for(incident, SV)

    def statements() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            refresh_derived_of(incident)
        return [query["sql"].split()[0] for query in queries if "SAVEPOINT" not in query["sql"]]

    assert statements() == ["SELECT", "SELECT", "SELECT"]
    Incident.objects.filter(pk=incident.pk).update(status=Status.DECIDED)  # (out of step on purpose)
    assert statements() == ["SELECT", "SELECT", "SELECT", "UPDATE"]
    assert stored(incident)["status"] == Status.REPORTED
