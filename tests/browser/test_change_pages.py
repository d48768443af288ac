"""The change pages as a requester uses them: create-change, edit-change and my-changes in Chromium."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Dialog, Page, Request, expect

from tests.browser.conftest import PHONE, SignIn
from tests.browser.helpers import (
    assert_accessible,
    assert_no_horizontal_scroll,
    chosen_customer,
    pick_customers,
    portal_api,
)
from tests.browser.workflow import CHANGE_TEXTS

pytestmark = pytest.mark.browser

REQUESTER = "requester@example.com"


def change_input(title: str, **overrides: Any) -> dict[str, Any]:
    return {
        "object_type": "change",
        "changeTitle": title,
        "customers": ["alpha", "bravo"],
        **CHANGE_TEXTS,
        "implementationStart": "2030-01-07T15:00:00Z",
        "implementationEnd": "2030-01-07T17:00:00Z",
        "timezone": "America/New_York",
        **overrides,
    }


def create(page: Page, collection: str, document: dict[str, Any]) -> str:
    answer = portal_api(page, "POST", f"/api/{collection}", document)
    assert answer.ok, answer.text()
    return str(answer.json()["id"])


def stored(page: Page, change_id: str) -> dict[str, Any]:
    answer = portal_api(page, "GET", f"/api/changes/{change_id}")
    assert answer.ok, answer.text()
    document: dict[str, Any] = answer.json()
    return document


def tomorrow_in(zone: str) -> date:
    return (datetime.now(ZoneInfo(zone)) + timedelta(days=1)).date()


def posts_to_the_api(page: Page) -> list[str]:
    sent: list[str] = []

    def record(request: Request) -> None:
        if request.method != "GET" and "/api/" in request.url:
            sent.append(f"{request.method} {request.url}")

    page.on("request", record)
    return sent


def test_a_change_written_in_tokyo_time_is_drafted_edited_and_submitted_with_its_window_in_utc(
    sign_in: SignIn,
) -> None:
    page = sign_in(REQUESTER, "/create-change.html")
    title = f"Rotate the certificates {uuid.uuid4().hex[:8]}"
    day = tomorrow_in("Asia/Tokyo").isoformat()
    page.locator("#changeTitle").fill(title)
    pick_customers(page, "alpha", "bravo")
    for field, text in CHANGE_TEXTS.items():
        page.fill(f"#{field}", text)
    page.select_option("#timezone", "Asia/Tokyo")
    page.fill("#implementationBeginDate", day)
    page.fill("#implementationBeginTime", "09:00")
    page.fill("#implementationEndDate", day)
    page.fill("#implementationEndTime", "11:00")
    expect(page.locator("#windowPreview")).to_contain_text("In UTC:")
    change_id = page.locator("#changeIdDisplay").inner_text()
    assert re.fullmatch(r"CHG-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", change_id)

    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/my-changes\.html\?status=draft"))
    expect(page.locator("#statusTabs [data-status=draft]")).to_have_attribute("aria-pressed", "true")
    card = page.locator(f".change-card[data-id='{change_id}']")
    expect(card).to_contain_text(title)
    expect(card.locator(".badge")).to_have_text("Draft")

    card.get_by_role("link", name=re.compile("^Edit")).click()
    page.wait_for_url(re.compile(r"/create-change\.html\?changeId="))
    expect(page.locator("#changeIdDisplay")).to_have_text(change_id)
    expect(page.locator("#implementationBeginTime")).to_have_value("09:00")
    expect(page.locator("#timezone")).to_have_value("Asia/Tokyo")
    page.locator("#changeTitle").fill(f"{title} (edited)")
    page.get_by_role("button", name="Submit for approval").click()
    page.wait_for_url(re.compile(r"/my-changes\.html\?status=submitted"))
    expect(page.locator(f".change-card[data-id='{change_id}'] .badge")).to_have_text("Pending approval")

    document = stored(page, change_id)
    nine_in_tokyo = datetime.combine(tomorrow_in("Asia/Tokyo"), time(9), ZoneInfo("Asia/Tokyo"))
    assert document["implementationStart"] == nine_in_tokyo.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert document["implementationEnd"] == (nine_in_tokyo + timedelta(hours=2)).astimezone(ZoneInfo("UTC")).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert (document["timezone"], document["implementationBeginTime"]) == ("Asia/Tokyo", "09:00")
    assert (document["status"], document["changeTitle"], document["customers"]) == (
        "submitted",
        f"{title} (edited)",
        ["alpha", "bravo"],
    )


def test_a_save_from_an_outdated_page_is_refused_names_who_saved_first_and_overwrites_nothing(
    sign_in: SignIn, page_problems: Any
) -> None:
    first = sign_in(REQUESTER)
    # A draft: nothing in the background (notifications of a submission) touches it while the pages edit it.
    draft = change_input(f"Patch the hosts {uuid.uuid4().hex[:8]}", changeId=f"CHG-{uuid.uuid4()}", status="draft")
    change_id = create(first, "drafts", draft)
    first.goto(f"/edit-change.html?changeId={change_id}")
    second = sign_in(REQUESTER, f"/edit-change.html?changeId={change_id}")
    for page in (first, second):
        expect(page.locator("#changeReason")).to_have_value(CHANGE_TEXTS["changeReason"])

    first.fill("#changeReason", "Reason written in the first window")
    first.get_by_role("button", name="Save changes").click()
    expect(first.locator("#statusContainer")).to_contain_text("Saved as version 2")

    second.fill("#testPlan", "Test plan written in the second window")
    second.get_by_role("button", name="Save changes").click()
    conflict = second.locator("#statusContainer .conflict")
    expect(conflict).to_contain_text("changed by requester")
    expect(conflict).to_contain_text("now version 2")
    expect(second.locator("#testPlan")).to_have_value("Test plan written in the second window")
    page_problems.expected(r"412")
    assert_accessible(second, "edit-change showing a conflict")
    document = stored(second, change_id)
    assert (document["version"], document["changeReason"], document["testPlan"]) == (
        2,
        "Reason written in the first window",
        CHANGE_TEXTS["testPlan"],
    )

    conflict.get_by_role("button", name="Reload the latest version").click()
    expect(second.locator("#changeReason")).to_have_value("Reason written in the first window")
    expect(second.locator("#testPlan")).to_have_value(CHANGE_TEXTS["testPlan"])
    expect(second.locator("#infoVersion")).to_have_text("version 2")


def test_a_title_written_as_markup_is_shown_as_text_in_the_list_and_in_the_details(sign_in: SignIn) -> None:
    page = sign_in(REQUESTER)
    title = "<img src=x onerror=alert(1)>"
    change_id = create(page, "drafts", change_input(title, changeId=f"CHG-{uuid.uuid4()}", status="draft"))
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.goto("/my-changes.html?status=draft")
    card = page.locator(f".change-card[data-id='{change_id}']")
    expect(card.locator(".item-title")).to_have_text(title)
    assert card.locator("img").count() == 0
    assert_accessible(page, "my-changes")

    card.locator(".item-title").click()
    details = page.locator(f"dialog[data-object-id='{change_id}']")
    expect(details.locator(".dialog-title")).to_have_text(title)
    assert details.locator("img").count() == 0
    assert dialogs == []


def test_copying_an_existing_change_fills_the_form_with_a_copy_under_a_new_id(sign_in: SignIn) -> None:
    page = sign_in(REQUESTER)
    token = uuid.uuid4().hex[:10]
    source_id = create(
        page,
        "changes",
        change_input(f"Upgrade the databases {token}", customers=["charlie"], include_meeting=True),
    )
    page.goto("/create-change.html")
    new_id = page.locator("#changeIdDisplay").inner_text()
    page.get_by_text("Copy an existing change").click()
    page.get_by_label("Search text").fill(token)
    page.get_by_role("button", name="Search", exact=True).click()
    page.locator(f"#cloneResults [data-id='{source_id}']").get_by_role("button", name=re.compile("^Copy")).click()

    expect(page.locator("#changeTitle")).to_have_value(f"Copy of Upgrade the databases {token}")
    expect(page.locator("#implementationPlan")).to_have_value(CHANGE_TEXTS["implementationPlan"])
    expect(chosen_customer(page, "charlie")).to_be_visible()
    expect(page.locator("#meetingRequired")).to_have_value("no")
    expect(page.locator("#timezone")).to_have_value("America/New_York")
    expect(page.locator("#implementationBeginTime")).to_have_value("10:00")
    copy_id = page.locator("#changeIdDisplay").inner_text()
    assert copy_id.startswith("CHG-") and copy_id not in (new_id, source_id)
    assert_accessible(page, "create-change with a copied change")


def test_an_end_before_the_start_is_marked_by_the_field_and_nothing_is_sent(
    sign_in: SignIn, page_problems: Any
) -> None:
    page = sign_in(REQUESTER, "/create-change.html")
    sent = posts_to_the_api(page)
    page.locator("#changeTitle").fill("A window that ends before it starts")
    page.fill("#implementationEndTime", "08:00")
    end_error = page.locator("#implementationEnd-error")
    expect(end_error).to_have_text("The end must be after the start.")
    expect(page.locator("#implementationEndTime")).to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("#statusContainer .message-error")).to_be_visible()
    expect(page.locator("#changeReason-error")).to_have_text("Enter the reason for the change.")
    assert sent == []

    # What only the server knows comes back by its field too: a meeting may not lie in the past.
    page.fill("#implementationEndTime", "17:00")
    expect(end_error).to_be_hidden()
    page.select_option("#meetingRequired", "yes")
    yesterday = (datetime.now(ZoneInfo("America/New_York")) - timedelta(days=1)).strftime("%Y-%m-%dT09:00")
    page.select_option("#timezone", "America/New_York")
    page.fill("#meetingDate", yesterday)
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#meetingDate-error")).to_have_text("the meeting may not be in the past")
    expect(page.locator("#meetingDate")).to_have_attribute("aria-invalid", "true")
    page_problems.expected(r"422")
    assert len(sent) == 1


def test_on_a_phone_the_form_fits_the_screen_and_saves_a_draft(sign_in: SignIn) -> None:
    page = sign_in(REQUESTER, "/create-change.html", viewport=PHONE)
    expect(page.locator("#windowPreview")).to_contain_text("In UTC:")
    assert_no_horizontal_scroll(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    title = f"Drafted on a phone {uuid.uuid4().hex[:8]}"
    page.locator("#changeTitle").fill(title)
    pick_customers(page, "delta")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/my-changes\.html\?status=draft"))
    expect(page.locator(".change-card", has_text=title)).to_be_visible()
    assert_no_horizontal_scroll(page)


def test_edit_change_without_a_known_id_says_so_and_leads_back(sign_in: SignIn, page_problems: Any) -> None:
    page = sign_in(REQUESTER, f"/edit-change.html?changeId=CHG-{uuid.uuid4()}")
    message = page.locator("#statusContainer .message-error")
    expect(message).to_contain_text("There is no change")
    expect(message.get_by_role("link", name="Go to My changes")).to_have_attribute("href", "my-changes.html")
    expect(page.locator("#editor")).to_be_hidden()
    page_problems.expected(r"404")
    page.goto("/edit-change.html")
    expect(page.locator("#statusContainer .message-error")).to_contain_text("changeId is missing")


def test_a_completed_changes_edit_page_shows_it_as_text_with_nothing_to_type_in(sign_in: SignIn) -> None:
    requester = sign_in(REQUESTER)
    title = f"Retire the old VPN {uuid.uuid4().hex[:8]}"
    change_id = create(requester, "changes", change_input(title))
    approver = sign_in("approver@example.com")
    assert portal_api(approver, "POST", f"/api/changes/{change_id}/approve").ok
    assert portal_api(requester, "POST", f"/api/changes/{change_id}/complete").ok

    requester.goto(f"/edit-change.html?changeId={change_id}")

    expect(requester.get_by_role("heading", level=1)).to_have_text("View a change")
    expect(requester.locator("#statusContainer")).to_contain_text(
        "This change is completed and can no longer be edited."
    )
    shown = requester.locator("#readOnlyView")
    expect(shown).to_contain_text(title)
    expect(shown).to_contain_text(CHANGE_TEXTS["rollbackPlan"])
    expect(requester.locator("#changeForm")).to_be_hidden()
    main = requester.locator("main")
    for role in ("textbox", "checkbox", "combobox", "spinbutton"):
        expect(main.get_by_role(role)).to_have_count(0)
    expect(requester.get_by_role("button", name="Save changes")).to_have_count(0)
    assert_accessible(requester, "a completed change's page")


def test_my_changes_shows_each_changes_window_with_its_own_zone(sign_in: SignIn) -> None:
    page = sign_in(REQUESTER)
    title = f"Rotate the keys {uuid.uuid4().hex[:8]}"
    change_id = create(page, "changes", change_input(title, timezone="Asia/Tokyo"))

    page.goto("/my-changes.html?status=submitted")

    window = page.locator(f".change-card[data-id='{change_id}'] .change-window")
    viewer_zone = page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    expect(window).to_contain_text(re.compile(r"^Window .*2030"))
    if viewer_zone != "Asia/Tokyo":
        expect(window).to_contain_text(re.compile(r"Jan 8, 2030.*, Asia/Tokyo\)$"))
