"""Signing in and out of the portal in a real browser, through the development identity provider."""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, PageProblems, SignIn
from tests.browser.helpers import assert_accessible, portal_api
from tests.local.stack_process import HTML, LocalStackProcess

pytestmark = pytest.mark.browser


def test_signing_in_lands_on_the_dashboard_with_the_users_name_and_real_counts(
    sign_in: SignIn, stack: LocalStackProcess
) -> None:
    page = sign_in("requester@example.com")

    assert page.url == stack.url + "/"
    assert portal_api(page, "GET", "/api/user").json()["email"] == "requester@example.com"
    page.locator("#userInfo", has_text="requester@example.com").wait_for()
    assert page.title() == "Dashboard - Customer Contact Manager"
    statistics = portal_api(page, "GET", "/api/changes/statistics").json()
    expect(page.locator("#totalChanges")).to_have_text(str(statistics["total"]))
    assert_accessible(page, "the dashboard")


def test_signing_out_ends_the_session_and_the_next_page_asks_the_identity_provider_again(
    sign_in: SignIn, stack: LocalStackProcess
) -> None:
    page = sign_in("approver@example.com")
    assert portal_api(page, "GET", "/api/user").json()["email"] == "approver@example.com"

    page.get_by_role("link", name="Sign out").click()
    page.get_by_text("You are signed out of the Customer Contact Manager.").wait_for()

    assert portal_api(page, "GET", "/api/user").status == 401
    page.goto(stack.url + "/")
    page.wait_for_url(re.compile(r"/idp/"))
    page.locator('input[name="user"][value="approver@example.com"]').wait_for(state="attached")


def test_the_api_answers_a_request_without_a_session_with_401_and_no_redirect(stack: LocalStackProcess) -> None:
    with requests.Session() as session:
        session.trust_env = False
        response = session.get(f"{stack.url}/api/user", headers={"Accept": HTML}, allow_redirects=False, timeout=30)

    assert response.status_code == 401
    assert "Location" not in response.headers
    assert response.json()["error"] == "unauthenticated"


def test_the_navigation_folds_into_a_menu_on_a_phone(sign_in: SignIn) -> None:
    page = sign_in("requester@example.com", viewport=PHONE)
    menu = page.locator("#navMenu")
    assert not menu.is_visible()

    page.get_by_role("button", name="Menu").click()
    menu.get_by_role("link", name="Approvals").wait_for()
    assert page.get_by_role("button", name="Menu").get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")
    assert not menu.is_visible()


def test_an_open_page_refreshes_its_session_every_ten_minutes_and_says_so_when_it_has_ended(
    sign_in: SignIn, page_problems: PageProblems
) -> None:
    page = sign_in("requester@example.com", "/my-changes.html")
    page.clock.install()
    page.reload()
    page.locator("#userInfo", has_text="requester@example.com").wait_for()

    with page.expect_response(re.compile(r"/saml/refresh$")) as refreshed:
        page.clock.run_for("10:01")
    assert refreshed.value.status == 200

    page.context.clear_cookies()
    # From here every request is refused: the refresh, and any reload of the list that a live event of the
    # requester's earlier changes (still being processed) happens to start in these ten minutes.
    page_problems.expected(r"status of 401 .* at \S+/(saml/refresh|api/\S+)$")
    with page.expect_response(re.compile(r"/saml/refresh$")) as refused:
        page.clock.run_for("10:00")
    assert refused.value.status == 401
    # Said once, and kept when the list's own reload fails too: the way back in stays on the page.
    ended = page.locator("#sessionEnded[role='alert']")
    expect(ended).to_contain_text("Your session has ended.")
    expect(ended.get_by_role("link", name="Sign in again")).to_be_visible()
    expect(page.locator("#sessionEnded")).to_have_count(1)

    # The list's own reload is refused too: its error joins the page's messages, and the way back in stays.
    page.locator("#refreshList").click()
    expect(page.locator("#statusContainer")).to_contain_text("Could not load your changes")
    expect(ended.get_by_role("link", name="Sign in again")).to_be_visible()
    expect(page.locator("#sessionEnded")).to_have_count(1)


# Recorded from the first byte of each document, before the page's own policy could stop a script of the page.
RECORD_POLICY_VIOLATIONS = """
window.policyViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.policyViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def test_a_refused_sign_in_page_is_styled_under_the_portals_strict_policy(
    browser: Browser, stack: LocalStackProcess, page_problems: PageProblems, opened_pages: list[Page]
) -> None:
    context = browser.new_context(base_url=stack.url)
    try:
        page = context.new_page()
        opened_pages.append(page)
        page_problems.watch(page)
        page_problems.expected(r"status of 400 .* at \S+/saml/login\?next=")  # the refusal itself
        page.add_init_script(RECORD_POLICY_VIOLATIONS)

        response = page.goto(stack.url + "/saml/login?next=https%3A%2F%2Fevil.example.net%2F")

        assert response is not None and response.status == 400
        assert "style-src 'self'" in (response.header_value("content-security-policy") or "")
        expect(page.get_by_role("heading", name="Sign-in refused")).to_be_visible()
        body = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        button = page.get_by_role("link", name="Sign in again")
        assert body == "rgb(245, 246, 248)"
        assert button.evaluate("(link) => getComputedStyle(link).backgroundColor") == "rgb(37, 99, 235)"
        assert page.evaluate("() => window.policyViolations") == []
        assert_accessible(page, "the refused sign-in page")
    finally:
        context.close()
