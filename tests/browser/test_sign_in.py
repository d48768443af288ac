"""Signing in and out of the portal in a real browser, through the development identity provider."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, SignIn
from tests.browser.helpers import assert_accessible, portal_api
from tests.local.stack_process import LocalStackProcess

pytestmark = pytest.mark.browser


def test_signing_in_lands_on_the_dashboard_with_the_users_name_and_real_counts(
    sign_in: SignIn, stack: LocalStackProcess
) -> None:
    page = sign_in("requester@example.com")

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
    page.wait_for_load_state()

    assert portal_api(page, "GET", "/api/user").status == 401
    page.goto(stack.url + "/my-changes.html")
    page.wait_for_url(re.compile(r"/idp/"))


def test_the_navigation_folds_into_a_menu_on_a_phone(sign_in: SignIn) -> None:
    page = sign_in("requester@example.com", viewport=PHONE)
    menu = page.locator("#navMenu")
    assert not menu.is_visible()

    page.get_by_role("button", name="Menu").click()
    menu.get_by_role("link", name="Approvals").wait_for()
    assert page.get_by_role("button", name="Menu").get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")
    assert not menu.is_visible()
