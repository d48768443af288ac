"""The change calendar in a real browser: views, filters, the details dialog, the keyboard, a phone, planning
warnings in the form and on approval cards, and a customer's public maintenance page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ccm.local.demo_calendar import CONFLICT_CUSTOMER, DEMO_IDS, WEEKLY_FREEZE_CUSTOMERS
from tests.browser.conftest import PHONE, SignIn
from tests.browser.helpers import (
    assert_accessible,
    assert_no_horizontal_scroll,
    filter_by_customer,
    pick_customers,
    portal_api,
)
from tests.browser.workflow import submit_change
from tests.local.stack_process import LocalStackProcess

pytestmark = pytest.mark.browser


def demo_change(page: Page, index: int = 0) -> dict[str, Any]:
    response = portal_api(page, "GET", f"/api/changes/{DEMO_IDS[index]}")
    assert response.status == 200, response.text()
    document: dict[str, Any] = response.json()
    return document


def local_day(page: Page, instant: str) -> str:
    """The day ``instant`` falls on in the browser's zone, as the calendar places it."""
    day: str = page.evaluate(
        "(instant) => new Intl.DateTimeFormat('en-CA', {year: 'numeric', month: '2-digit', day: '2-digit'})"
        ".format(new Date(instant))",
        instant,
    )
    return day


def open_calendar(page: Page, query: str) -> None:
    page.goto(f"/calendar.html?{query}")
    expect(page.locator("#calendar [data-day]").first).to_be_attached()


def test_the_month_view_shows_the_demo_conflict_and_freezes_and_a_click_opens_the_details(sign_in: SignIn) -> None:
    page = sign_in("requester@example.com", "/calendar.html")
    first = demo_change(page)
    day = local_day(page, first["implementationStart"])
    open_calendar(page, f"view=month&date={day}")

    cell = page.locator(f"td[data-day='{day}']")
    for object_id in DEMO_IDS:
        event = cell.locator(f"button.event[data-id='{object_id}']")
        expect(event).to_have_class("event event-change event-approved event-conflict")
        expect(event).to_contain_text("conflicts with")
    expect(page.locator("#conflictList")).to_be_visible()
    expect(page.locator("#conflictItems li")).to_contain_text(f"both touch {CONFLICT_CUSTOMER}")
    expect(page.locator(".day-frozen .freeze-label").first).to_contain_text("Weekend trading freeze")
    assert_accessible(page, "the calendar's month view")

    cell.locator(f"button.event[data-id='{DEMO_IDS[0]}']").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.locator(".dialog-title")).to_have_text("Upgrade the payment gateway")
    expect(dialog).to_contain_text("Change type")
    assert_accessible(page, "the details dialog over the calendar")


def test_week_and_agenda_views_and_the_filters_choose_what_is_shown(sign_in: SignIn) -> None:
    page = sign_in("requester@example.com", "/calendar.html")
    day = local_day(page, demo_change(page)["implementationStart"])
    open_calendar(page, f"view=month&date={day}")

    page.get_by_role("button", name="Week", exact=True).click()
    expect(page.locator(f".calendar-week li[data-day='{day}'] button.event[data-id='{DEMO_IDS[1]}']")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/calendar\.html\?view=week&date={day}$"))
    page.get_by_role("button", name="Agenda", exact=True).click()
    agenda = page.locator(f".calendar-agenda li[data-day='{day}']")
    expect(agenda).to_contain_text("Migrate the customer database")
    expect(agenda.locator(".agenda-conflict").first).to_contain_text("Conflicts with")
    assert_accessible(page, "the calendar's agenda")

    page.locator("#kindFilter").select_option("announcement")
    expect(page.locator(f"button.event[data-id='{DEMO_IDS[0]}']")).to_have_count(0)
    page.locator("#kindFilter").select_option("")
    filter_by_customer(page, WEEKLY_FREEZE_CUSTOMERS[0])
    expect(page.locator(f"button.event[data-id='{DEMO_IDS[0]}']")).to_have_count(0)
    expect(page).to_have_url(re.compile(f"customer={WEEKLY_FREEZE_CUSTOMERS[0]}"))
    filter_by_customer(page, CONFLICT_CUSTOMER)
    page.locator("#statusFilter").select_option("approved")
    expect(page.locator(f"button.event[data-id='{DEMO_IDS[0]}']")).to_be_visible()


def test_the_keyboard_moves_between_days_and_periods(sign_in: SignIn) -> None:
    page = sign_in("requester@example.com", "/calendar.html?view=month&date=2030-01-15")
    expect(page.locator("#periodTitle")).to_have_text("January 2030")
    page.locator("td[data-day='2030-01-15']").focus()

    page.keyboard.press("ArrowRight")
    expect(page.locator("td[data-day='2030-01-16']")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.locator("td[data-day='2030-01-23']")).to_be_focused()
    page.keyboard.press("Home")
    expect(page.locator("td[data-day='2030-01-21']")).to_be_focused()
    page.keyboard.press("PageDown")
    expect(page.locator("#periodTitle")).to_have_text("February 2030")
    expect(page.locator("td[data-day='2030-02-21']")).to_be_focused()
    assert page.locator("td[tabindex='0']").count() == 1


def test_a_phone_gets_the_agenda_without_sideways_scrolling(sign_in: SignIn) -> None:
    page = sign_in("requester@example.com", "/calendar.html", viewport=PHONE)
    expect(page.get_by_role("button", name="Agenda", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".calendar-agenda, #calendar .empty-state")).to_be_visible()
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "the calendar's agenda on a phone")


