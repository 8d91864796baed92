"""Fast entry (issue 18, item 3): a Busan clerk enters one ordinary case, two victims, one offender,
a police referral, a takedown, the committee referral, the hearing with two measures and one appeal,
through the new-case form and the case page's steps, in at most 4 page loads and under 60 actions;
then the reports moved by exactly that case. Both pages fit a 1366 x 768 screen (their screenshots
are docs/screenshots/new-case-1366x768.png and case-page-1366x768.png)."""

import io
import json
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from casetracker.cases.models import Appeal, Incident, Measure, OffenderVictimRelation
from casetracker.core.models import Committee, SchoolLevel
from tests.e2e.test_journeys import log_in
from tests.e2e.test_page_width import HEIGHT, OVERFLOW_JS, WIDTH
from tests.factories import CommitteeFactory, LocalOfficeFactory, OfficeFactory, SchoolFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAX_PAGE_LOADS = 4
MAX_ACTIONS = 59  # "under 60"
REPORTS = ("yearly", "offices", "measures", "survey")


class Counted:
    """The clerk's hands on ``page``: every click, fill, choice and key press counted, and every page
    the browser loads (a navigation of the main frame, a redirect after a post included)."""

    def __init__(self, page):
        self.page, self.actions, self.loads = page, 0, []
        page.on("framenavigated", lambda frame: frame == page.main_frame and self.loads.append(frame.url))

    def _act(self, locator, method: str, *args):
        self.actions += 1
        target = self.page.locator(locator) if isinstance(locator, str) else locator
        getattr(target, method)(*args)

    def click(self, locator):
        self._act(locator, "click")

    def fill(self, locator, value: str):
        self._act(locator, "fill", value)

    def select(self, locator, value: str):
        self._act(locator, "select_option", value)

    def check(self, locator):
        self._act(locator, "check")

    def press(self, locator, key: str):
        self._act(locator, "press", key)


def figures() -> dict:
    """Every count of the reports of 2025 (the case's report year), as ``manage.py report`` gives them."""
    found = {}
    for name in REPORTS:
        out = io.StringIO()
        call_command("report", name, "--from", "2025-01-01", "--to", "2025-12-31", "--format", "json", stdout=out)
        flatten(json.loads(out.getvalue()), name, found)
    return found


DIMENSIONS = ("office", "number", "year", "tier", "level")


