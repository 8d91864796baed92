"""The API's docs page in a real browser: Swagger UI renders the operations from our own files
under the strict CSP, with no violation reported."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_docs_render_under_the_csp(new_page):
    page = new_page(language="en")
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto("/api/docs/")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/incidents/" in path for path in paths)
    assert any("/api/v1/releases/" in path for path in paths)
    assert not [problem for problem in problems if "Content Security Policy" in problem or "Refused" in problem], (
        problems
    )
