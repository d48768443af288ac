"""Whom an item reaches, before and after approval, and what completing it early does, in a real browser.

Before approving, an approver reads on the card and in the details how many people each customer's notification
and the meeting reach, and that nobody subscribes where nobody does. After approving, the page says what happened
(whom the backend notified, and "No meeting: nobody is invited") instead of waiting for a meeting that cannot come,
and the history reads as the system's doing, never as the backend's role ARN. Completing before the window asks
first, and cancels the meeting in Teams and by email, which the history records.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from playwright.sync_api import Locator, Page, expect

from ccm.config import AppConfig
from ccm.domain.ids import AnnouncementType
from tests.api.helpers import announcement_input
from tests.browser.conftest import PHONE, SignIn
from tests.browser.helpers import (
    assert_accessible,
    assert_no_horizontal_scroll,
    emails_about,
    portal_api,
    wait_for_outbox,
)
from tests.browser.workflow import submit_change, wait_until_processed
from tests.local.stack_process import LocalStackProcess, subscribers

pytestmark = pytest.mark.browser

NOBODY = "hotel"
"""A customer only this module changes: nobody there receives FinOps announcements (the others' tests never ask)."""
REACHED = "golf"
ICS_CUSTOMER = "yankee"
OUTCOME_TIMEOUT = 90_000


def emulator(stack: LocalStackProcess) -> str:
    return next(line for line in stack.output if "AWS emulator:" in line).split()[2]


def opt_everyone_out(endpoint: str, app_config: AppConfig, code: str, topic: str) -> None:
    """What each subscriber of ``topic`` would do on the subscription page: leave it (the customer's own SES)."""
    session = boto3.Session(aws_access_key_id="local", aws_secret_access_key="local", region_name="us-east-1")
    customer = app_config.customer(code)
    credentials = session.client("sts", endpoint_url=endpoint).assume_role(
        RoleArn=customer.ses_role_arn, RoleSessionName="e2e"
    )["Credentials"]
    ses = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=customer.region,
    ).client("sesv2", endpoint_url=endpoint)
    [contact_list] = ses.list_contact_lists()["ContactLists"]
    name = contact_list["ContactListName"]
    for address in subscribers(endpoint, app_config, code, topic):
        contact = ses.get_contact(ContactListName=name, EmailAddress=address)
        kept = [p for p in contact.get("TopicPreferences", []) if p["TopicName"] != topic]
        ses.update_contact(
            ContactListName=name,
            EmailAddress=address,
            TopicPreferences=[*kept, {"TopicName": topic, "SubscriptionStatus": "OPT_OUT"}],
            UnsubscribeAll=False,
        )
    assert subscribers(endpoint, app_config, code, topic) == set()


def card_of(page: Page, object_id: str) -> Locator:
    """The item's card on the approvals page, its group opened if the page groups items."""
    card = page.locator(f"li.item[data-id='{object_id}']").first
    card.wait_for(state="attached")
    card.evaluate("(node) => { const group = node.closest('details'); if (group) group.open = true; }")
    return card


def history_of(dialog: Locator) -> list[str]:
    """The dialog's history lines, once it has opened."""
    dialog.locator(".history li").first.wait_for()
    return [" ".join(text.split()) for text in dialog.locator(".history li").all_inner_texts()]


def test_an_approver_sees_that_nobody_would_hear_of_an_announcement_and_after_approving_that_no_meeting_is_made(
    sign_in: SignIn, stack: LocalStackProcess, app_config: AppConfig
) -> None:
    opt_everyone_out(emulator(stack), app_config, NOBODY, "finops-announce")
    title = f"Savings plan renewal {uuid.uuid4().hex[:6]}"
    requester = sign_in("requester@example.com")
    answer = portal_api(
        requester,
        "POST",
        "/api/announcements",
        announcement_input(
            AnnouncementType.FINOPS,
            title=title,
            customers=[NOBODY],
            include_meeting=True,
            meeting_date=(datetime.now(UTC) + timedelta(days=10)).strftime("%Y-%m-%dT16:00:00Z"),
            meeting_timezone="Europe/Berlin",
        ),
    )
    assert answer.status == 201, answer.text()
    object_id = answer.json()["id"]

    approver = sign_in("approver@example.com", "/approvals.html")
    card = card_of(approver, object_id)
    reach = card.locator(".audience-note")
    expect(reach).to_contain_text("Hotel Systems: nobody subscribes to finops-announce")
    expect(reach).to_contain_text("No meeting: nobody is invited (nobody subscribes to finops-announce).")
    assert_accessible(approver, "the approvals page with an item's audience")

    card.get_by_role("button", name="Approve").click()
    approver.locator("dialog").filter(has_text="Comment (optional)").get_by_role("button", name="Approve").click()
    expect(approver.locator("#statusContainer")).to_contain_text(
        "Nobody notified at Hotel Systems: nobody subscribes to finops-announce. No meeting: nobody is invited",
        timeout=OUTCOME_TIMEOUT,
    )
    expect(card.locator(".meeting-note")).to_have_text(
        "No meeting: nobody is invited (nobody subscribes to finops-announce).", timeout=OUTCOME_TIMEOUT
    )
    expect(approver.get_by_text("Waiting for the meeting")).to_have_count(0)

    card.locator(".item-title").click()
    dialog = approver.locator(f"dialog[data-object-id='{object_id}']")
    expect(dialog.locator(".meeting-note")).to_have_text(
        "No meeting: nobody is invited (nobody subscribes to finops-announce)."
    )
    history = history_of(dialog)
    assert any(line.startswith("Approved by approver") for line in history), history
    assert any(line.startswith("No meeting: nobody is invited") for line in history), history
    nobody = "Nobody notified at Hotel Systems: nobody subscribes to finops-announce"
    assert any(line.startswith(nobody) for line in history), history
    assert not [line for line in history if "arn:" in line], history


