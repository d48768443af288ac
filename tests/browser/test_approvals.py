"""The approvals page in a real browser: each item once with its customers, what Approve does, a two-approver
change, a delegation, the Approve and Reject links of an approval email, and someone who may only look."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import PHONE, SignIn
from tests.browser.helpers import (
    assert_accessible,
    assert_no_horizontal_scroll,
    emails_about,
    filter_by_customer,
    filtered_customer,
    portal_api,
    wait_for_outbox,
)
from tests.browser.workflow import submit_change, wait_until_processed
from tests.local.stack_process import LocalStackProcess

pytestmark = pytest.mark.browser

HOSTILE_TITLE = "<img src=x onerror=alert(1)> DNS cut-over"
MEETING_TIMEOUT = 90_000


def card_of(page: Page, object_id: str) -> Locator:
    return page.locator(f"#items li.item[data-id='{object_id}']")


def test_each_item_shows_once_with_all_its_customers_open_and_says_what_approve_does(sign_in: SignIn) -> None:
    requester = sign_in("requester@example.com")
    object_id = submit_change(requester, changeTitle=HOSTILE_TITLE, customers=["alpha", "bravo"])["changeId"]

    approver = sign_in("approver@example.com", "/approvals.html")
    card = card_of(approver, object_id)

    # Once, not once per customer: approving it approves it for all of them.
    expect(card).to_have_count(1)
    expect(card.locator(".item-title")).to_have_text(HOSTILE_TITLE)
    assert card.locator("img").count() == 0
    expect(card.locator(".item-customers")).to_contain_text("Alpha Retail and Bravo Media")
    expect(card.locator(".approve-explained")).to_have_text(
        "Your approval counts towards Approvers (1 of 1). It completes the approval: every affected customer "
        "(Alpha Retail and Bravo Media) is then notified."
    )
    # Few items: their checklists are open without a click.
    expect(card.locator("details.approval-details")).to_have_attribute("open", "")
    expect(card.locator(".checklist")).to_contain_text("Approvers: 0 of 1")
    assert_accessible(approver, "the approvals page of an approver")

    filter_by_customer(approver, "bravo")
    expect(card).to_have_count(1)
    filter_by_customer(approver, "alpha")
    expect(card).to_have_count(1)
    approver.locator("#scopeFilter").select_option("all")
    expect(card).to_have_count(1)


def test_a_high_risk_change_needs_two_cab_members_and_notifies_at_the_second_only(
    sign_in: SignIn, stack: LocalStackProcess
) -> None:
    requester = sign_in("requester@example.com")
    object_id = submit_change(requester, changeTitle="Rotate the payment keys", customers=["charlie"], risk="high")[
        "changeId"
    ]
    wait_until_processed(requester, f"/api/changes/{object_id}", {"charlie"})

    approver = sign_in("approver@example.com", "/approvals.html")
    expect(approver.locator("#items .empty-state, #items li.item").first).to_be_visible()
    expect(card_of(approver, object_id)).to_have_count(0)  # not a CAB member: nothing to decide

    lead = sign_in("cab-lead@example.com", "/approvals.html")
    card = card_of(lead, object_id)
    expect(card.locator(".approve-explained")).to_contain_text(
        "Your approval counts towards CAB (1 of 2). The item stays pending until the other requirements are met"
    )
    card.get_by_role("button", name="Approve").click()
    dialog = lead.locator("dialog").filter(has_text="Approve “Rotate the payment keys”")
    dialog.get_by_label("Comment (optional)").fill("Key ceremony booked")
    dialog.get_by_role("button", name="Approve").click()
    expect(lead.locator("#statusContainer")).to_contain_text("Your approval of “Rotate the payment keys” was recorded")
    expect(card_of(lead, object_id)).to_have_count(0)
    assert portal_api(lead, "GET", f"/api/changes/{object_id}").json()["status"] == "submitted"

    member = sign_in("cab-member@example.com", "/approvals.html")
    card = card_of(member, object_id)
    expect(card.locator(".checklist")).to_contain_text("CAB: 1 of 2")
    expect(card.locator(".checklist")).to_contain_text("cab-lead@example.com (“Key ceremony booked”)")
    expect(card.locator(".approve-explained")).to_contain_text("It completes the approval")
    assert_accessible(member, "a card with a half-met requirement")
    card.get_by_role("button", name="Approve").click()
    member.locator("dialog").get_by_role("button", name="Approve").click()
    expect(member.locator("#statusContainer")).to_contain_text("was approved; its customers are being notified")

    outbox = wait_for_outbox(
        stack.url, lambda box: bool(emails_about(box, object_id, "approved")), "the approval email"
    )
    document = portal_api(member, "GET", f"/api/changes/{object_id}").json()
    assert document["approvedBy"] == "cab-member@example.com"
    wait_until_processed(member, f"/api/changes/{object_id}", {"charlie"})
    outbox = wait_for_outbox(stack.url, lambda box: True, "the outbox")
    per_recipient = Counter(
        address for email in emails_about(outbox, object_id, "approved") for address in email["recipients"]
    )
    assert per_recipient and set(per_recipient.values()) == {1}
    assert len(emails_about(outbox, object_id, "approval_request")) == 1


def test_a_delegate_approves_in_the_approvers_place_set_on_the_away_panel(
    sign_in: SignIn, stack: LocalStackProcess
) -> None:
    member = sign_in("cab-member@example.com", "/approvals.html#away")
    panel = member.locator("#away")
    expect(panel).to_be_visible()
    panel.get_by_label("Colleague who decides for me").fill("approver@example.com")
    panel.get_by_role("button", name="Name my substitute").click()
    expect(panel.locator("#awayCurrent")).to_contain_text("approver@example.com decides in your place now")
    assert_accessible(member, "the Away panel with a delegation")
    notices = wait_for_outbox(
        stack.url,
        lambda box: (
            {email["event"] for email in box["emails"] if str(email.get("object_id") or "").startswith("DLG-")}
            >= {"delegation_approver", "delegation_delegate"}
        ),
        "the delegation emails",
    )
    told = {
        (email["event"], tuple(email["recipients"]))
        for email in notices["emails"]
        if str(email.get("object_id") or "").startswith("DLG-")
    }
    assert ("delegation_delegate", ("approver@example.com",)) in told

    requester = sign_in("requester@example.com")
    object_id = submit_change(requester, changeTitle="Replace the HSM", customers=["delta"], risk="high")["changeId"]
    approver = sign_in("approver@example.com", "/approvals.html")
    card = card_of(approver, object_id)
    expect(card.locator(".approve-explained")).to_contain_text(
        "Approving for cab-member@example.com counts towards CAB"
    )
    card.get_by_role("button", name="Approve for cab-member").click()
    approver.locator("dialog").get_by_role("button", name="Approve for cab-member@example.com").click()
    expect(approver.locator("#statusContainer")).to_contain_text("was recorded")

    document = portal_api(approver, "GET", f"/api/changes/{object_id}").json()
    decision = document["modifications"][-1]
    assert (decision["modification_type"], decision["user_id"], decision["on_behalf_of"]) == (
        "approval_decision",
        "approver@example.com",
        "cab-member@example.com",
    )
    card_of(approver, object_id).wait_for(state="detached")
    approver.locator("#scopeFilter").select_option("all")
    approver.locator(f"#items li.item[data-id='{object_id}'] .item-title").click()
    dialog = approver.locator(f"dialog[data-object-id='{object_id}']")
    expect(dialog.locator(".checklist")).to_contain_text("approver@example.com on behalf of cab-member@example.com")
    expect(dialog.locator(".timeline")).to_contain_text(
        "Approval given by approver@example.com on behalf of cab-member"
    )

    panel = member.locator("#away")
    member.reload()
    member.locator("#endAway").click()
    expect(panel).to_contain_text("no longer decides for you")


def test_the_reject_link_of_an_approval_email_opens_the_confirmation_and_a_get_decides_nothing(
    sign_in: SignIn, stack: LocalStackProcess
) -> None:
    requester = sign_in("requester@example.com")
    object_id = submit_change(requester, changeTitle="Renew the VPN certificate", customers=["echo"])["changeId"]
    outbox = wait_for_outbox(
        stack.url, lambda box: bool(emails_about(box, object_id, "approval_request")), "the approval request"
    )
    [request] = emails_about(outbox, object_id, "approval_request")
    link = re.search(r"https?://\S+/approvals\.html\?\S+decision=reject", request["text"])
    assert link is not None, request["text"]

    approver = sign_in("approver@example.com")
    approver.goto(link.group(0))
    dialog = approver.locator("dialog").filter(has_text="Reject “Renew the VPN certificate”")
    expect(dialog).to_be_visible()
    assert portal_api(approver, "GET", f"/api/changes/{object_id}").json()["status"] == "submitted"
    dialog.get_by_role("button", name="Reject").click()
    expect(dialog.locator(".field-error")).to_have_text("Say why it is rejected: the requester is told.")
    dialog.get_by_label("Reason (required)").fill("The rollback plan misses the DNS records")
    dialog.get_by_role("button", name="Reject").click()
    expect(approver.locator("#statusContainer")).to_contain_text("was rejected; requester is emailed your reason")

    told = wait_for_outbox(stack.url, lambda box: bool(emails_about(box, object_id, "rejected")), "the rejection")
    [rejection] = emails_about(told, object_id, "rejected")
    assert rejection["recipients"] == ["requester@example.com"]
    assert rejection["subject"] == "Rejected: Renew the VPN certificate"
    assert "The rollback plan misses the DNS records" in rejection["text"]

    requester.goto("/my-changes.html?status=rejected")
    card = requester.locator(f".change-card[data-id='{object_id}']")
    expect(card.locator(".rejection")).to_contain_text("The rollback plan misses the DNS records")
    card.get_by_role("link", name="Edit").click()
    expect(requester.locator("#statusContainer")).to_contain_text("Saving makes it a draft again")
    requester.get_by_role("textbox", name="Rollback plan").fill("Restore the DNS records from the zone backup")
    requester.get_by_role("button", name="Save and submit for approval").click()
    expect(requester.locator("#statusContainer")).to_contain_text("submitted for approval")
    again = portal_api(requester, "GET", f"/api/changes/{object_id}").json()
    assert again["status"] == "submitted"
    assert [
        entry["modification_type"] for entry in again["modifications"] if entry["modification_type"] != "processed"
    ][-4:] == ["rejected", "reopened", "updated", "submitted"]


def test_someone_in_no_approving_group_sees_everything_pending_read_only_even_on_a_phone(sign_in: SignIn) -> None:
    requester = sign_in("requester@example.com", viewport=PHONE)
    object_id = submit_change(requester, customers=["bravo"])["changeId"]

    requester.goto("/approvals.html")
    expect(requester.locator("#roleNote")).to_contain_text("You are in no group that approves")
    expect(requester.locator("#scopeFilter")).to_have_value("all")
    card = card_of(requester, object_id)
    expect(card.locator(".approve-explained")).to_have_text(
        "Nothing for you to decide here: it waits for its approvers."
    )
    expect(card.get_by_role("button", name="Approve")).to_have_count(0)
    expect(requester.locator("#away")).to_be_hidden()
    assert_no_horizontal_scroll(requester)


def test_the_link_in_an_approval_email_opens_the_details_even_once_approved(
    sign_in: SignIn, stack: LocalStackProcess
) -> None:
    requester = sign_in("requester@example.com")
    approved = submit_change(requester, changeTitle="Patch the mail relays", customers=["charlie"])["changeId"]
    outbox = wait_for_outbox(
        stack.url, lambda box: bool(emails_about(box, approved, "approval_request")), "the approval request"
    )
    [request] = emails_about(outbox, approved, "approval_request")
    link = re.search(r"https?://\S+/approvals\.html\?customerCode=charlie&objectId=\S+?(?=\s|$)", request["text"])
    assert link is not None, request["text"]
    approver = sign_in("approver@example.com")
    assert portal_api(approver, "POST", f"/api/changes/{approved}/approve").status == 200

    approver.goto(link.group(0))

    dialog = approver.locator(f"dialog[data-object-id='{approved}']")
    expect(dialog.get_by_role("heading", name="Patch the mail relays")).to_be_visible()
    expect(dialog.locator(".detail-id .badge")).to_have_text("Approved")
    expect(filtered_customer(approver)).to_have_value("charlie")


def test_an_approver_approves_a_change_and_its_join_link_appears_on_the_card_without_a_reload(
    sign_in: SignIn, stack: LocalStackProcess
) -> None:
    requester = sign_in("requester@example.com")
    object_id = submit_change(requester, customers=["alpha", "xray"], include_meeting=True)["changeId"]

    approver = sign_in("approver@example.com", "/approvals.html")
    card = card_of(approver, object_id)
    card.get_by_role("button", name="Approve").click()
    approver.locator("dialog").get_by_role("button", name="Approve").click()

    expect(card.locator(".badge")).to_have_text("Approved")
    expect(card.locator(".approved-note")).to_contain_text("Approved: its customers are being notified")
    outbox = wait_for_outbox(
        stack.url, lambda box: len(emails_about(box, object_id, "approved")) >= 2, "the approval emails"
    )
    assert {email["customer"] for email in emails_about(outbox, object_id, "approved")} == {"alpha", "xray"}
    join = card.get_by_role("link", name="Join meeting")
    expect(join).to_be_visible(timeout=MEETING_TIMEOUT)
    expect(join).to_have_attribute("href", re.compile(r"^https://"))
