"""What clerks and supervisors do, done in a real browser (Korean, and one journey in English)."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from casetracker.accounts.models import User
from casetracker.cases.models import Incident, Measure
from casetracker.core.models import SchoolLevel
from casetracker.reports.definitions import REPORT_LIST
from tests.factories import (
    CommitteeCaseFactory,
    IncidentFactory,
    LocalOfficeFactory,
    MeasureFactory,
    OffenderFactory,
    OfficeFactory,
    SchoolFactory,
    UserFactory,
    days_after,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-test-password"


@pytest.fixture
def seoul(db):
    """Seoul's office with a high and a middle school, a clerk, and a referred case about a middle-school student."""
    office = OfficeFactory(code="seoul", name_ko="서울특별시교육청", name_en="Seoul Metropolitan Office of Education")
    local = LocalOfficeFactory(office=office, name_ko="서울강남서초교육지원청", name_en="Gangnam Seocho")
    high = SchoolFactory(office=office, local_office=local, name_ko="서울시험고등학교", name_en="Seoul Test High")
    middle = SchoolFactory(
        office=office,
        local_office=local,
        level=SchoolLevel.MIDDLE,
        name_ko="서울시험중학교",
        name_en="Seoul Test Middle",
    )
    committee_case = CommitteeCaseFactory(incident=IncidentFactory(office=office, school=middle))
    offender = OffenderFactory(incident=committee_case.incident, code="O-MID-1")
    for _ in range(5):  # enough measures that no count on the report is small
        MeasureFactory(committee_case__incident__office=office, committee_case__incident__school=high)
    clerk = UserFactory(username="clerk_seoul", office=office, is_staff=True)
    return {"office": office, "high": high, "committee_case": committee_case, "offender": offender, "clerk": clerk}


def seoul_measures(page) -> int:
    """The Seoul count of measures on the offices report (the row's first column)."""
    page.goto("/reports/offices/")
    row = page.locator("table.report-table tbody tr", has=page.locator("th", has_text="서울특별시교육청")).first
    return int(row.locator("td").first.inner_text().strip().replace(",", ""))


def log_in(page, username: str) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page).to_have_url(re.compile(r"/admin/$"))


