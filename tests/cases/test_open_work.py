"""The open work the database keeps per local office (``cases/open_work.py``): the incidents' own
counts and their sums per office and local office move with every write, whatever path wrote it
(services, ``QuerySet.update()``, ``bulk_create``, raw SQL, deletes and their cascades, a school
moved to another local office), and the work queue's counts read from them are the queue's own
items, counted one by one. On PostgreSQL, the sums reach ``OpenWork`` at the commit.

(Every other test with the database also ends with the check that the sums match the incidents:
tests/conftest.py, ``derived_fields_in_step``.)
"""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone, translation

from casetracker.cases import open_work, selectors
from casetracker.cases.models import (
    CommitteeCase,
    Incident,
    Measure,
    OpenWork,
    PendingOpenWork,
    TakedownRequest,
)
from casetracker.core.models import Office, School
from casetracker.workflow.queue import Due, counts_by_office, queue_rows
from tests.factories import (
    AppealFactory,
    CommitteeCaseFactory,
    IncidentFactory,
    LocalOfficeFactory,
    MeasureFactory,
    OfficeFactory,
    SchoolFactory,
    TakedownRequestFactory,
    UserFactory,
)
from tests.wipe import delete_cases, deletes_allowed

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LONG_AGO = TODAY - datetime.timedelta(days=400)


def figures(user) -> dict[int, tuple[int, int, int]]:
    """(hearings, measures, takedowns) open in each office of ``user``'s scope, as the queue reads them."""
    offices = selectors.with_open_work(user, Office.objects.for_user(user))
    return {
        office.pk: (office.open_hearing, office.open_measure, office.open_takedown)
        for office in offices
        if (office.open_hearing, office.open_measure, office.open_takedown) != (0, 0, 0)
    }


def counted(user) -> dict[int, tuple[int, int, int]]:
    """The same, counted from the queue's items of every deadline, one by one."""
    found: dict[int, list[int]] = {}
    position = {Due.HEARING: 0, Due.MEASURE: 1, Due.TAKEDOWN: 2}
    for row in queue_rows(user, today=TODAY):
        if Due(row["due"]) in position:
            found.setdefault(row["office_pk"], [0, 0, 0])[position[Due(row["due"])]] += 1
    return {office: tuple(values) for office, values in found.items()}


@pytest.fixture
def scopes():
    """Two local offices of one office and another office, with a clerk of each scope and a national supervisor."""
    office = OfficeFactory(code="seoul")
    north, south = LocalOfficeFactory(office=office), LocalOfficeFactory(office=office)
    other = OfficeFactory(code="busan")
    schools = {
        "north": SchoolFactory(office=office, local_office=north),
        "south": SchoolFactory(office=office, local_office=south),
        "other": SchoolFactory(office=other),
    }
    users = {
        "office": UserFactory(office=office),
        "north": UserFactory(office=office, local_office=north),
        "south": UserFactory(office=office, local_office=south),
        "other": UserFactory(office=other),
        "national": UserFactory(supervisor=True, office=None),
    }
    return schools, users


def case(school: School, **kwargs) -> Incident:
    return IncidentFactory(office=school.office, school=school, report_date=LONG_AGO, **kwargs)


def assert_figures(users, expected: dict[str, dict]) -> None:
    for name, user in users.items():
        offices = {pk: values for pk, values in expected.get(name, {}).items()}
        assert figures(user) == counted(user) == offices, name
    assert open_work.out_of_step() == []


def test_every_write_moves_the_open_work_of_its_scope(scopes):
    schools, users = scopes
    seoul, busan = schools["north"].office_id, schools["other"].office_id
    incident = case(schools["north"])
    referred = CommitteeCaseFactory(incident=incident, requested_on=LONG_AGO)
    TakedownRequestFactory(incident=incident, requested_on=LONG_AGO)
    measure = MeasureFactory(
        committee_case=CommitteeCaseFactory(incident=case(schools["north"]), requested_on=LONG_AGO, heard=True)
    )
    TakedownRequestFactory(incident=case(schools["other"]), requested_on=LONG_AGO)
    elsewhere = {busan: (0, 0, 1)}

    def expect(**by_scope):
        office = {seoul: tuple(map(sum, zip(*by_scope.values(), strict=True)))} if by_scope else {}
        local = {name: {seoul: values} for name, values in by_scope.items() if values != (0, 0, 0)}
        assert_figures(users, {"office": office, **local, "other": elsewhere, "national": {**office, **elsewhere}})

    expect(north=(1, 1, 1))
    # QuerySet.update(): the hearing held, the measure carried out.
    CommitteeCase.objects.filter(pk=referred.pk).update(hearing_date=TODAY)
    Measure.objects.filter(pk=measure.pk).update(carried_out_on=TODAY)
    expect(north=(0, 0, 1))
    # Raw SQL: the hearing undone, the takedown answered, the measure not carried out after all.
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {CommitteeCase._meta.db_table} SET hearing_date = NULL WHERE id = %s", [referred.pk])
        cursor.execute(
            f"UPDATE {TakedownRequest._meta.db_table} SET outcome = 'removed' WHERE incident_id = %s", [incident.pk]
        )
        cursor.execute(f"UPDATE {Measure._meta.db_table} SET carried_out_on = NULL WHERE id = %s", [measure.pk])
    expect(north=(1, 1, 0))
    # The first case moved to the other local office's school; then that school to the first local office.
    Incident.objects.filter(pk=incident.pk).update(school=schools["south"])
    expect(north=(0, 1, 0), south=(1, 0, 0))
    School.objects.filter(pk=schools["south"].pk).update(local_office=schools["north"].local_office)
    expect(north=(1, 1, 0))
    # Closing the case ends its hearing's wait.
    Incident.objects.filter(pk=incident.pk).update(closed_on=TODAY)
    expect(north=(0, 1, 0))


