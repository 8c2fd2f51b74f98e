"""The API docs page (/api/v1/docs): vendored Swagger UI over /api/v1/openapi.json, offline, under the page CSP.

The browser context is offline except for the service itself: every request elsewhere is aborted and
counted, so a CDN or an online validator would show up here.
"""
from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def test_the_docs_page_lists_the_operations_offline_without_csp_errors(make_page, live_server):
    page, watch = make_page()
    blocked: list[str] = []

    def only_the_service(route):
        if route.request.url.startswith(live_server + "/"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_service)
    page.goto(f"{live_server}/api/v1/docs")
    page.wait_for_selector("h3.opblock-tag", timeout=20_000)
    tags = page.locator("h3.opblock-tag").all_inner_texts()
    assert {"guest", "offsetting", "staff", "ops", "sandbox"} <= {t.split()[0] for t in tags}, tags
    page.locator("h3.opblock-tag", has_text="offsetting").first.click()
    operations = page.locator(".opblock")
    operations.first.wait_for()
    assert operations.count() >= 10, "the offsetting operations are listed"
    order = page.locator(".opblock-post", has_text="/api/v1/orders").first
    order.locator(".opblock-summary").click()
    page.wait_for_selector(".opblock-body")
    body = page.locator(".opblock-body").first.inner_text()
    assert "insufficient_credits" in body and "Idempotency-Key" in body, body[:500]
    screenshot(page, "api-docs")
    assert not blocked, f"requests outside the service: {blocked}"
    csp = [m for m in watch.console if "Content Security Policy" in m or "Refused" in m]
    assert not csp, csp
    watch.assert_clean()
