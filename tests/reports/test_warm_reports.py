"""``manage.py warm_reports``: every report counted ahead of its readers, for each reading scope an
active account has; afterwards each of them reads every report with the tokens' query only."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casetracker.reports.definitions import REPORT_LIST, REPORTS_BY_NAME
from casetracker.reports.management.commands.warm_reports import readers
from casetracker.reports.reporting import run_report
from tests.factories import IncidentFactory, LocalOfficeFactory, MeasureFactory, SchoolFactory, UserFactory
from tests.reports.test_cache import committed

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts():
    first = IncidentFactory(report_date=datetime.date(2023, 5, 1))
    MeasureFactory(committee_case__incident=first)
    local_office = LocalOfficeFactory(office=first.office)
    second = IncidentFactory(office=first.office, school=SchoolFactory(office=first.office, local_office=local_office))
    IncidentFactory(report_date=datetime.date(2024, 2, 1))  # another office
    committed()
    return {
        "national": UserFactory(supervisor=True, office=None),
        "office": UserFactory(office=first.office),
        "local office": UserFactory(office=first.office, local_office=second.school.local_office),
        "deactivated": UserFactory(supervisor=True, office=None, is_active=False),
    }


def queries_of(user, name: str, **data) -> int:
    """The queries of one run of the report that count case records (not the tokens', nor the list of
    a trend's years, the first and the last from an index)."""
    with CaptureQueriesContext(connection) as queries:
        run_report(REPORTS_BY_NAME[name], user, data)
    return sum("COUNT(" in query["sql"] for query in queries)


def test_one_reader_per_scope_the_national_one_first(accounts):
    found = readers()
    assert found[0].case_scope.national
    scopes = [(user.case_scope, user.reference_scope) for user in found]
    assert len(scopes) == len(set(scopes)) == 3  # national (the command's and the supervisor's), office, local office
    assert accounts["deactivated"] not in found


@pytest.mark.parametrize("reader", ["national", "office", "local office"])
def test_after_warming_every_reader_reads_every_report_from_the_counts(accounts, reader):
    out = io.StringIO()
    call_command("warm_reports", stdout=out)
    assert "7" in out.getvalue() and "3" in out.getvalue()
    for spec in REPORT_LIST:
        assert queries_of(accounts[reader], spec.name) == 0, spec.name
        # A year's filter shares the year's counts: the tables are built from them, nothing counted.
        assert queries_of(accounts[reader], spec.name, date_from="2023-01-01", date_to="2023-12-31") == 0, spec.name


def test_without_warming_a_report_counts(accounts):
    assert queries_of(accounts["office"], "offices") > 0


def test_one_report_only(accounts):
    call_command("warm_reports", "--report", "measures", stdout=io.StringIO())
    assert queries_of(accounts["national"], "measures") == 0
    assert queries_of(accounts["national"], "offices") > 0


def test_an_unknown_report_is_refused(accounts):
    with pytest.raises(CommandError, match="nonesuch"):
        call_command("warm_reports", "--report", "nonesuch")


def test_nothing_to_warm_without_a_cache(accounts, settings):
    settings.REPORTS_CACHE_SECONDS = 0
    with pytest.raises(CommandError, match="REPORTS_CACHE_SECONDS"):
        call_command("warm_reports")


def test_a_cache_of_its_own_memory_is_said(accounts):
    """Without Redis (the test settings' memory cache), the counts stay in the command's process."""
    err = io.StringIO()
    call_command("warm_reports", "--report", "measures", stdout=io.StringIO(), stderr=err)
    assert "REDIS_URL" in err.getvalue()
