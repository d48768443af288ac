"""``/api/docs``: a signed-in user reads the API in Swagger UI, served from our origin under the portal's CSP."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PageProblems, SignIn
from tests.browser.helpers import assert_accessible

pytestmark = pytest.mark.browser

# Registered before any of the page's own scripts: every CSP violation the page causes, as the browser reports it.
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def test_a_signed_in_user_finds_the_change_routes_in_swagger_ui_without_a_csp_violation(
    sign_in: SignIn, page_problems: PageProblems
) -> None:
    page = sign_in("requester@example.com", "/api/docs")
    page.add_init_script(COLLECT_VIOLATIONS)
    origins: set[str] = set()
    page.on("request", lambda request: origins.add("{0.scheme}://{0.netloc}".format(urlsplit(request.url))))

    page.reload()

    # The first request of the API function builds the OpenAPI document (a cold start), hence the patience.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Customer Contact Manager API", timeout=30_000)
    approve = page.locator(".opblock-summary", has_text="/changes/{object_id}/approve")
    expect(approve.first).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/changes/search").first).to_be_visible()

    statistics = page.locator(".opblock-get", has=page.locator(".opblock-summary-path", has_text="/changes/statistics"))
    statistics.locator(".opblock-summary").click()
    statistics.get_by_role("button", name="Try it out").click()
    statistics.get_by_role("button", name="Execute").click()
    expect(statistics.locator(".live-responses-table tr.response .response-col_status").first).to_have_text("200")

    assert page.evaluate("window.__cspViolations") == []
    assert origins == {"{0.scheme}://{0.netloc}".format(urlsplit(page.url))}
    page_problems.assert_none()


def test_the_api_docs_page_passes_the_accessibility_rules(sign_in: SignIn) -> None:
    page = sign_in("requester@example.com", "/api/docs")
    expect(page.locator(".opblock-summary-path", has_text="/changes/statistics").first).to_be_visible(timeout=30_000)

    assert_accessible(page, "the API docs page")
