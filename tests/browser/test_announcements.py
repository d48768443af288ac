"""Announcements in a real browser: written in the form, approved on the approvals page, listed, edited."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ccm.domain.ids import AnnouncementType
from tests.api.helpers import announcement_input
from tests.browser.conftest import SignIn
from tests.browser.helpers import (
    assert_accessible,
    emails_about,
    filter_by_customer,
    pick_customers,
    portal_api,
    wait_for_outbox,
)
from tests.browser.workflow import wait_until_processed
from tests.local.stack_process import LocalStackProcess

pytestmark = pytest.mark.browser

HOSTILE_TITLE = "<img src=x onerror=alert(1)> FinOps savings plan review"


def fill_in_an_announcement(page: Page) -> None:
    page.get_by_role("radio", name="FinOps", exact=True).check()
    pick_customers(page, "delta")
    page.get_by_role("textbox", name="Title", exact=True).fill(HOSTILE_TITLE)
    page.get_by_role("textbox", name="Summary", exact=True).fill("Savings plans renew next quarter")
    page.get_by_role("textbox", name="Content", exact=True).fill("We review the commitments customer by customer.")
    page.get_by_role("button", name="Add a link").click()
    page.get_by_role("textbox", name="Name", exact=True).fill("Savings plan sheet")
    page.get_by_label("Link (https)").fill("https://example.com/savings-plans")


def test_an_announcement_written_in_the_form_is_approved_and_listed_as_approved(
    sign_in: SignIn, stack: LocalStackProcess
) -> None:
    requester = sign_in("requester@example.com", "/create-announcement.html")
    expect(requester.locator("#idNote code")).to_have_text(re.compile(r"^CIC-"))
    assert_accessible(requester, "the create-announcement form")
    fill_in_an_announcement(requester)
    expect(requester.locator("#idNote code")).to_have_text(re.compile(r"^FIN-"))
    announcement_id = requester.locator("#idNote code").inner_text()

    requester.get_by_role("button", name="Submit for approval").click()
    requester.wait_for_url(re.compile(r"/announcements\.html\?status=submitted"))
    card = requester.locator(f"li.item[data-id='{announcement_id}']")
    expect(card.locator(".item-title")).to_have_text(HOSTILE_TITLE)
    assert card.locator("img").count() == 0
    stored = portal_api(requester, "GET", f"/api/announcements/{announcement_id}").json()
    assert stored["announcement_type"] == "finops"
    assert stored["attachments"] == [{"name": "Savings plan sheet", "url": "https://example.com/savings-plans"}]

    # The approvers are asked by email; FinOps announcements reach only the finance role once approved, and the
    # demo directory has nobody in it, so the approval request is this announcement's email in the local outbox.
    outbox = wait_for_outbox(
        stack.url, lambda box: bool(emails_about(box, announcement_id, "approval_request")), "the approval request"
    )
    [request] = emails_about(outbox, announcement_id, "approval_request")
    assert request["customer"] == "delta" and HOSTILE_TITLE in request["subject"]

    approver = sign_in("approver@example.com", "/approvals.html")
    approver.locator("#typeFilter").select_option("announcement")
    filter_by_customer(approver, "delta")
    approvable = approver.locator(f"#items li.item[data-id='{announcement_id}']")
    expect(approvable).to_contain_text("Announcement · FinOps")
    approvable.get_by_role("button", name="Approve").click()
    approver.locator("dialog").get_by_role("button", name="Approve").click()
    expect(approvable.locator(".badge")).to_have_text("Approved")

    requester.goto("/announcements.html?status=approved")
    listed = requester.locator(f"li.item[data-id='{announcement_id}']")
    expect(listed.locator(".badge")).to_have_text("Approved")
    expect(requester.locator("#tabs [aria-pressed='true']")).to_contain_text("Approved")
    approved = portal_api(requester, "GET", f"/api/announcements/{announcement_id}").json()
    assert approved["approvedBy"] == "approver@example.com"
    assert_accessible(requester, "the announcements list")


def test_editing_an_announcements_content_saves_it_and_records_the_update(sign_in: SignIn) -> None:
    requester = sign_in("requester@example.com")
    body: dict[str, Any] = announcement_input(AnnouncementType.INNERSOURCE, customers=["echo"])
    response = portal_api(requester, "POST", "/api/announcements", body)
    assert response.status == 201, response.text()
    announcement_id = response.json()["id"]
    wait_until_processed(requester, f"/api/announcements/{announcement_id}", {"echo"})

    requester.goto(f"/edit-announcement.html?announcementId={announcement_id}")
    content = requester.get_by_role("textbox", name="Content", exact=True)
    expect(content).to_have_value(body["content"])
    assert_accessible(requester, "the edit-announcement form")
    content.fill("The guild meets on Thursdays from now on.")
    requester.get_by_role("button", name="Save changes").click()
    expect(requester.locator("#statusContainer")).to_contain_text("is now version 2")

    stored = portal_api(requester, "GET", f"/api/announcements/{announcement_id}").json()
    assert stored["content"] == "The guild meets on Thursdays from now on."
    assert stored["title"] == body["title"]
    assert [entry["modification_type"] for entry in stored["modifications"]][-1] == "updated"
