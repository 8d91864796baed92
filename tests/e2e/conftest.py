"""Browser tests: Playwright for Python driving the Chromium of Debian's ``chromium`` package.

Playwright never downloads a browser here: the tests find Chromium on the machine and pass it
as ``executable_path``. Without one, every test in this folder is skipped with the reason.
Screenshots of the main pages go to ``artifacts/screenshots/`` (git-ignored; CI keeps it).
"""

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

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


class OneRequestAtATime(ThreadedWSGIServer):
    """The live server, answering one request at a time (each still in a thread of its own).

    On SQLite the server's threads share the test's in-memory connection: two requests at once
    (a page's autocompletes) would interleave their transactions and savepoints on it, and a
    request still running when its test ends would meet the flush. The lock is held from the
    call of the application to the close of its response (a streamed export reads the database
    while it is sent)."""

    lock = threading.Lock()
    started = 0  # requests begun, read by ``requests_answered``

    def set_app(self, application):
        def one_at_a_time(environ, start_response):
            self.lock.acquire()
            OneRequestAtATime.started += 1
            try:
                return Released(application(environ, start_response), self.lock)
            except BaseException:
                self.lock.release()
                raise

        super().set_app(one_at_a_time)


class Released:
    """A response's iterable that releases ``lock`` when the server closes it (PEP 3333)."""

    def __init__(self, result, lock):
        self.result, self.lock = result, lock

    def __iter__(self):
        return iter(self.result)

    def close(self):
        try:
            if hasattr(self.result, "close"):
                self.result.close()
        finally:
            self.lock.release()


LiveServerThread.server_class = OneRequestAtATime  # (pytest-django's live_server makes Django's thread)


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
    requests_answered()


def requests_answered(quiet: float = 0.6) -> None:
    """Wait until the live server has answered every request of the test (the database is flushed
    next, and the next test may open a transaction on the same connection). A request the browser
    sent just before its context closed can still wait in the server's socket until its next poll
    (0.5 s): done once none has started for longer than that, and none is running."""
    while True:
        with OneRequestAtATime.lock:
            started = OneRequestAtATime.started
        time.sleep(quiet)
        with OneRequestAtATime.lock:
            if OneRequestAtATime.started == started:
                return


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
