"""The approvals page in a real browser: approvers approve by customer, everyone else only looks."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import PHONE, SignIn
from tests.browser.helpers import (
    assert_accessible,
    assert_no_horizontal_scroll,
    emails_about,
    portal_api,
    wait_for_outbox,
)
from tests.browser.workflow import submit_change, wait_until_processed
from tests.local.stack_process import LocalStackProcess

pytestmark = pytest.mark.browser

HOSTILE_TITLE = "<img src=x onerror=alert(1)> DNS cut-over"
MEETING_TIMEOUT = 90_000


def section_of(page: Page, customer: str) -> Locator:
    return page.locator(f"details.group-section[data-customer='{customer}']")


def card_in(page: Page, customer: str, object_id: str) -> Locator:
    """The object's card in the customer's section, the section opened first."""
    section = section_of(page, customer)
    section.wait_for()
    if section.get_attribute("open") is None:
        section.locator("summary").click()
    return section.locator(f"li.item[data-id='{object_id}']")


def test_an_approver_approves_a_change_and_its_join_link_appears_on_the_card_without_a_reload(
    sign_in: SignIn, stack: LocalStackProcess
) -> None:
    requester = sign_in("requester@example.com")
    change = submit_change(requester, changeTitle=HOSTILE_TITLE, customers=["alpha", "xray"], include_meeting=True)
    object_id = change["changeId"]

    approver = sign_in("approver@example.com", "/approvals.html")
    for customer in ("alpha", "xray"):
        expect(section_of(approver, customer).locator("summary")).to_contain_text(re.compile(r"– \d+ pending"))
        expect(card_in(approver, customer, object_id)).to_be_visible()
    card = card_in(approver, "alpha", object_id)
    expect(card.locator(".item-title")).to_have_text(HOSTILE_TITLE)
    assert card.locator("img").count() == 0
    assert_accessible(approver, "the approvals page of an approver")

    card.get_by_role("button", name="Approve").click()
    expect(card.locator(".approved-note")).to_contain_text("Approved by approver")
    outbox = wait_for_outbox(
        stack.url, lambda box: len(emails_about(box, object_id, "approved")) >= 2, "the approval emails"
    )
    assert {email["customer"] for email in emails_about(outbox, object_id, "approved")} == {"alpha", "xray"}
    join = card.get_by_role("link", name="Join meeting")
    expect(join).to_be_visible(timeout=MEETING_TIMEOUT)
    expect(join).to_have_attribute("href", re.compile(r"^https://"))

    # The dialog reads the object with its ETag: once the backend has finished writing into it.
    wait_until_processed(approver, f"/api/changes/{object_id}", {"alpha", "xray"})
    card.locator(".item-title").click()
    dialog = approver.locator(f"dialog[data-object-id='{object_id}']")
    expect(dialog.get_by_role("link", name="Join meeting")).to_be_visible()
    dialog.get_by_role("button", name="Complete").click()
    early = approver.locator("dialog").filter(has_text="Complete before the window starts?")
    early.get_by_role("button", name="Complete now").click()
    expect(card.locator(".badge")).to_have_text("Completed")
    assert portal_api(approver, "GET", f"/api/changes/{object_id}").json()["status"] == "completed"
    expect(card.get_by_role("link", name="Join meeting")).to_have_count(0)


def test_someone_outside_the_approvers_group_sees_pending_items_read_only_even_on_a_phone(sign_in: SignIn) -> None:
    requester = sign_in("requester@example.com", viewport=PHONE)
    object_id = submit_change(requester, customers=["bravo"])["changeId"]

    requester.goto("/approvals.html")
    expect(requester.locator("#roleNote")).to_contain_text(
        "You are not in the approvers group (ccm-approvers); you can see but not approve."
    )
    card = card_in(requester, "bravo", object_id)
    expect(card).to_be_visible()
    expect(card.get_by_role("button")).to_have_count(1)  # its title, which opens the details
    expect(requester.get_by_role("button", name="Approve")).to_have_count(0)
    assert_no_horizontal_scroll(requester)


def test_the_link_in_an_approval_email_opens_its_customer_and_the_details_even_once_approved(
    sign_in: SignIn, stack: LocalStackProcess
) -> None:
    requester = sign_in("requester@example.com")
    pending = submit_change(requester, changeTitle="Patch the mail relays", customers=["charlie"])["changeId"]
    approved = submit_change(requester, changeTitle="Renew the VPN certificate", customers=["charlie"])["changeId"]
    outbox = wait_for_outbox(
        stack.url, lambda box: bool(emails_about(box, approved, "approval_request")), "the approval request"
    )
    [request] = emails_about(outbox, approved, "approval_request")
    link = re.search(r"https?://\S+/approvals\.html\?\S+", request["text"])
    assert link is not None, request["text"]
    approver = sign_in("approver@example.com")
    assert portal_api(approver, "POST", f"/api/changes/{approved}/approve").status == 200

    approver.goto(link.group(0))

    dialog = approver.locator(f"dialog[data-object-id='{approved}']")
    expect(dialog.get_by_role("heading", name="Renew the VPN certificate")).to_be_visible()
    expect(dialog.locator(".detail-id .badge")).to_have_text("Approved")
    assert approver.locator("#customerFilter").input_value() == "charlie"
    expect(approver.locator("details.group-section")).to_have_count(1)
    expect(section_of(approver, "charlie")).to_have_attribute("open", "")
    expect(section_of(approver, "charlie").locator(f"li.item[data-id='{pending}']")).to_be_attached()
