"""Saved views of the incident list in the browser: a clerk saves the list's filters under a name
with the form above the list, finds the view as a link, opens it, and the list and the page that
renames and deletes the views fit a 1366 x 768 screen (tests/cases/test_saved_views.py has the rules)."""

import datetime

import pytest

from casetracker.accounts.models import SavedListView
from tests.e2e.test_accessibility import sign_in, unlabelled_controls
from tests.e2e.test_page_width import HEIGHT, OVERFLOW_JS, WIDTH
from tests.factories import IncidentFactory, OfficeFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_clerk_saves_opens_and_finds_a_view(new_page, screenshot_dir, language):
    office = OfficeFactory(code="seoul", name_ko="서울특별시교육청", name_en="Seoul Metropolitan Office of Education")
    clerk = UserFactory(username="clerk_seoul", office=office, is_staff=True)
    IncidentFactory(office=office, case_number="2024-0001", report_date=datetime.date(2024, 5, 2))
    IncidentFactory(office=office, case_number="2023-0001", report_date=datetime.date(2023, 5, 2))
    for index in range(4):
        name = f"강남서초 관내 고등학교 미결 사안 {index}"
        SavedListView.objects.create(user=clerk, list_name="cases.incident", name=name, query="status=referred")
    page = sign_in(new_page, clerk, language)
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.goto("/admin/cases/incident/?report_date_year=2024")
    page.fill("#saved-view-name", "2024년 접수")
    page.click(".saved-views-save input[type=submit]")
    page.wait_for_url("**/admin/cases/incident/?report_date_year=2024")
    assert SavedListView.objects.filter(user=clerk, name="2024년 접수", query="report_date_year=2024").exists()
    assert page.evaluate(OVERFLOW_JS) == {}
    page.screenshot(path=str(screenshot_dir / f"saved-views-1366-{language}.png"))

    page.goto("/admin/cases/incident/")
    page.click("#saved-views >> text=2024년 접수")
    page.wait_for_url("**/admin/cases/incident/?report_date_year=2024")
    assert page.locator("#result_list tbody tr").count() == 1

    page.click(".saved-views-manage")
    assert page.evaluate(OVERFLOW_JS) == {}
    page.screenshot(path=str(screenshot_dir / f"saved-views-manage-1366-{language}.png"))
    assert unlabelled_controls(page) == []
