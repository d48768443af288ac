"""One change's whole life in the portal, every step through the pages two people use.

The requester writes it in the form with a meeting, saves a draft, submits it from My changes; the approver
approves it on the approvals page; the customers' subscribers are mailed; the Join button appears on its own; the
requester completes it.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SignIn
from tests.browser.helpers import Outbox, emails_about, pick_customers, portal_api, wait_for_outbox
from tests.browser.workflow import CHANGE_TEXTS
from tests.local.stack_process import LocalStackProcess

pytestmark = pytest.mark.browser

CUSTOMERS = ("alpha", "bravo")
PEOPLE = {"requester@example.com", "approver@example.com"}
"""Demo users subscribed to announcements at every customer."""
ZONE = "Europe/Paris"
MEETING_TIMEOUT = 90_000


def test_a_change_is_written_drafted_submitted_approved_announced_met_and_completed_in_the_portal(
    sign_in: SignIn, stack: LocalStackProcess
) -> None:
    title = f"Renew the edge certificates {uuid.uuid4().hex[:8]}"
    day = (datetime.now(ZoneInfo(ZONE)) + timedelta(days=2)).date().isoformat()
    requester = sign_in("requester@example.com", "/create-change.html")
    requester.locator("#changeTitle").fill(title)
    pick_customers(requester, *CUSTOMERS)
    for field, text in CHANGE_TEXTS.items():
        requester.fill(f"#{field}", text)
    requester.select_option("#timezone", ZONE)
    requester.fill("#implementationBeginDate", day)
    requester.fill("#implementationBeginTime", "22:00")
    requester.fill("#implementationEndDate", day)
    requester.fill("#implementationEndTime", "23:30")
    requester.select_option("#meetingRequired", "yes")
    expect(requester.locator("#meetingTitle")).to_have_value(f"Change Implementation Meeting: {title}")
    change_id = requester.locator("#changeIdDisplay").inner_text()

    requester.get_by_role("button", name="Save draft").click()
    requester.wait_for_url(re.compile(r"/my-changes\.html\?status=draft"))
    card = requester.locator(f".change-card[data-id='{change_id}']")
    expect(card.locator(".badge")).to_have_text("Draft")
    card.get_by_role("button", name="Submit for approval").click()
    expect(requester.locator("#statusContainer")).to_contain_text("submitted for approval")
    assert portal_api(requester, "GET", f"/api/changes/{change_id}").json()["status"] == "submitted"

    approver = sign_in("approver@example.com", "/approvals.html")
    pending = approver.locator(f"#items li.item[data-id='{change_id}']")
    expect(pending.locator(".item-title")).to_have_text(title)
    pending.get_by_role("button", name="Approve").click()
    approver.locator("dialog").get_by_role("button", name="Approve").click()

    def told(box: Outbox, code: str) -> set[str]:
        emails = [email for email in emails_about(box, change_id, "approved") if email["customer"] == code]
        assert all(title in email["subject"] for email in emails)
        return {address for email in emails for address in email["recipients"]}

    wait_for_outbox(
        stack.url,
        lambda box: all(told(box, code) >= PEOPLE for code in CUSTOMERS),
        "the approval emails to the requester and the approver at both customers",
    )
    join = pending.get_by_role("link", name="Join meeting")
    expect(join).to_be_visible(timeout=MEETING_TIMEOUT)
    assert join.get_attribute("target") == "_blank" and "noopener" in str(join.get_attribute("rel"))

    requester.goto("/my-changes.html?status=approved")
    mine = requester.locator(f".change-card[data-id='{change_id}']")
    expect(mine.get_by_role("link", name="Join meeting")).to_be_visible()
    mine.get_by_role("button", name="Complete").click()
    early = requester.locator("dialog").filter(has_text="Complete before the window starts?")
    early.get_by_role("button", name="Complete now").click()
    completion = requester.locator("dialog").filter(has_text="Complete the change")
    completion.get_by_label("Rolled back").check()
    completion.get_by_role("button", name="Complete").click()
    expect(completion.get_by_role("alert")).to_contain_text("a note is required when the outcome is rolled back")
    completion.get_by_label("Note (required unless successful)").fill("The new certificate broke two clients")
    completion.get_by_role("button", name="Complete").click()
    expect(requester.locator("#statusContainer")).to_contain_text("marked completed")

    document = portal_api(requester, "GET", f"/api/changes/{change_id}").json()
    assert document["status"] == "completed"
    assert (document["outcome"], document["outcomeNote"]) == ("rolled_back", "The new certificate broke two clients")
    completed = wait_for_outbox(
        stack.url,
        lambda box: {email["customer"] for email in emails_about(box, change_id, "completed")} >= set(CUSTOMERS),
        "the completion emails at both customers",
    )
    assert {email["subject"] for email in emails_about(completed, change_id, "completed")} == {f"Rolled back: {title}"}
    history = [entry["modification_type"] for entry in document["modifications"]]
    # The backend's own entries come when its work is done; the demo links ServiceNow, so a change request is made.
    backend = ("processed", "meeting_scheduled", "meeting_cancelled", "ticket_created")
    assert [kind for kind in history if kind not in backend] == [
        "created",
        "submitted",
        "approval_decision",
        "approved",
        "completed",
    ]
    assert "meeting_scheduled" in history
    assert history.count("ticket_created") == 1
    assert document["implementationStart"] == datetime.fromisoformat(f"{day}T22:00").replace(
        tzinfo=ZoneInfo(ZONE)
    ).astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
