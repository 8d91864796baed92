"""With a read replica (DATABASE_REPLICA_URL), report pages, files and the report command read
from it, and a clerk's save writes to the primary and reads nothing from the replica.

The "replica" alias of the test settings is a test mirror of the test database, so both
aliases see the same rows through two connections. The tests commit (``transaction=True``):
another connection cannot see a test's uncommitted rows.
"""

import io

import pytest
from django.core.management import call_command
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casetracker.cases.models import Incident, Offender, Victim
from casetracker.core.models import SchoolLevel
from tests.cases.test_admin import add_rows, incident_form, page_data
from tests.factories import IncidentFactory, OffenderFactory, SchoolFactory, UserFactory, VictimFactory

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture(autouse=True)
def replica_router(settings):
    settings.DATABASE_ROUTERS = ["casetracker.core.db_router.ReplicaRouter"]


@pytest.fixture
def incident():
    incident = IncidentFactory()
    VictimFactory(incident=incident)
    OffenderFactory(incident=incident)
    return incident


class Queries:
    """The SQL sent to the primary and to the replica while the block runs."""

    def __enter__(self):
        self.primary = CaptureQueriesContext(connections["default"])
        self.replica = CaptureQueriesContext(connections["replica"])
        self.primary.__enter__()
        self.replica.__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.primary.__exit__(*exc)

    @staticmethod
    def case_reads(captured) -> list[str]:
        return [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT") and '"cases_' in q["sql"]]


@pytest.mark.parametrize(
    "url",
    [
        reverse("reports:detail", args=["offices"]),
        reverse("reports:print", args=["survey"]),
        reverse("reports:csv", args=["offices"]),
        reverse("reports:xlsx", args=["yearly"]),
        reverse("reports:cases", args=["yearly"]) + "?table=main&row=total&column=reports",
    ],
    ids=["page", "print", "csv", "xlsx", "drill-down"],
)
def test_report_requests_read_cases_from_the_replica(client, incident, url):
    client.force_login(UserFactory(supervisor=True, office=None))

    with Queries() as queries:
        response = client.get(url)

    assert response.status_code == 200
    assert Queries.case_reads(queries.replica), "the report read no cases from the replica"
    assert Queries.case_reads(queries.primary) == []
    # Who is signed in is read from the primary, never from the replica.
    assert not [q for q in queries.replica.captured_queries if "django_session" in q["sql"]]
    assert not [q for q in queries.replica.captured_queries if '"accounts_user"' in q["sql"]]


def test_the_report_command_reads_from_the_replica_and_logs_on_the_primary(incident):
    with Queries() as queries:
        call_command("report", "offices", "--format", "json", stdout=io.StringIO())

    assert Queries.case_reads(queries.replica)
    assert Queries.case_reads(queries.primary) == []
    assert [q for q in queries.primary.captured_queries if q["sql"].startswith('INSERT INTO "audit_accesslog"')]
    # (Reads only: the cache's tokens are a UNION, "(SELECT ...) UNION ALL (SELECT ...)" on PostgreSQL.)
    assert not [q for q in queries.replica.captured_queries if not q["sql"].lstrip("(").startswith("SELECT")]


def test_a_clerks_save_in_the_admin_uses_the_primary_only(client):
    school = SchoolFactory(level=SchoolLevel.MIDDLE)
    client.force_login(UserFactory(office=school.office))
    add_url = reverse("admin:cases_incident_add")
    page = client.get(add_url)
    data = page_data(page)
    data.update(incident_form(school))
    add_rows(data, page, Victim, [{"code": "V1", "kind": "student", "school_level": "middle", "grade": "2"}])
    add_rows(data, page, Offender, [{"code": "O1", "kind": "student", "school_level": "middle", "grade": "3"}])

    with Queries() as queries:
        response = client.post(add_url, data)

    assert response.status_code == 302
    assert queries.replica.captured_queries == []
    assert [q for q in queries.primary.captured_queries if q["sql"].startswith('INSERT INTO "cases_incident"')]
    incident = Incident.objects.using("default").get(case_number="2024-0042")
    assert (incident.victims.count(), incident.offenders.count()) == (1, 1)


def test_without_the_router_reports_read_the_primary(client, incident, settings):
    settings.DATABASE_ROUTERS = []
    client.force_login(UserFactory(supervisor=True, office=None))

    with Queries() as queries:
        response = client.get(reverse("reports:detail", args=["offices"]))

    assert response.status_code == 200
    assert queries.replica.captured_queries == []
    assert Queries.case_reads(queries.primary)