def test_the_details_count_each_customers_recipients_and_the_history_names_what_the_system_did(
    sign_in: SignIn, stack: LocalStackProcess, app_config: AppConfig
) -> None:
    requester = sign_in("requester@example.com")
    change = submit_change(requester, changeTitle=f"Patch the VPN {uuid.uuid4().hex[:6]}", customers=[REACHED])
    object_id = change["changeId"]
    readers = subscribers(emulator(stack), app_config, REACHED, "aws-announce")
    invited = subscribers(emulator(stack), app_config, REACHED, "aws-calendar")
    assert readers, "the demo gives every customer readers of change announcements"

    approver = sign_in("approver@example.com", f"/approvals.html?customerCode={REACHED}&objectId={object_id}")
    dialog = approver.locator(f"dialog[data-object-id='{object_id}']")
    audience = dialog.locator(".audience")
    expect(audience).to_contain_text(f"Golf Hospitality: {len(readers)} recipients on aws-announce")
    assert "invited" not in audience.inner_text(), "no meeting asked for, none counted"
    assert len(invited) > 0
    dialog.get_by_role("button", name="Approve").click()
    approver.locator("dialog").filter(has_text="Comment (optional)").get_by_role("button", name="Approve").click()
    expect(card_of(approver, object_id).locator(".badge")).to_have_text("Approved")

    wait_until_processed(approver, f"/api/changes/{object_id}", {REACHED})
    outbox = wait_for_outbox(stack.url, lambda box: bool(emails_about(box, object_id, "approved")), "the emails")
    mailed = {address for email in emails_about(outbox, object_id, "approved") for address in email["recipients"]}
    assert mailed == readers
    approver.goto(f"/approvals.html?customerCode={REACHED}&objectId={object_id}")
    history = history_of(approver.locator(f"dialog[data-object-id='{object_id}']"))
    assert any(line.startswith(f"Notified Golf Hospitality: {len(readers)} recipients") for line in history), history
    assert not [line for line in history if "arn:" in line], history


