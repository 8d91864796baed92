"""On the shipped data: an office's export re-imports as no change, and rebuilds the office's cases."""

import pytest
from django.db.models import Count

from casetracker.accounts.models import User
from casetracker.cases.models import Incident, Measure
from casetracker.core.models import Office
from casetracker.imports import exports
from casetracker.imports.readers import UploadedFile
from tests.factories import UserFactory
from tests.reports.test_live_figures import figures
from tests.wipe import delete_cases

from .conftest import record_counts, run

pytestmark = pytest.mark.usefixtures("shipped_data", "db")


@pytest.fixture
def seoul_clerk() -> User:
    return UserFactory(username="clerk_seoul", office=Office.objects.get(code="seoul"))


def measures_by_number(office: Office) -> dict[int, int]:
    measures = Measure.objects.filter(committee_case__incident__office=office).final()
    return dict(measures.values_list("number").annotate(count=Count("id")))


@pytest.mark.parametrize(("file_format", "name"), [("xlsx", "seoul.xlsx"), ("zip", "seoul.zip")])
def test_an_export_reimports_as_no_change(seoul_clerk, file_format, name):
    sheets = exports.case_rows(seoul_clerk, seoul_clerk.office)
    content = exports.write_xlsx(sheets) if file_format == "xlsx" else exports.write_csv_zip(sheets)
    before = record_counts()
    result = run(seoul_clerk, [UploadedFile(name, content)])
    assert result.ok, result.errors
    assert result.rows > 500
    assert all(sheet.created == sheet.updated == 0 for sheet in result.sheets)
    assert record_counts() == before


def test_an_export_rebuilds_the_office_cases_and_their_figures(seoul_clerk):
    office = seoul_clerk.office
    content = exports.write_xlsx(exports.case_rows(seoul_clerk, office))
    expected = (Incident.objects.filter(office=office).count(), measures_by_number(office))
    delete_cases(Incident.objects.filter(office=office))
    result = run(seoul_clerk, [UploadedFile("seoul.xlsx", content)])
    assert result.ok, result.errors
    assert (Incident.objects.filter(office=office).count(), measures_by_number(office)) == expected


def test_an_import_rebuilds_every_report_figure(seoul_clerk):
    """The imported incidents get their status and referrals from the database as the rows go in:
    every cell of every report comes back, the referral-based ones (yearly, teacher rights) too."""
    reader = UserFactory(supervisor=True, office=None)
    office = seoul_clerk.office
    before = figures(reader)
    content = exports.write_xlsx(exports.case_rows(seoul_clerk, office))
    delete_cases(Incident.objects.filter(office=office))
    emptied = figures(reader)
    assert emptied["yearly", "main", "total", "reports"] < before["yearly", "main", "total", "reports"]
    result = run(seoul_clerk, [UploadedFile("seoul.xlsx", content)])
    assert result.ok, result.errors
    after = figures(reader)
    # (The layout has no sheet for takedown requests, so the deleted ones do not come back.)
    takedowns = ("survey", "main", "all", "takedown")
    assert after.pop(takedowns) < before.pop(takedowns)
    assert after == before