def flatten(value, path: str, into: dict) -> None:
    """The counts of a report's JSON by path, each row named by its dimension (an office, a measure, a
    year), not by its place in the list."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "filters" and key not in DIMENSIONS:
                flatten(item, f"{path}.{key}", into)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict):
                row = next((str(item[key]) for key in DIMENSIONS if key in item), index)
                flatten(item, f"{path}[{row}]", into)
    elif isinstance(value, int) and not isinstance(value, bool):
        into[path] = value


def moved(before: dict, after: dict) -> dict:
    """The counts that changed (by how much); shares are left out, they follow the counts."""
    return {
        path: after.get(path, 0) - before.get(path, 0)
        for path in sorted(set(before) | set(after))
        if after.get(path, 0) != before.get(path, 0)
    }


@pytest.fixture
def busan(db):
    office = OfficeFactory(code="busan", name_ko="부산광역시교육청", name_en="Busan Metropolitan Office of Education")
    local = LocalOfficeFactory(office=office, name_ko="부산해운대교육지원청", name_en="Haeundae")
    school = SchoolFactory(office=office, local_office=local, level=SchoolLevel.MIDDLE, name_ko="부산시험중학교")
    SchoolFactory(office=office, name_ko="부산다른중학교", name_en="Another local office's school")
    committee = CommitteeFactory(office=office, local_office=local, kind=Committee.Kind.SCHOOL_VIOLENCE)
    UserFactory(username="clerk_busan", office=office, local_office=local, is_staff=True)
    return {"office": office, "school": school, "committee": committee}


def fits_the_screen(page, name: str, screenshot_dir) -> None:
    page.screenshot(path=str(screenshot_dir / f"{name}-1366x768.png"), full_page=True)
    assert page.evaluate(OVERFLOW_JS) == {}, name


def test_a_busan_clerk_enters_a_whole_case_in_four_page_loads(new_page, busan, screenshot_dir):
    before = figures()
    page = new_page("ko")
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    log_in(page, "clerk_busan")  # (signing in is not entering the case)
    clerk = Counted(page)

    # 1. The new-case form, from the admin's index: office, number and people's codes are filled in.
    clerk.click("a.addlink[href$='/cases/incident/add/']")
    expect(page.locator("#id_case_number")).to_have_value(re.compile(r"^\d{4}-0001$"))
    fits_the_screen(page, "new-case", screenshot_dir)
    clerk.fill("#id_report_date", "2025-04-07")
    clerk.click(".field-school .select2-selection")
    clerk.fill(".select2-search__field", "부산")
    own = page.locator(".select2-results__option", has_text="부산시험중학교")
    expect(own).to_be_visible()
    expect(page.locator(".select2-results__option", has_text="부산다른중학교")).to_have_count(0)
    clerk.click(own)
    clerk.select("#id_content_kind", Incident.ContentKind.SEXUAL_IMAGE)
    clerk.select("#id_image_source", Incident.ImageSource.SOCIAL_PROFILE)
    clerk.fill("#id_content_description", "V1, V2의 프로필 사진으로 만든 합성 이미지가 학급 단체 대화방에 공유됨")
    clerk.fill("#id_police_referred_on", "2025-04-08")
    for row in range(2):
        clerk.select(f"#id_victims-{row}-school_level", SchoolLevel.MIDDLE)
        clerk.fill(f"#id_victims-{row}-grade", "2")
    clerk.select("#id_offenders-0-school_level", SchoolLevel.MIDDLE)
    clerk.fill("#id_offenders-0-grade", "2")
    clerk.select("#id_new-relation_0_0", OffenderVictimRelation.Relation.CLASSMATE)
    clerk.select("#id_new-relation_1_0", OffenderVictimRelation.Relation.SAME_SCHOOL)
    clerk.select("#id_takedown_requests-0-platform", "telegram")
    clerk.fill("#id_takedown_requests-0-requested_on", "2025-04-08")
    clerk.select("#id_takedown_requests-0-outcome", "requested")
    clerk.select("#id_new-committee", str(busan["committee"].pk))
    clerk.fill("#id_new-referred_on", "2025-04-10")
    clerk.click("input[name=_save]")

    # 2. The case page, the case referred.
    expect(page).to_have_url(re.compile(r"/admin/cases/incident/\d+/change/$"))
    expect(page.locator(".messagelist .success")).to_contain_text("2025-0001")
    incident = Incident.objects.get(office=busan["office"])
    assert incident.case_number == "2025-0001"  # (the report's year, not today's)
    offender = incident.offenders.get()

    # 3. The hearing and its two measures, in the form the case page opens in place.
    clerk.click(page.locator(".committee-case summary", has_text="심의 결과 및 조치 입력"))
    hearing = page.locator(".committee-case details[open]")
    page.screenshot(path=str(screenshot_dir / "case-page-hearing-form-ko.png"), full_page=True)
    clerk.fill(hearing.locator("input[name=hearing_date]"), "2025-04-24")
    for row, number in enumerate(("1", "2")):
        clerk.select(hearing.locator(f"select[name=measure-{row}-offender]"), str(offender.pk))
        clerk.select(hearing.locator(f"select[name=measure-{row}-number]"), number)
    clerk.click(hearing.locator("button[type=submit]"))
    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(page.locator("table.measures tbody tr")).to_have_count(2)

    # 4. The offender's appeal against the first measure.
    clerk.click(page.locator("table.measures tbody tr").first.locator("summary", has_text="행정쟁송 제기 입력"))
    appeal = page.locator("table.measures details[open]")
    clerk.select(appeal.locator("select[name=appellant]"), Appeal.Appellant.OFFENDER)
    clerk.select(appeal.locator("select[name=kind]"), Appeal.Kind.ADMINISTRATIVE_APPEAL)
    clerk.fill(appeal.locator("input[name=filed_on]"), "2025-05-12")
    clerk.click(appeal.locator("button[type=submit]"))
    expect(page.locator(".messagelist .success")).to_be_visible()
    fits_the_screen(page, "case-page", screenshot_dir)

    assert len(clerk.loads) <= MAX_PAGE_LOADS, clerk.loads
    assert clerk.actions <= MAX_ACTIONS, clerk.actions

    # The case as entered.
    assert sorted(incident.victims.values_list("code", "grade")) == [("V1", 2), ("V2", 2)]
    assert sorted(OffenderVictimRelation.objects.values_list("victim__code", "relation")) == [
        ("V1", "classmate"),
        ("V2", "same_school"),
    ]
    assert incident.takedown_requests.count() == 1 and incident.police_referred_on is not None
    assert sorted(Measure.objects.filter(offender=offender).values_list("number", flat=True)) == [1, 2]
    assert Appeal.objects.filter(measure__offender=offender, outcome=Appeal.Outcome.PENDING).count() == 1

    # The reports moved by exactly this case.
    # The reports of 2025 moved by exactly this case, and nothing else moved.
    case = {
        # a report of 2025, referred and heard; one offending student, two student victims
        **{f"yearly.{row}.{key}": 1 for row in ("rows[2025]", "total") for key in ("reports", "heard", "offenders")},
        **{f"yearly.{row}.student_victims": 2 for row in ("rows[2025]", "total")},
        # the two final measures, 1 and 2 (off the school record), Busan's
        **{f"offices.{row}.{key}": 2 for row in ("rows[busan]", "total") for key in ("measures", "off_record")},
        "measures.rows[1].count": 1,
        "measures.rows[2].count": 1,
        "measures.subtotals[off_record].count": 2,
        "measures.total.count": 2,
        # the survey: a middle school's report, referred to the police, a takedown, two student victims
        **{
            f"survey.{row}.{key}": 1
            for row in ("rows[0]", "total")
            for key in ("reports", "middle", "police", "takedown")
        },
        **{f"survey.{row}.{key}": 2 for row in ("rows[0]", "total") for key in ("victims", "student_victims")},
    }
    assert moved(before, figures()) == case


def test_the_relations_grid_follows_the_rows_added_and_the_codes_typed(new_page, busan):
    page = new_page("ko")
    log_in(page, "clerk_busan")
    page.goto("/admin/cases/incident/add/")
    grid = page.locator("table.relation-grid")
    expect(grid.locator("thead th")).to_have_text(["피해자", "O1", "O2"])
    page.select_option("#id_new-relation_1_0", OffenderVictimRelation.Relation.CLASSMATE)
    page.locator("#victims-group .add-row a").click()
    page.fill("#id_victims-2-code", "V3")
    page.fill("#id_offenders-1-code", "O9")
    expect(grid.locator("tbody th")).to_have_text(["V1", "V2", "V3"])
    expect(grid.locator("thead th")).to_have_text(["피해자", "O1", "O9"])
    expect(page.locator("#id_new-relation_2_1")).to_be_visible()
    expect(page.locator("#id_new-relation_1_0")).to_have_value(OffenderVictimRelation.Relation.CLASSMATE)
