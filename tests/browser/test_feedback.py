"""From the outbox's completion email through the public rating page to the requester's mail and the dashboard.

The recipient's browser never signed in: the rating page answers without the gatekeeper. Opening the link records
nothing; Send records the answer (and sending again replaces it), a low rating mails the requester with the comment,
and the approver's dashboard shows the customer's average and the comment as text.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.conftest import PageProblems, SignIn
from tests.browser.helpers import (
    Outbox,
    assert_accessible,
    assert_no_horizontal_scroll,
    emails_about,
    portal_api,
    wait_for_outbox,
)
from tests.browser.workflow import submit_change
from tests.local.stack_process import LocalStackProcess

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 375, "height": 740}
HOSTILE = "<b>ten minutes</b> of downtime & no warning"
_LINK = re.compile(r"(https?://\S+/feedback/[A-Za-z0-9_.-]+\?rating=2)")


@pytest.fixture
def recipient(browser: Browser, page_problems: PageProblems, opened_pages: list[Page]) -> Iterator[Page]:
    """A customer's browser on a phone: never signed in to the portal."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page_problems.watch(page)
    opened_pages.append(page)
    yield page
    context.close()


def completion_link(outbox: Outbox, object_id: str) -> str:
    [email, *_] = emails_about(outbox, object_id, "completed")
    found = _LINK.search(email["text"])
    assert found, email["text"]
    return found.group(1)


def test_a_rating_from_the_completion_email_reaches_the_requester_and_the_dashboard(
    sign_in: SignIn, stack: LocalStackProcess, recipient: Page
) -> None:
    title = f"Move the DNS resolvers {uuid.uuid4().hex[:6]}"
    requester = sign_in("requester@example.com")
    object_id = submit_change(requester, changeTitle=title, customers=["alpha"])["changeId"]
    approver = sign_in("approver@example.com")
    assert portal_api(approver, "POST", f"/api/changes/{object_id}/approve").status == 200
    assert portal_api(approver, "POST", f"/api/changes/{object_id}/complete").status == 200
    outbox = wait_for_outbox(stack.url, lambda o: bool(emails_about(o, object_id, "completed")), "the completion email")
    link = completion_link(outbox, object_id)

    recipient.goto(link)
    expect(recipient.get_by_role("heading", name="How did this change go for you?")).to_be_visible()
    expect(recipient.get_by_role("heading", name=title)).to_be_visible()
    expect(recipient.get_by_role("radio", name="2")).to_be_checked()
    assert_no_horizontal_scroll(recipient)
    assert_accessible(recipient, "the rating page")
    feedback_path = f"/api/changes/{object_id}/feedback"
    assert portal_api(approver, "GET", feedback_path).json()["customers"] == [], "opening the link records nothing"

    recipient.get_by_label("Comment (optional)").fill(HOSTILE)
    recipient.get_by_role("button", name="Send").click()
    expect(recipient.get_by_role("status")).to_contain_text("your answer is saved")
    expect(recipient.get_by_label("Comment (optional)")).to_have_value(HOSTILE)
    assert_accessible(recipient, "the rating page after sending")

    [alpha] = portal_api(approver, "GET", feedback_path).json()["customers"]
    assert (alpha["count"], alpha["average"], alpha["comments"][0]["comment"]) == (1, 2.0, HOSTILE)
    told = wait_for_outbox(stack.url, lambda o: bool(emails_about(o, object_id, "feedback_low")), "the low rating")
    [mail] = emails_about(told, object_id, "feedback_low")
    assert mail["recipients"] == ["requester@example.com"] and HOSTILE in mail["text"]

    recipient.get_by_role("radio", name="4").check()
    with recipient.expect_response(lambda response: response.request.method == "POST") as sent:
        recipient.get_by_role("button", name="Send").click()
    assert sent.value.status == 200
    expect(recipient.get_by_role("radio", name="4")).to_be_checked()
    expect(recipient.get_by_role("status")).to_contain_text("your answer is saved")
    [alpha] = portal_api(approver, "GET", feedback_path).json()["customers"]
    assert (alpha["count"], alpha["average"]) == (1, 4.0), "sending again replaces the answer"

    dashboard = sign_in("approver@example.com", "/index.html")
    panel = dashboard.locator("#feedbackPanel")
    expect(panel).to_be_visible()
    expect(panel.locator('[data-customer="alpha"]')).to_contain_text("Alpha Retail")
    expect(panel.get_by_text(HOSTILE)).to_be_visible()
    assert panel.locator("b").count() == 0, "a comment is text, never markup"
    assert_accessible(dashboard, "the dashboard with its feedback panel")

    mine = sign_in("requester@example.com", "/my-changes.html?status=all")
    mine.locator(f".change-card[data-id='{object_id}'] .item-title").click()
    section = mine.locator(f"dialog[data-object-id='{object_id}'] section.feedback")
    expect(section.get_by_role("heading", name="Customer feedback")).to_be_visible()
    expect(section).to_contain_text("Alpha Retail: 4.00 average of 1 answer")
    expect(section.get_by_text(HOSTILE)).to_be_visible()


def test_a_bad_link_gets_the_same_plain_page(
    stack: LocalStackProcess, recipient: Page, page_problems: PageProblems
) -> None:
    page_problems.expected(r"status of 404 .* at .*/feedback/not\.a\.token")
    response = recipient.goto(f"{stack.url}/feedback/not.a.token?rating=5")

    assert response is not None and response.status == 404
    expect(recipient.get_by_role("heading", name="This link is no longer valid")).to_be_visible()
    assert_accessible(recipient, "the invalid link page")
