"""The work-queue items' stored local office (``cases/local_offices.py``): a committee case, measure
or takedown request holds its case's school's local office whatever wrote it (the ORM, ``update()``,
``bulk_create``, raw SQL, a value typed by hand, rows written before their incident), and follows a
case moved to another school, a school moved to another local office, a committee case moved to
another incident and a measure to another committee case; ``refresh_statements`` puts right what
was written with the triggers off, as ``manage.py refresh_case_status`` does.

(Every other test with the database also ends with the check that every item is in step:
tests/conftest.py, ``derived_fields_in_step``.)
"""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone, translation

from casetracker.cases import local_offices
from casetracker.cases.models import CommitteeCase, Incident, Measure, TakedownRequest
from casetracker.core.models import School
from tests.factories import (
    CommitteeCaseFactory,
    IncidentFactory,
    LocalOfficeFactory,
    MeasureFactory,
    OfficeFactory,
    SchoolFactory,
    TakedownRequestFactory,
)

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.localdate() - datetime.timedelta(days=400)


@pytest.fixture
def schools():
    office = OfficeFactory(code="seoul")
    north, south = LocalOfficeFactory(office=office), LocalOfficeFactory(office=office)
    return {
        "north": SchoolFactory(office=office, local_office=north),
        "south": SchoolFactory(office=office, local_office=south),
        "none": SchoolFactory(office=office, local_office=None),
    }


def stored(*records) -> list[int | None]:
    return [type(record).objects.values_list("local_office_id", flat=True).get(pk=record.pk) for record in records]


def items(school: School):
    incident = IncidentFactory(office=school.office, school=school, report_date=LONG_AGO)
    case = CommitteeCaseFactory(incident=incident, requested_on=LONG_AGO, heard=True)
    return incident, case, MeasureFactory(committee_case=case), TakedownRequestFactory(incident=incident)


def test_every_write_keeps_the_local_office_of_the_cases_school(schools):
    north, south = schools["north"].local_office_id, schools["south"].local_office_id
    incident, case, measure, takedown = items(schools["north"])
    assert stored(case, measure, takedown) == [north] * 3
    # The case moved to another school, that school to no local office, then to the first one.
    Incident.objects.filter(pk=incident.pk).update(school=schools["south"])
    assert stored(case, measure, takedown) == [south] * 3
    School.objects.filter(pk=schools["south"].pk).update(local_office=None)
    assert stored(case, measure, takedown) == [None] * 3
    School.objects.filter(pk=schools["south"].pk).update(local_office=north)
    assert stored(case, measure, takedown) == [north] * 3
    School.objects.filter(pk=schools["south"].pk).update(local_office=south)
    # A save through the ORM (which writes the instance's stale value), a value typed by hand (raw SQL).
    Incident.objects.filter(pk=incident.pk).update(school=schools["none"])
    case.save()
    with connection.cursor() as cursor:
        for model, record in ((Measure, measure), (TakedownRequest, takedown)):
            cursor.execute(f"UPDATE {model._meta.db_table} SET local_office_id = %s WHERE id = %s", [south, record.pk])
    assert stored(case, measure, takedown) == [None] * 3
    # A committee case moved to another incident takes its measures along; a measure moved to another case.
    other, _other_case, other_measure, _ = items(schools["south"])
    CommitteeCase.objects.filter(pk=case.pk).update(incident=other)
    assert stored(case, measure) == [south] * 2
    Measure.objects.filter(pk=other_measure.pk).update(committee_case=CommitteeCaseFactory(incident=incident))
    assert stored(other_measure) == [None]
    assert local_offices.out_of_step() == []


def test_bulk_and_raw_inserts_and_rows_written_before_their_incident(schools):
    north = schools["north"].local_office_id
    incident = IncidentFactory(office=schools["north"].office, school=schools["north"], report_date=LONG_AGO)
    created = TakedownRequest.objects.bulk_create(
        [TakedownRequest(incident=incident, platform="telegram", requested_on=LONG_AGO) for _ in range(3)]
    )
    assert stored(*created) == [north] * 3
    # As ``generate_cases`` writes them: the records first (with a wrong local office here), the
    # incident after, in one transaction (the foreign keys are checked at the commit).
    later = Incident.objects.order_by("-pk").values_list("pk", flat=True).first() + 100
    wrong = schools["south"].local_office_id
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {CommitteeCase._meta.db_table} (incident_id, committee_id, requested_on, extension_reason, "
            "closure_reason, version, created_at, updated_at, local_office_id) "
            "SELECT %s, committee_id, requested_on, '', '', 1, created_at, updated_at, %s FROM "
            f"{CommitteeCase._meta.db_table} WHERE id = %s",
            [later, wrong, CommitteeCaseFactory(incident=incident).pk],
        )
    case = CommitteeCase.objects.get(incident_id=later)
    assert stored(case) == [wrong]  # kept while its incident is not there
    IncidentFactory(pk=later, office=schools["north"].office, school=schools["north"], report_date=LONG_AGO)
    assert stored(case) == [north]
    assert local_offices.out_of_step() == []


def test_what_was_written_with_the_triggers_off_is_found_and_put_right(schools):
    north = schools["north"].local_office_id
    _incident, case, measure, takedown = items(schools["north"])
    with connection.cursor() as cursor:
        for statement in local_offices.drop_statements(connection.vendor):
            cursor.execute(statement)
        for model in (CommitteeCase, Measure, TakedownRequest):
            cursor.execute(f"UPDATE {model._meta.db_table} SET local_office_id = NULL")
    assert {(label, pk) for label, pk, *_ in local_offices.out_of_step()} == {
        ("cases.CommitteeCase", case.pk),
        ("cases.Measure", measure.pk),
        ("cases.TakedownRequest", takedown.pk),
    }
    with connection.cursor() as cursor:
        for statement in local_offices.create_statements(connection.vendor):
            cursor.execute(statement)
    with translation.override("en"), pytest.raises(CommandError, match="3 work-queue items store a local office"):
        call_command("refresh_case_status", "--check", stdout=io.StringIO())
    call_command("refresh_case_status", stdout=io.StringIO())
    assert stored(case, measure, takedown) == [north] * 3
    assert local_offices.out_of_step() == []
    call_command("refresh_case_status", "--check", stdout=io.StringIO())