def choose(page, field: str, text: str, within: str = "") -> None:
    """Pick ``text`` in the admin's autocomplete (select2) for ``field`` (in the ``within`` selector)."""
    page.locator(f"{within} .field-{field} .select2-selection".strip()).click()
    page.locator(".select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def test_clerk_enters_an_incident_and_sees_the_measure_error(new_page, seoul, screenshot_dir):
    UserFactory(username="supervisor_national", supervisor=True, office=None, is_staff=True)
    supervisor = new_page("ko")
    log_in(supervisor, "supervisor_national")
    measures_before = seoul_measures(supervisor)

    page = new_page("ko")
    page.goto("/admin/login/")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    log_in(page, "clerk_seoul")
    expect(page.locator("#user-tools")).to_contain_text("로그아웃")

    page.goto("/admin/cases/incident/add/")
    choose(page, "office", "서울특별시교육청")
    page.fill("#id_case_number", "2024-E2E-1")
    page.fill("#id_report_date", "2024-08-31")
    choose(page, "school", "서울시험고등학교")
    page.select_option("#id_content_kind", Incident.ContentKind.SEXUAL_IMAGE)
    page.select_option("#id_image_source", Incident.ImageSource.SOCIAL_PROFILE)
    page.fill("#id_content_description", "단체 대화방에 공유된 합성 이미지")
    for row in range(2):  # two victims, two offenders: the rows the new-case form opens with
        page.fill(f"#id_victims-{row}-code", f"V-E2E-{row + 1}")
        page.select_option(f"#id_victims-{row}-kind", "student")
        page.select_option(f"#id_victims-{row}-school_level", SchoolLevel.HIGH)
        page.fill(f"#id_victims-{row}-grade", "2")
        page.fill(f"#id_offenders-{row}-code", f"O-E2E-{row + 1}")
        page.select_option(f"#id_offenders-{row}-kind", "student")
        page.select_option(f"#id_offenders-{row}-school_level", SchoolLevel.HIGH)
        page.fill(f"#id_offenders-{row}-grade", "2")
    page.screenshot(path=screenshot_dir / "incident-entry-ko.png", full_page=True)
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_contain_text("2024-E2E-1")
    incident = Incident.objects.get(case_number="2024-E2E-1")
    assert incident.report_date == datetime.date(2024, 8, 31)
    assert sorted(incident.victims.values_list("code", flat=True)) == ["V-E2E-1", "V-E2E-2"]
    offenders = list(incident.offenders.order_by("code"))
    assert [offender.code for offender in offenders] == ["O-E2E-1", "O-E2E-2"]

    # The steps, from the case page: refer, then record the hearing with a measure for each offender.
    page.goto(f"/admin/cases/incident/{incident.pk}/change/")
    page.locator(".case-steps a", has_text="심의위원회 회부").click()
    page.select_option("#id_committee", str(seoul["committee_case"].committee_id))
    page.fill("#id_on", "2024-09-06")
    page.click("input[type=submit]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    new_case = incident.committee_cases.get()
    assert new_case.requested_on == datetime.date(2024, 9, 6)
    page.locator(".committee-case summary", has_text="심의 결과 및 조치 입력").click()  # (opens in place)
    hearing = page.locator(".committee-case details[open]")
    hearing.locator("input[name=hearing_date]").fill("2024-09-20")
    for row, (offender, number) in enumerate(zip(offenders, ("1", "2"), strict=True)):
        hearing.locator(f"select[name=measure-{row}-offender]").select_option(str(offender.pk))
        hearing.locator(f"select[name=measure-{row}-number]").select_option(number)
    hearing.locator("button[type=submit]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    page.screenshot(path=screenshot_dir / "case-workspace-ko.png", full_page=True)
    new_case.refresh_from_db()
    assert new_case.hearing_date == datetime.date(2024, 9, 20)
    assert sorted(Measure.objects.filter(committee_case=new_case).values_list("offender__code", "number")) == [
        ("O-E2E-1", 1),
        ("O-E2E-2", 2),
    ]

    # Expulsion is only for high-school students: the hearing's form says so on the measure's row.
    committee_case = seoul["committee_case"]
    page.goto(f"/admin/cases/incident/{committee_case.incident_id}/step/hearing/?on={committee_case.pk}")
    page.fill("#id_hearing_date", days_after(committee_case.requested_on, 14).isoformat())
    page.select_option("#id_measure-0-offender", str(seoul["offender"].pk))
    page.select_option("#id_measure-0-number", "9")
    page.click("input[type=submit]")
    expect(page.locator(".errornote")).to_be_visible()
    expect(page.locator(".errorlist").first).to_be_visible()
    assert not committee_case.measures.exists()

    # A national supervisor sees the two new measures counted for Seoul.
    assert seoul_measures(supervisor) == measures_before + 2


def test_admin_creates_a_clerk_account_that_can_log_in(new_page, seoul):
    UserFactory(username="admin_national", role=User.Role.ADMIN, office=None, is_staff=True)
    page = new_page("ko")
    log_in(page, "admin_national")
    page.goto("/admin/accounts/user/add/")
    page.fill("#id_username", "clerk_new")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.select_option("#id_role", User.Role.CLERK)
    choose(page, "office", "서울특별시교육청")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    account = User.objects.get(username="clerk_new")
    assert (account.role, account.office) == (User.Role.CLERK, seoul["office"])

    clerk = new_page("ko")
    log_in(clerk, "clerk_new")
    expect(clerk.locator("#user-tools")).to_contain_text("로그아웃")


def test_supervisor_reads_the_reports_drills_down_and_downloads_the_csv(new_page, seoul, screenshot_dir):
    UserFactory(username="supervisor_national", supervisor=True, office=None, is_staff=True)
    page = new_page("ko")
    log_in(page, "supervisor_national")

    page.goto("/queue/")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    page.screenshot(path=screenshot_dir / "work-queue-ko.png", full_page=True)
    for report in REPORT_LIST:
        response = page.goto(f"/reports/{report.name}/")
        assert response.status == 200, report.name
        page.screenshot(path=screenshot_dir / f"report-{report.name}-ko.png", full_page=True)

    page.goto("/reports/offices/")
    link = page.locator("a[href*='/reports/offices/cases/']").first
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(re.compile(r"/reports/offices/cases/\?"))
    expect(page.locator("table")).to_be_visible()
    page.screenshot(path=screenshot_dir / "report-offices-drilldown-ko.png", full_page=True)

    page.goto("/reports/offices/")
    with page.expect_download() as download_info:
        page.locator("a[href*='download.csv']").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig") as csv_file:
        content = csv_file.read()
    assert "서울특별시교육청" in content


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_clerk_of_another_office_is_refused_the_case(new_page, seoul, language):
    UserFactory(username="clerk_gyeonggi", office=OfficeFactory(code="gyeonggi"), is_staff=True)
    case_url = f"/admin/cases/incident/{seoul['committee_case'].incident.pk}/change/"
    page = new_page(language)
    log_in(page, "clerk_gyeonggi")
    if language == "en":
        page.locator("#user-tools .language-switch button[value=en]").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")

    page.goto(case_url)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    message = page.locator(".messagelist .warning")
    expect(message).to_be_visible()
    expect(message).to_contain_text("Perhaps it was deleted?" if language == "en" else "찾을 수 없습니다")