def test_appeals_bulk_inserts_and_deletes(scopes):
    schools, users = scopes
    seoul = schools["north"].office_id
    incident = case(schools["north"])
    heard = CommitteeCaseFactory(incident=incident, requested_on=LONG_AGO, heard=True)
    measure = MeasureFactory(committee_case=heard)
    # A measure changed on appeal is replaced by the appeal's: one to carry out still.
    AppealFactory(measure=measure, changed=True)
    assert figures(users["north"]) == counted(users["north"]) == {seoul: (0, 1, 0)}
    # Revoked on appeal: none.
    other = MeasureFactory(committee_case=heard, number=3)
    assert figures(users["north"]) == {seoul: (0, 2, 0)}
    AppealFactory(measure=other, revoked=True)
    assert figures(users["north"]) == counted(users["north"]) == {seoul: (0, 1, 0)}

    TakedownRequest.objects.bulk_create(
        [TakedownRequest(incident=incident, platform="telegram", requested_on=LONG_AGO) for _ in range(3)]
    )
    assert figures(users["north"]) == counted(users["north"]) == {seoul: (0, 1, 3)}
    TakedownRequest.objects.filter(incident=incident)[:1].get().delete()
    assert figures(users["office"]) == counted(users["office"]) == {seoul: (0, 1, 2)}

    # The case deleted with all it holds (the ORM's cascade), and one deleted by raw SQL, records first.
    delete_cases(Incident.objects.filter(pk=incident.pk))  # (under the flush's allowance: ``no_delete``)
    assert figures(users["national"]) == {}
    raw = case(schools["south"])
    CommitteeCaseFactory(incident=raw, requested_on=LONG_AGO)
    assert figures(users["south"]) == {seoul: (1, 0, 0)}
    with deletes_allowed(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Incident._meta.db_table} WHERE id = %s", [raw.pk])
        cursor.execute(f"DELETE FROM {CommitteeCase._meta.db_table} WHERE incident_id = %s", [raw.pk])
    assert figures(users["national"]) == counted(users["national"]) == {}
    assert open_work.out_of_step() == []


def test_the_queue_counts_the_backlog_from_the_open_work(scopes, django_assert_num_queries):
    schools, users = scopes
    for school in schools.values():
        CommitteeCaseFactory(incident=case(school), requested_on=LONG_AGO)
        MeasureFactory(committee_case=CommitteeCaseFactory(incident=case(school), requested_on=LONG_AGO, heard=True))
        TakedownRequestFactory(incident=case(school), requested_on=TODAY - datetime.timedelta(days=3))
    for user in users.values():
        items = list(queue_rows(user, today=TODAY))
        with django_assert_num_queries(2):
            counts = counts_by_office(user, today=TODAY)
        assert sum(entry.total for entry in counts) == len(items)
        assert sum(entry.backlog for entry in counts) == sum(row["backlog"] for row in items) > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite adds to the sums at once")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_the_sums_move_at_the_commit(scopes):
    schools, users = scopes
    seoul = schools["north"].office_id
    with transaction.atomic():
        incident = case(schools["north"])
        CommitteeCaseFactory(incident=incident, requested_on=LONG_AGO)
        assert PendingOpenWork.objects.exists()
        assert not OpenWork.objects.filter(count__gt=0).exists()
        assert figures(users["north"]) == {seoul: (1, 0, 0)}  # its own changes, not committed
    assert not PendingOpenWork.objects.exists()
    assert list(OpenWork.objects.filter(count__gt=0).values_list("office_id", "kind", "count")) == [
        (seoul, "hearing", 1)
    ]
    assert figures(users["north"]) == {seoul: (1, 0, 0)}
    assert open_work.out_of_step() == []
    try:
        with transaction.atomic():
            CommitteeCaseFactory(incident=case(schools["north"]), requested_on=LONG_AGO)
            raise RuntimeError
    except RuntimeError:
        pass
    assert figures(users["office"]) == {seoul: (1, 0, 0)}
    assert open_work.out_of_step() == []


def test_the_sums_are_worked_out_again_from_the_incidents(scopes):
    schools, _users = scopes
    incident = case(schools["north"])
    CommitteeCaseFactory(incident=incident, requested_on=LONG_AGO)
    OpenWork.objects.all().delete()
    PendingOpenWork.objects.all().delete()
    assert open_work.out_of_step() == [(incident.office_id, schools["north"].local_office_id, "hearing", 0, 1)]
    with translation.override("en"), pytest.raises(CommandError, match="1 sums of open work"):
        call_command("refresh_case_status", "--check", stdout=io.StringIO())
    call_command("refresh_case_status", stdout=io.StringIO())
    assert open_work.out_of_step() == []
    call_command("refresh_case_status", "--check", stdout=io.StringIO())
