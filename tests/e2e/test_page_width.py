"""No page wider than a 1366 x 768 laptop screen at 100 % zoom (issue 18, item 8): the browser
measures each page's width after layout, with the long Korean labels and lists the pages hold."""

import pytest

from casetracker.cases.models import Incident
from tests.e2e.test_accessibility import sign_in
from tests.factories import (
    CommitteeCaseFactory,
    IncidentFactory,
    LocalOfficeFactory,
    MeasureFactory,
    OfficeFactory,
    SchoolFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 1366, 768
# How far the page reaches to the right, beyond the window's width (0: no horizontal scroll).
# And every box that scrolls sideways or cuts its content off (a table in a scrolling wrapper, a
# clipped column): {its description: how many pixels are out of sight}.
OVERFLOW_JS = """
() => {
  const hidden = {};
  const page = document.documentElement.scrollWidth - document.documentElement.clientWidth;
  if (page > 0) hidden["page"] = page;
  for (const el of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(el);
    if (!["auto", "scroll", "hidden", "clip"].includes(style.overflowX)) continue;
    if (el.clientWidth === 0 || style.position === "absolute") continue;  // (visually hidden text)
    const out = el.scrollWidth - el.clientWidth;
    if (out > 1) hidden[`${el.tagName.toLowerCase()}#${el.id}.${[...el.classList].join(".")}`] = out;
  }
  return hidden;
}
"""


@pytest.fixture
def office(db):
    office = OfficeFactory(code="seoul", name_ko="서울특별시교육청", name_en="Seoul Metropolitan Office of Education")
    local = LocalOfficeFactory(office=office, name_ko="서울강남서초교육지원청", name_en="Gangnam Seocho")
    school = SchoolFactory(office=office, local_office=local, name_ko="서울시험고등학교", name_en="Seoul Test High")
    for _index in range(4):
        MeasureFactory(committee_case__incident__office=office, committee_case__incident__school=school)
    CommitteeCaseFactory(incident=IncidentFactory(office=office, school=school))
    return office


def overflow(page, url: str) -> dict:
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.goto(url)
    return page.evaluate(OVERFLOW_JS)


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_clerks_pages_fit_a_laptop_screen(new_page, office, screenshot_dir, language):
    clerk = UserFactory(username="clerk_seoul", office=office, is_staff=True)
    page = sign_in(new_page, clerk, language)
    urls = [
        "/queue/",
        "/admin/",
        "/admin/cases/incident/",
        "/admin/cases/committeecase/",
        "/admin/cases/measure/",
        "/admin/cases/victim/",
        "/reports/",
        # The new-case form and a case page (issue 18, item 3; the journey's own: test_new_case_journey.py).
        "/admin/cases/incident/add/",
        f"/admin/cases/incident/{Incident.objects.filter(office=office).latest('pk').pk}/change/",
    ]
    wide = {url: pixels for url in urls if (pixels := overflow(page, url))}
    overflow(page, "/queue/")
    page.screenshot(path=str(screenshot_dir / f"dashboard-1366-{language}.png"))
    assert wide == {}


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_users_page_fits_a_laptop_screen(new_page, office, screenshot_dir, language):
    admin = UserFactory(username="admin_seoul", role="admin", office=office, is_staff=True)
    for index in range(12):
        UserFactory(username=f"clerk_{index:02}", office=office, first_name="길동", last_name="홍")
    page = sign_in(new_page, admin, language)
    clerk = type(admin).objects.get(username="clerk_00")
    urls = [
        "/admin/accounts/user/",
        f"/admin/accounts/user/{clerk.pk}/change/",
        "/admin/audit/accesslog/",
    ]
    wide = {url: pixels for url in urls if (pixels := overflow(page, url))}
    overflow(page, "/admin/accounts/user/")
    page.screenshot(path=str(screenshot_dir / f"users-1366-{language}.png"))
    assert wide == {}


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_reports_fit_a_laptop_screen(new_page, office, language):
    from casetracker.reports.definitions import REPORT_LIST

    supervisor = UserFactory(username="supervisor_national", supervisor=True, office=None, is_staff=True)
    page = sign_in(new_page, supervisor, language)
    urls = ["/reports/", "/queue/", *(f"/reports/{spec.name}/" for spec in REPORT_LIST)]
    wide = {url: pixels for url in urls if (pixels := overflow(page, url))}
    assert wide == {}
