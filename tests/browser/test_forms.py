"""The change form and the announcement form as one: the same buttons, the same checks, the same words after a
submission, and a page that says what happened in the requester's terms."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser.conftest import SignIn
from tests.browser.helpers import assert_accessible, pick_customers
from tests.browser.workflow import CHANGE_TEXTS

pytestmark = pytest.mark.browser

REQUESTER = "requester@example.com"
BUTTONS = ["Clear form", "Save draft", "Submit for approval"]
FIX_THE_MARKED_FIELDS = "Some fields need your attention; they are marked below."


@dataclass(frozen=True)
class Form:
    page: str
    required: dict[str, str]
    """Text field id -> the message an empty submission shows under it."""
    list_page: str


CHANGE_FORM = Form(
    "/create-change.html",
    {
        "changeTitle": "Enter a title.",
        "changeReason": "Enter the reason for the change.",
        "implementationPlan": "Enter the implementation plan.",
        "testPlan": "Enter the test plan.",
        "customerImpact": "Enter the customer impact.",
        "rollbackPlan": "Enter the rollback plan.",
    },
    "my-changes",
)
ANNOUNCEMENT_FORM = Form(
    "/create-announcement.html",
    {"title": "Enter a title.", "summary": "Enter the summary.", "content": "Enter the content."},
    "announcements",
)


def writes_to_the_api(page: Page) -> list[str]:
    sent: list[str] = []

    def record(request: Request) -> None:
        if request.method != "GET" and "/api/" in request.url:
            sent.append(f"{request.method} {request.url}")

    page.on("request", record)
    return sent


@pytest.mark.parametrize("form", [CHANGE_FORM, ANNOUNCEMENT_FORM], ids=["change", "announcement"])
def test_an_empty_submission_marks_every_required_field_and_each_mark_goes_once_it_is_filled(
    sign_in: SignIn, form: Form
) -> None:
    page = sign_in(REQUESTER, form.page)
    page.locator("#customer-alpha").wait_for()
    sent = writes_to_the_api(page)
    assert page.locator(".form-actions button").all_inner_texts() == BUTTONS

    page.get_by_role("button", name="Submit for approval").click()

    expect(page.locator("#statusContainer .message-error")).to_have_text(re.compile(re.escape(FIX_THE_MARKED_FIELDS)))
    for field, message in form.required.items():
        expect(page.locator(f"#{field}-error")).to_have_text(message)
        expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#customers-error")).to_have_text("Choose at least one customer.")
    expect(page.locator("#customers-filter")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("form [aria-invalid='true']").first).to_be_focused()
    assert_accessible(page, f"{form.page} with every required field marked")

    pick_customers(page, "alpha")
    expect(page.locator("#customers-error")).to_be_hidden()
    expect(page.locator("#customers-filter")).not_to_have_attribute("aria-invalid", "true")
    for field in form.required:
        page.locator(f"#{field}").fill("Filled in")
        expect(page.locator(f"#{field}-error")).to_be_hidden()
        expect(page.locator(f"#{field}")).not_to_have_attribute("aria-invalid", "true")
    assert sent == []


def test_a_submitted_change_leads_to_my_changes_which_says_who_is_asked_to_approve_it(sign_in: SignIn) -> None:
    page = sign_in(REQUESTER, CHANGE_FORM.page)
    title = f"Move the backups {uuid.uuid4().hex[:8]}"
    page.locator("#changeTitle").fill(title)
    pick_customers(page, "alpha", "bravo")
    for field, text in CHANGE_TEXTS.items():
        page.fill(f"#{field}", text)
    change_id = page.locator("#changeIdDisplay").inner_text()

    page.get_by_role("button", name="Submit for approval").click()

    page.wait_for_url(re.compile(r"/my-changes\.html\?status=submitted"))
    told = page.locator("#changeList .message-success")
    expect(told).to_have_text(
        re.compile(
            re.escape(f"“{title}” was submitted for approval: ")
            + "the approvers of Alpha Retail and Bravo Media are being asked by email."
        )
    )
    expect(page.locator(f".change-card[data-id='{change_id}'] .badge")).to_have_text("Pending approval")
    expect(page.get_by_text(re.compile("Permanent Storage|Archive"))).to_have_count(0)
    assert "submitted=" not in page.url, "a reload does not tell it again"


def test_a_submitted_announcement_leads_to_the_announcements_which_say_who_is_asked_to_approve_it(
    sign_in: SignIn,
) -> None:
    page = sign_in(REQUESTER, ANNOUNCEMENT_FORM.page)
    title = f"Cloud office hours {uuid.uuid4().hex[:8]}"
    pick_customers(page, "charlie")
    page.get_by_role("textbox", name="Title", exact=True).fill(title)
    page.get_by_role("textbox", name="Summary", exact=True).fill("Office hours every Thursday")
    page.get_by_role("textbox", name="Content", exact=True).fill("Bring your questions about the platform.")
    announcement_id = page.locator("#idNote code").inner_text()

    page.get_by_role("button", name="Submit for approval").click()

    page.wait_for_url(re.compile(r"/announcements\.html\?status=submitted"))
    told = f"“{title}” was submitted for approval: the approvers of Charlie Logistics are being asked by email."
    expect(page.locator("#list .message-success")).to_contain_text(told)
    expect(page.locator("#listNews"), "screen readers hear it from a live region").to_have_text(told)
    expect(page.locator(f"li.item[data-id='{announcement_id}'] .badge")).to_have_text("Pending approval")
    expect(page.get_by_text(re.compile("Permanent Storage|Archive"))).to_have_count(0)


def test_a_saved_draft_announcement_is_named_on_its_list_with_what_happens_next(sign_in: SignIn) -> None:
    page = sign_in(REQUESTER, ANNOUNCEMENT_FORM.page)
    title = f"A draft announcement {uuid.uuid4().hex[:8]}"
    page.get_by_role("textbox", name="Title", exact=True).fill(title)

    page.get_by_role("button", name="Save draft").click()

    page.wait_for_url(re.compile(r"/announcements\.html\?status=draft"))
    expect(page.locator("#list .message-success")).to_have_text(
        re.compile(re.escape(f"Draft “{title}” saved. Nobody is told about it until you submit it for approval."))
    )
