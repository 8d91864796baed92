"""Browser tests: Playwright for Python driving the Chromium of Debian's ``chromium`` package.

Playwright never downloads a browser here: the tests find Chromium on the machine and pass it
as ``executable_path``. Without one, every test in this folder is skipped with the reason.
Screenshots of the main pages go to ``artifacts/screenshots/`` (git-ignored; CI keeps it).
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"


def find_chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def pytest_configure(config):
    config.addinivalue_line("markers", "e2e: a browser test (Playwright and Debian's Chromium)")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip("no Chromium installed (apt-get install chromium): browser tests skipped")
    return path


@pytest.fixture(scope="module")
def browser(chromium_path):
    """Chromium for one test module; Playwright and the environment are back as they were after it."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with pytest.MonkeyPatch.context() as patch, sync_api.sync_playwright() as playwright:
        # Playwright's sync API runs an event loop in the test's thread; the tests' own ORM calls
        # (the factories) are still plain synchronous code. Only while the browser runs, and
        # never in the environment of other tests (``check --deploy`` would warn).
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=CHROMIUM_FLAGS,
            headless=True,
            chromium_sandbox=False,
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """``new_page(language="ko")``: a page in a fresh browser context (its own cookies)."""
    contexts = []

    def make(language: str = "ko"):
        context = browser.new_context(
            base_url=live_server.url, locale="ko-KR" if language == "ko" else "en-US", accept_downloads=True
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