def test_the_form_warns_of_overlaps_and_freezes_and_the_approval_card_repeats_them(sign_in: SignIn) -> None:
    requester = sign_in("requester@example.com", "/create-change.html")
    first = demo_change(requester)
    expect(requester.locator(f"#customer-{CONFLICT_CUSTOMER}")).to_be_attached()
    zone = "UTC"
    requester.locator("#timezone").select_option(zone)
    start, end = first["implementationStart"], first["implementationEnd"]
    requester.locator("#implementationBeginDate").fill(start[:10])
    requester.locator("#implementationBeginTime").fill(start[11:16])
    requester.locator("#implementationEndDate").fill(end[:10])
    requester.locator("#implementationEndTime").fill(end[11:16])
    requester.locator("#implementationEndTime").dispatch_event("change")
    pick_customers(requester, CONFLICT_CUSTOMER)

    warnings = requester.locator("#planningWarnings")
    expect(warnings).to_contain_text(f"overlaps {DEMO_IDS[0]}")
    expect(warnings).to_contain_text(f"for {CONFLICT_CUSTOMER}")
    assert_accessible(requester, "the change form with warnings")

    change = submit_change(
        requester,
        customers=[CONFLICT_CUSTOMER],
        implementationStart=start,
        implementationEnd=end,
        changeTitle="Patch the portal",
    )
    approver = sign_in("approver@example.com", f"/approvals.html?customerCode={CONFLICT_CUSTOMER}")
    card = approver.locator(f"#items li.item[data-id='{change['changeId']}']")
    expect(card.locator(".calendar-warnings")).to_contain_text(f"overlaps {DEMO_IDS[0]}")


def test_a_change_inside_a_freeze_is_refused_unless_it_is_a_justified_emergency(sign_in: SignIn) -> None:
    page = sign_in("requester@example.com", "/calendar.html")
    answer = portal_api(page, "GET", "/api/calendar?from=2031-01-01&to=2031-01-31").json()
    weekend = next(freeze for freeze in answer["freezes"] if freeze["name"] == "Weekend trading freeze")
    body = {
        "changeTitle": "Patch the tills",
        "customers": [WEEKLY_FREEZE_CUSTOMERS[0]],
        "changeReason": "Vendor fix",
        "implementationStart": weekend["start"],
        "implementationEnd": weekend["end"],
    }

    refused = portal_api(page, "POST", "/api/changes", body)
    accepted = portal_api(
        page, "POST", "/api/changes", {**body, "changeType": "emergency", "emergencyJustification": "Tills down"}
    )

    assert refused.status == 409 and "Weekend trading freeze" in refused.json()["error"]
    assert accepted.status == 201, accepted.text()
    page.goto(f"/calendar.html?view=agenda&date={local_day(page, weekend['start'])}")
    page.locator(f"button.event[data-id='{accepted.json()['id']}']").first.click()
    expect(page.locator("dialog[open]")).to_contain_text("Emergency entered a freeze window")
    expect(page.locator("dialog[open]")).to_contain_text("'Weekend trading freeze'")


def test_a_customers_maintenance_page_needs_no_sign_in_and_lists_its_approved_changes(
    sign_in: SignIn, stack: LocalStackProcess
) -> None:
    page = sign_in("requester@example.com", "/calendar.html")
    banner = next(line for line in stack.output if "maintenance calendar:" in line)
    feed_page = banner.split("maintenance calendar: ", 1)[1].strip()
    browser = page.context.browser
    assert browser is not None
    visitor = browser.new_context()
    try:
        public = visitor.new_page()
        public.goto(feed_page)
        expect(public.locator("h1")).to_have_text("Planned maintenance for Victor Finance")
        expect(public.locator(".event h3").first).to_contain_text("Upgrade the payment gateway")
        expect(public.get_by_role("link", name="Add to calendar")).to_have_attribute(
            "href", feed_page.replace("http://", "webcal://") + ".ics"
        )
        assert_accessible(public, "a customer's maintenance page")
    finally:
        visitor.close()
