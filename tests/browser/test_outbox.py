"""The outbox as a newcomer judges the emails by it, and the subscription page its emails link to.

A change with a non-ASCII title and a meeting in Berlin time goes to alpha (Teams) and xray (calendar invites by
email) through the local SES; the outbox lists it, filters it, opens one email at a time, shows the invite's text
as written and the meeting's window in its zone, fits a 1280 px window, and asks nothing of the signed-in portal
(no 401 for an icon). The unsubscribe link of an email opens the recipient's preferences, and saving them
changes the customer's SES contact list.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from ccm.config import AppConfig
from tests.browser.conftest import DESKTOP, PageProblems, SignIn
from tests.browser.helpers import (
    Outbox,
    assert_accessible,
    assert_no_horizontal_scroll,
    emails_about,
    portal_api,
    wait_for_outbox,
)
from tests.browser.workflow import submit_change
from tests.local.stack_process import LocalStackProcess, subscribers

pytestmark = pytest.mark.browser

ZONE = "Europe/Berlin"
ICS_CUSTOMER = "xray"
READER = f"operations@{ICS_CUSTOMER}.example.com"
"""A person only this test changes: the customer's own operations contact, invited to xray's meetings."""


@pytest.fixture
def outbox_page(browser: Browser, page_problems: PageProblems, opened_pages: list[Page]) -> Iterator[Page]:
    """A browser that never signed in, as a developer opens the outbox next to the portal."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page_problems.watch(page)
    opened_pages.append(page)
    yield page
    context.close()


def invited(title: str, object_id: str) -> Any:
    def check(outbox: Outbox) -> bool:
        invites = [e for e in emails_about(outbox, object_id, "meeting_request") if READER in e["recipients"]]
        created = [m for m in outbox["meetings"] if title in m["subject"] and m["action"] == "created"]
        return bool(invites) and bool(created)

    return check


def test_the_outbox_lists_filters_and_opens_one_email_with_its_invite_as_written_and_its_unsubscribe_page_works(
    sign_in: SignIn, stack: LocalStackProcess, outbox_page: Page, app_config: AppConfig
) -> None:
    title = f"\U0001f504 Rotate certificates \u2013 Z\u00fcrich {uuid.uuid4().hex[:6]}"
    requester = sign_in("requester@example.com")
    change = submit_change(
        requester, changeTitle=title, customers=["alpha", ICS_CUSTOMER], include_meeting=True, timezone=ZONE
    )
    object_id = change["changeId"]
    approver = sign_in("approver@example.com")
    assert portal_api(approver, "POST", f"/api/changes/{object_id}/approve").status == 200
    outbox = wait_for_outbox(stack.url, invited(title, object_id), "the invitations by email", timeout=90)

    # The invite went through the local SES as 8-bit UTF-8: the outbox shows its characters, not escapes.
    [invite] = [e for e in emails_about(outbox, object_id, "meeting_request") if READER in e["recipients"]]
    calendar = invite["calendar"]
    assert title in calendar and "\\U0001f504" not in calendar and "\\u2013" not in calendar

    refused: list[str] = []
    outbox_page.on("response", lambda r: refused.append(r.url) if r.status == 401 else None)
    outbox_page.goto(f"{stack.url}/dev/outbox")
    assert outbox_page.locator("iframe").count() == 0, "nothing is open until an email is chosen"
    outbox_page.get_by_label("Event").select_option("meeting_request")
    outbox_page.get_by_label("Change or announcement").select_option(object_id)
    outbox_page.get_by_label("Recipient").fill(READER)
    outbox_page.get_by_role("button", name="Filter").click()
    rows = outbox_page.locator("table").first.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(ICS_CUSTOMER)
    expect(rows.first).to_contain_text("meeting_request")

    rows.first.get_by_role("link").click()
    message = outbox_page.locator("#message")
    expect(message.locator("h2")).to_contain_text("Z\u00fcrich")
    invite_part = message.locator("details", has=outbox_page.locator("summary", has_text="Calendar invite"))
    expect(invite_part).to_contain_text(title)
    expect(rows.first).to_have_attribute("aria-current", "true")
    assert outbox_page.locator("iframe").count() <= 1, "one email open at a time"
    meeting = outbox_page.locator("#meetings + table").locator("tr").filter(has_text=title).first
    expect(meeting).to_contain_text(re.compile(r"\d\d:\d\d–\d\d:\d\d CET \(Europe/Berlin\)"))
    assert_no_horizontal_scroll(outbox_page)
    assert_accessible(outbox_page, "the outbox with an email open")
    assert refused == [], f"the outbox page asked for something behind sign-in: {refused}"

    calendar_topic = "aws-calendar"
    endpoint = next(line for line in stack.output if "AWS emulator:" in line).split()[2]
    assert READER in subscribers(endpoint, app_config, ICS_CUSTOMER, calendar_topic)
    with outbox_page.expect_navigation():
        message.get_by_role("link", name="this recipient's subscription preferences").click()
    expect(outbox_page.get_by_role("heading", name="Subscription preferences")).to_be_visible()
    calendar_box = outbox_page.get_by_role("checkbox", name=re.compile("Calendar Invites"))
    expect(calendar_box).to_be_checked()
    assert_accessible(outbox_page, "the subscription preferences page")
    calendar_box.uncheck()
    outbox_page.get_by_role("button", name="Update preferences").click()
    expect(outbox_page.get_by_role("status")).to_have_text("Your preferences were saved.")
    expect(outbox_page.get_by_role("checkbox", name=re.compile("Calendar Invites"))).not_to_be_checked()
    assert READER not in subscribers(endpoint, app_config, ICS_CUSTOMER, calendar_topic)
    assert READER in subscribers(endpoint, app_config, ICS_CUSTOMER, "aws-announce"), "only what was unticked"
    assert refused == []
