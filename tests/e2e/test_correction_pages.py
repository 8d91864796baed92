"""The case page with a correction button beside each recorded step, and the correction pages
themselves, fit a 1366 x 768 screen in either language (tests/cases/test_step_corrections.py has
the rules)."""

import pytest

from casetracker.cases import steps
from tests.e2e.test_accessibility import sign_in
from tests.e2e.test_page_width import overflow
from tests.factories import AppealFactory, UserFactory, days_after

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["ko", "en"])
def test_the_case_page_with_its_corrections_and_their_pages_fit_a_laptop_screen(new_page, screenshot_dir, language):
    appeal = AppealFactory(upheld=True)
    measure = appeal.measure
    case = measure.committee_case
    incident = case.incident
    steps.record_measure_carried_out(measure=measure, on=days_after(appeal.decided_on, 1), actor=None)
    steps.close_case(incident=incident, on=days_after(appeal.decided_on, 2), actor=None)
    clerk = UserFactory(username="clerk_corrections", office=incident.office, is_staff=True)
    page = sign_in(new_page, clerk, language)
    base = f"/admin/cases/incident/{incident.pk}"
    urls = [
        f"{base}/change/",
        f"{base}/correct/referral/?on={case.pk}",
        f"{base}/correct/hearing/?on={case.pk}",
        f"{base}/correct/extension/?on={case.pk}",
        f"{base}/correct/schedule/?on={case.pk}",
        f"{base}/correct/measure/?on={measure.pk}",
        f"{base}/correct/carried_out/?on={measure.pk}",
        f"{base}/correct/appeal/?on={appeal.pk}",
        f"{base}/correct/appeal_decision/?on={appeal.pk}",
        f"{base}/correct/undo_appeal_decision/?on={appeal.pk}",
        f"{base}/correct/reopen/",
    ]
    wide = {url: pixels for url in urls if (pixels := overflow(page, url))}
    overflow(page, f"{base}/change/")
    # (No extension nor schedule recorded; the decision is corrected, not undone, in a case closed with it.)
    assert page.locator("a.correct-step").count() == 6
    page.screenshot(path=str(screenshot_dir / f"case-page-corrections-1366-{language}.png"), full_page=True)
    overflow(page, f"{base}/correct/measure/?on={measure.pk}")
    page.screenshot(path=str(screenshot_dir / f"correct-measure-1366-{language}.png"))
    assert wide == {}