def test_completing_before_the_window_asks_first_and_cancels_the_meeting_in_teams_and_by_email(
    sign_in: SignIn, stack: LocalStackProcess
) -> None:
    title = f"Move the DNS zone {uuid.uuid4().hex[:6]}"
    start = (datetime.now(UTC) + timedelta(days=6, hours=1)).replace(minute=0, second=0, microsecond=0)
    requester = sign_in("requester@example.com")
    change = submit_change(
        requester,
        changeTitle=title,
        customers=[REACHED, ICS_CUSTOMER],
        include_meeting=True,
        implementationStart=start.isoformat(),
        implementationEnd=(start + timedelta(hours=2)).isoformat(),
    )
    object_id = change["changeId"]
    approver = sign_in("approver@example.com")
    assert portal_api(approver, "POST", f"/api/changes/{object_id}/approve").status == 200

    def scheduled(box: dict[str, Any]) -> bool:
        made = [m for m in box["meetings"] if title in m["subject"] and m["action"] == "created"]
        return bool(made) and bool(emails_about(box, object_id, "meeting_request"))

    wait_for_outbox(stack.url, scheduled, "the meeting and the invitations by email", timeout=90)
    wait_until_processed(approver, f"/api/changes/{object_id}", {REACHED, ICS_CUSTOMER})

    approver.goto(f"/approvals.html?customerCode={REACHED}&objectId={object_id}")
    dialog = approver.locator(f"dialog[data-object-id='{object_id}']")
    dialog.get_by_role("button", name="Complete").click()
    question = approver.locator("dialog").filter(has_text="Complete before the window starts?")
    expect(question).to_contain_text("The window starts in 6 days (")
    expect(question).to_contain_text("Its meeting is cancelled for everyone invited, in Teams and by email.")
    question.get_by_role("button", name="Keep it").click()
    assert portal_api(approver, "GET", f"/api/changes/{object_id}").json()["status"] == "approved"

    dialog.get_by_role("button", name="Complete").click()
    approver.locator("dialog").filter(has_text="Complete before the window starts?").get_by_role(
        "button", name="Complete now"
    ).click()
    # Then how it went: the first choice, successful, needs no note.
    approver.locator("dialog").filter(has_text="Complete the change").get_by_role("button", name="Complete").click()
    expect(approver.locator("#statusContainer")).to_contain_text("marked completed")

    def cancelled(box: dict[str, Any]) -> bool:
        gone = [m for m in box["meetings"] if title in m["subject"] and m["action"] == "cancelled"]
        return bool(gone) and bool(emails_about(box, object_id, "meeting_cancel"))

    outbox = wait_for_outbox(stack.url, cancelled, "the meeting's cancellation in Teams and by email", timeout=90)
    assert {email["customer"] for email in emails_about(outbox, object_id, "meeting_cancel")} == {ICS_CUSTOMER}
    wait_until_processed(approver, f"/api/changes/{object_id}", {REACHED, ICS_CUSTOMER})
    approver.goto(f"/approvals.html?customerCode={REACHED}&objectId={object_id}")
    history = history_of(approver.locator(f"dialog[data-object-id='{object_id}']"))
    assert any(line.startswith("Meeting cancelled: completed before the meeting") for line in history), history


def test_a_meeting_moved_with_its_window_reads_as_moved_to_the_new_window_in_the_history(
    sign_in: SignIn, stack: LocalStackProcess
) -> None:
    title = f"Rotate the signing keys {uuid.uuid4().hex[:6]}"
    requester = sign_in("requester@example.com")
    approver = sign_in("approver@example.com")
    change = submit_change(
        requester,
        changeTitle=title,
        customers=[REACHED],
        include_meeting=True,
        timezone="UTC",
        implementationStart="2030-01-07T10:00:00",
        implementationEnd="2030-01-07T12:00:00",
    )
    object_id = change["changeId"]
    assert portal_api(approver, "POST", f"/api/changes/{object_id}/approve").status == 200

    def meeting(action: str) -> Callable[[dict[str, Any]], bool]:
        return lambda box: any(title in m["subject"] and m["action"] == action for m in box["meetings"])

    wait_for_outbox(stack.url, meeting("created"), "the Teams meeting", timeout=90)
    wait_until_processed(approver, f"/api/changes/{object_id}", {REACHED})
    moved = {"implementationStart": "2030-01-09T14:00:00", "implementationEnd": "2030-01-09T15:30:00"}
    edited = portal_api(requester, "PUT", f"/api/changes/{object_id}", moved)
    assert edited.status == 200, edited.text()
    assert portal_api(approver, "POST", f"/api/changes/{object_id}/approve").status == 200
    wait_for_outbox(stack.url, meeting("updated"), "the meeting moved in Teams", timeout=90)
    wait_until_processed(approver, f"/api/changes/{object_id}", {REACHED})

    approver.goto(f"/approvals.html?customerCode={REACHED}&objectId={object_id}")
    history = history_of(approver.locator(f"dialog[data-object-id='{object_id}']"))
    assert any(line.startswith("Meeting scheduled in Teams") for line in history), history
    moves = [line for line in history if line.startswith("Meeting moved to ")]
    # The new window in the viewer's words: 9 January 2030 from 14:00 UTC, however the browser's locale writes it.
    assert len(moves) == 1 and "2030" in moves[0] and "9" in moves[0], history
    assert not [line for line in history if line.startswith("Meeting updated")], history


def test_the_audience_reads_well_on_a_phone(sign_in: SignIn) -> None:
    requester = sign_in("requester@example.com", viewport=PHONE)
    object_id = submit_change(requester, customers=[REACHED, ICS_CUSTOMER], include_meeting=True)["changeId"]

    requester.goto("/approvals.html")
    card = card_of(requester, object_id)
    expect(card.locator(".audience-note")).to_contain_text(re.compile(r"Meeting: \d+ (person|people) invited\."))
    assert_no_horizontal_scroll(requester)
