"""Change type and risk through the change form: an emergency needs its justification, is approved by one
approver and waits for its retrospective review on the dashboard and the CAB's approvals page; a change from an
unchanged standard template is approved on submission."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import SignIn
from tests.browser.helpers import assert_accessible, pick_customers, portal_api
from tests.browser.workflow import CHANGE_TEXTS

pytestmark = pytest.mark.browser

REQUESTER = "requester@example.com"


def fill_change(page: Page, title: str) -> str:
    """The form filled for Alpha Retail; the change's id."""
    page.locator("#customer-alpha").wait_for()
    page.locator("#changeTitle").fill(title)
    pick_customers(page, "alpha")
    for field, text in CHANGE_TEXTS.items():
        page.fill(f"#{field}", text)
    return page.locator("#changeIdDisplay").inner_text()


def test_an_emergency_needs_a_reason_one_approver_and_its_review_is_due_on_the_dashboard(sign_in: SignIn) -> None:
    page = sign_in(REQUESTER, "/create-change.html")
    title = f"Restore the payment gateway {uuid.uuid4().hex[:8]}"
    change_id = fill_change(page, title)
    expect(page.locator("#emergencyJustification")).to_be_hidden()
    page.locator("#changeType").select_option("emergency")
    page.locator("#risk").select_option("high")
    expect(page.locator("#emergencyJustification")).to_be_visible()

    page.get_by_role("button", name="Submit for approval").click()

    expect(page.locator("#emergencyJustification-error")).to_have_text("Say why this emergency cannot wait.")
    expect(page.locator("#emergencyJustification")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "the change form with an emergency's missing justification marked")
    page.locator("#emergencyJustification").fill("Card payments fail for every customer since 09:12")
    page.get_by_role("button", name="Submit for approval").click()
    page.wait_for_url(re.compile(r"/my-changes\.html"))
    card = page.locator(f".change-card[data-id='{change_id}']")
    expect(card).to_contain_text("Emergency · High risk")

    # High risk needs two CAB members normally; an emergency goes ahead on one approver of the base group.
    approver = sign_in("approver@example.com", "/approvals.html")
    approver.locator(f"#items li.item[data-id='{change_id}']").get_by_role("button", name="Approve").click()
    approver.locator("dialog").get_by_role("button", name="Approve").click()
    expect(approver.locator("#statusContainer")).to_contain_text("was approved")
    document = portal_api(approver, "GET", f"/api/changes/{change_id}").json()
    assert document["status"] == "approved"
    assert document["emergencyJustification"] == "Card payments fail for every customer since 09:12"
    assert document["approval"]["review"]["met"] is False

    page.goto("/index.html")
    review = page.locator(f"#reviews li.item[data-id='{change_id}']")
    expect(page.locator("#reviews")).to_be_visible()
    expect(review).to_contain_text(title)
    expect(review).to_contain_text(re.compile(r"Due by .+"))
    expect(review).to_contain_text("Approved by approver@example.com")
    assert_accessible(page, "the dashboard with an emergency review due")

    cab = sign_in("cab-lead@example.com", "/approvals.html")
    explained = cab.locator(f"#items li.item[data-id='{change_id}'] .approve-explained")
    expect(explained).to_contain_text("This is the retrospective review of an emergency change")


def test_a_change_from_the_unchanged_demo_template_is_approved_when_submitted(sign_in: SignIn) -> None:
    page = sign_in(REQUESTER, "/create-change.html")
    change_id = fill_change(page, "My own title, which the template replaces")
    expect(page.locator("#changeType option[value='standard']")).to_be_disabled()
    template = page.locator("#templateId option").filter(has_text="Rotate the TLS certificates of a load balancer")
    page.locator("#templateId").select_option(template.get_attribute("value"))
    expect(page.locator("#changeTitle")).to_have_value("Rotate the TLS certificates of the load balancers")
    expect(page.locator("#changeType")).to_have_value("standard")
    expect(page.locator("#risk")).to_have_value("low")

    page.get_by_role("button", name="Submit for approval").click()
    page.wait_for_url(re.compile(r"/my-changes\.html"))

    document = portal_api(page, "GET", f"/api/changes/{change_id}").json()
    assert (document["status"], document["changeType"]) == ("approved", "standard")
    page.goto("/my-changes.html?status=all")
    expect(page.locator(f".change-card[data-id='{change_id}']")).to_contain_text("Standard · Low risk")
