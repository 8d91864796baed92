"""A clerk brings in a workbook in the browser: upload (with its progress bar), preview, import."""

import re

import pytest
from playwright.sync_api import expect

from casetracker.cases.models import Incident
from tests.factories import ChannelFactory, CommitteeFactory, OfficeFactory, SchoolFactory, UserFactory
from tests.imports.conftest import case_sheets, xlsx

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(db):
    office = OfficeFactory(code="seoul", name_ko="서울특별시교육청", name_en="Seoul")
    school = SchoolFactory(office=office, code="seoul-high-1")
    CommitteeFactory(
        office=office, local_office=school.local_office, name_ko="서울 학폭위", name_en="Seoul SV committee"
    )
    ChannelFactory(code="telegram")
    return UserFactory(username="clerk_seoul", office=office, is_staff=True)


def log_in(page, username: str) -> None:
    page.goto("/admin/login/?next=/imports/")
    page.fill("#id_username", username)
    page.fill("#id_password", "a-long-test-password")
    page.click("input[type=submit]")
    expect(page).to_have_url(re.compile(r"/imports/$"))


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_clerk_previews_then_imports_a_workbook(new_page, world, tmp_path, screenshot_dir, language):
    page = new_page(language)
    log_in(page, "clerk_seoul")
    bad = case_sheets()
    bad["victims"][0]["grade"] = 9
    (tmp_path / "bad.xlsx").write_bytes(xlsx(bad))
    page.set_input_files("input[type=file]", str(tmp_path / "bad.xlsx"))
    page.locator("form.upload-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
    errors = page.locator("table.import-errors tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first).to_contain_text("9")
    expect(page.locator("form[action$='/commit/']")).to_have_count(0)
    page.screenshot(path=screenshot_dir / f"import-preview-errors-{language}.png", full_page=True)

    page.goto("/imports/")
    (tmp_path / "good.xlsx").write_bytes(xlsx(case_sheets()))
    page.set_input_files("input[type=file]", str(tmp_path / "good.xlsx"))
    page.locator("form.upload-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
    page.screenshot(path=screenshot_dir / f"import-preview-{language}.png", full_page=True)
    assert not Incident.objects.exists()
    page.locator("form[action$='/commit/'] button").click()
    expect(page.locator(".messages .success")).to_be_visible()
    assert Incident.objects.filter(case_number="2024-0001").exists()
