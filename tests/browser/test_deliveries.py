"""The Delivery section of a change's details on the local stack, where alpha's audience holds SES's mailbox
simulator: the approval request bounces, is complained about and is suppressed, and the portal shows it."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, SignIn
from tests.browser.helpers import assert_accessible, assert_no_horizontal_scroll, portal_api
from tests.browser.workflow import submit_change, wait_until_processed
from tests.local.stack_process import LocalStackProcess

pytestmark = pytest.mark.browser

SIMULATED = {
    "bounce@simulator.amazonses.com": "bounced",
    "complaint@simulator.amazonses.com": "complained",
    "suppressionlist@simulator.amazonses.com": "suppressed",
    "approver@example.com": "delivered",
}


def wait_for_outcomes(page: Page, change_id: str, timeout: float = 90.0) -> dict[str, Any]:
    """SES's events arrive after the sends; wait until each simulated address has its final status."""
    deadline = time.monotonic() + timeout
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = portal_api(page, "GET", f"/api/changes/{change_id}/deliveries").json()
        statuses = {row["recipient"]: row["status"] for row in body.get("recipients", [])}
        if all(statuses.get(address) == status for address, status in SIMULATED.items()):
            return body
        time.sleep(0.5)
    raise AssertionError(f"the simulator's outcomes did not all arrive within {timeout:.0f} s: {body}")


def open_details(page: Page, change_id: str) -> Any:
    page.goto("/index.html")
    page.locator(f".item[data-id='{change_id}'] .item-title").click()
    dialog = page.locator(f"dialog[data-object-id='{change_id}']")
    expect(dialog.locator(".delivery-customer[data-customer='alpha']")).to_be_visible()
    return dialog


def test_the_delivery_section_shows_each_simulated_outcome_to_approvers_and_counts_to_the_requester(
    sign_in: SignIn, stack: LocalStackProcess
) -> None:
    requester = sign_in("requester@example.com")
    change = submit_change(requester, changeTitle=f"Rotate keys {uuid.uuid4().hex[:8]}", customers=["alpha"])
    change_id = change["changeId"]
    wait_until_processed(requester, f"/api/changes/{change_id}", {"alpha"}, timeout=90)
    approver = sign_in("approver@example.com")
    wait_for_outcomes(approver, change_id)

    dialog = open_details(approver, change_id)

    section = dialog.locator("section.delivery")
    expect(section.get_by_role("heading", name="Delivery")).to_be_visible()
    event = section.locator(".delivery-event[data-event='approval_request']")
    expect(event.locator(".delivery-counts")).to_contain_text("1 bounced")
    expect(event.locator(".delivery-counts")).to_contain_text("1 complained")
    expect(event.locator(".delivery-counts")).to_contain_text("1 suppressed")
    problems = section.locator(".delivery-problems")
    bounce = problems.locator("li[data-status='bounced']")
    expect(bounce).to_contain_text("bounce@simulator.amazonses.com")
    expect(bounce).to_contain_text("Permanent / General")
    expect(bounce).to_contain_text("550 5.1.1 user unknown")
    expect(problems.locator("li[data-status='suppressed']")).to_contain_text("suppression list")
    expect(problems.locator("li[data-status='complained']")).to_contain_text("complaint@simulator.amazonses.com")
    expect(problems).not_to_contain_text("approver@example.com")
    assert_accessible(approver, "the Delivery section")

    seen_by_requester = open_details(requester, change_id).locator("section.delivery")
    expect(seen_by_requester.locator(".delivery-counts")).to_contain_text("1 bounced")
    expect(seen_by_requester.locator(".delivery-problems")).to_have_count(0)
    expect(seen_by_requester).to_contain_text("Approvers and administrators see who each problem concerns")


def test_the_dashboard_rates_each_account_that_sent_and_admins_see_the_dead_letters(
    sign_in: SignIn, stack: LocalStackProcess
) -> None:
    admin = sign_in("admin@example.com", "/index.html", viewport=PHONE)

    expect(admin.locator("#deliverability")).to_contain_text("SES reviews an account at 5.00 % bounces")
    expect(admin.locator("#deadLettersCard")).to_be_visible()
    expect(admin.locator("#deadLetters")).to_contain_text("No trigger is waiting")
    assert_no_horizontal_scroll(admin)
    assert_accessible(admin, "the dashboard with deliverability and dead letters")
    requester = sign_in("requester@example.com", "/index.html")
    expect(requester.locator("#deliverability")).not_to_contain_text("Loading")
    expect(requester.locator("#deadLettersCard")).to_be_hidden()
