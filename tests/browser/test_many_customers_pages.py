"""The rest of the portal at a thousand customers: My changes drawn fifty at a time (and steady while more than
fifty load on a 390 px phone), the approvals and calendar pages' searchable customer filters, and the details dialog
that names three customers and lists all of them on request; axe-clean, on phones too.

As in the picker's tests, the page gets the thousand customers from the shared demo stack through Playwright's
routing: the stack's ``GET /api/customers`` followed by the generated customers of ``--customers 1000``, and where
a test needs an item naming all of them, the stack's own answer about that item with its customers extended.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, Route, expect

from ccm.local.demo_calendar import CONFLICT_CUSTOMER, DEMO_IDS
from tests.api.helpers import change_input
from tests.browser.conftest import PHONE, PageProblems, SignIn
from tests.browser.helpers import (
    assert_accessible,
    assert_no_horizontal_scroll,
    codes_where,
    filter_by_customer,
    filtered_customer,
    generated_customers,
    portal_api,
    with_many_customers,
)
from tests.browser.test_layout_stability import (
    GOOD_CLS,
    NARROW_PHONE,
    SLOW_4G,
    WATCH_SHIFTS,
    PortalPage,
    layout_shift_while_loading,
)
from tests.browser.workflow import submit_change

pytestmark = pytest.mark.browser

CUSTOMERS = 1000
PAGE = 50
"""Cards drawn before Show more, and matches a customer filter lists at once."""
REQUESTER = "requester@example.com"
APPROVER = "approver@example.com"
OWNER = "admin@example.com"
"""Whose My changes get more than a page of drafts: nobody else's lists grow by them."""
LIVE_TIMEOUT = 180_000
"""A first start works off the demo history's archive writes before it gets to the events of a test."""
DECISION_TIMEOUT = 60_000
UNTHROTTLED = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


@pytest.fixture(scope="module")
def mappings() -> dict[str, dict[str, object]]:
    return generated_customers(CUSTOMERS)


def naming_everyone(page: Page, address: str | re.Pattern[str], object_id: str, codes: list[str]) -> None:
    """The stack's answers at ``address`` with the item ``object_id`` (a listed item or the document itself)
    naming every one of ``codes``, as a change for all the customers would."""

    def extend(route: Route) -> None:
        answer = route.fetch()
        body = answer.json()
        for item in body.get("items", [body]):
            if object_id in (item.get("id"), item.get("changeId")):
                item["customers"] = [*item["customers"], *(c for c in codes if c not in item["customers"])]
        route.fulfill(response=answer, json=body)

    page.context.route(address, extend)


def test_my_changes_draw_fifty_keep_still_on_a_phone_and_keep_the_cards_opened_through_a_live_refresh(
    sign_in: SignIn,
) -> None:
    page = sign_in(OWNER, "/", viewport=NARROW_PHONE)
    token = uuid.uuid4().hex[:8]
    drafts = []
    for number in range(PAGE + 5):
        fields = change_input(changeTitle=f"Paging {token} {number:02d}", customers=["alpha"], status="draft")
        answer = portal_api(page, "POST", "/api/drafts", fields)
        assert answer.status == 201, answer.text()
        drafts.append(fields)
    newest = drafts[-1]["changeId"]

    # Loading more than a page on a slow phone connection moves nothing that is in sight, as every page's must not.
    page.context.add_init_script(WATCH_SHIFTS)
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send("Network.emulateNetworkConditions", SLOW_4G)
    loading = PortalPage("my-changes", f"/my-changes.html?status=all&saved={newest}", "#changeList .item-list")
    shift, moved = layout_shift_while_loading(page, loading)
    assert shift <= GOOD_CLS, f"layout shift {shift:.3f} while more than a page of changes loaded: {moved}"
    assert_no_horizontal_scroll(page)
    network.send("Network.emulateNetworkConditions", UNTHROTTLED)

    cards = page.locator("#changeList .change-card")
    more = page.locator("#changeList .show-more")
    news = page.locator("#changeList .message")
    expect(news).to_contain_text(f"Paging {token} {PAGE + 4:02d}")
    titles = {f"Paging {token} {number:02d}" for number in range(PAGE + 5)}
    drawn_before = cards.first.element_handle()
    page.locator("#textFilter").fill(token)
    drawn_before.wait_for_element_state("hidden")  # the search draws the list anew, once its typing pause is over
    expect(page.locator("#listSummary")).to_have_text(re.compile(rf"^Showing {PAGE + 5} of your \d+ changes\.$"))
    expect(cards).to_have_count(PAGE)
    first_page = cards.locator(".item-title").all_inner_texts()
    assert len(set(first_page)) == PAGE and set(first_page) <= titles, first_page
    expect(more).to_have_text("Show 5 more (5 more changes)")
    assert_no_horizontal_scroll(page)

    more.click()
    expect(cards).to_have_count(PAGE + 5)
    expect(more).to_be_hidden()
    expect(cards.nth(PAGE).locator(".item-title")).to_be_focused()
    assert set(cards.locator(".item-title").all_inner_texts()) == titles
    assert_accessible(page, "My changes with every card shown")

    # The oldest draft is submitted elsewhere: the live refresh shows it, and keeps what the reader opened.
    oldest = drafts[0]["changeId"]
    submission = {key: value for key, value in drafts[0].items() if key != "status"}
    submitted = portal_api(page, "POST", "/api/changes", submission)
    assert submitted.status in (200, 201), submitted.text()
    expect(page.locator(f"li[data-id='{oldest}'] .badge")).to_have_text("Pending approval", timeout=LIVE_TIMEOUT)
    expect(cards).to_have_count(PAGE + 5)
    expect(news).to_be_visible()

    # Another tab is another list, from its first page.
    page.locator("#statusTabs [data-status='draft']").click()
    expect(cards).to_have_count(PAGE)
    expect(more).to_have_text("Show 4 more (4 more changes)")


def test_the_approvals_customer_filter_finds_one_of_a_thousand_by_keys_and_keeps_its_address(
    sign_in: SignIn, mappings: dict[str, dict[str, object]], page_problems: PageProblems
) -> None:
    # The card asks the stack for the planning warnings of all 1,000; it knows 26 of them and says so.
    page_problems.expected(r"4\d\d .*/api/calendar/conflicts")
    requester = sign_in(REQUESTER)
    change_id = str(submit_change(requester, customers=["alpha", "bravo"])["changeId"])
    other_id = str(submit_change(requester, customers=["charlie"])["changeId"])
    approver = sign_in(APPROVER, "/approvals.html")
    naming_everyone(approver, re.compile(r"/api/approvals(\?|$)"), change_id, list(mappings))
    card = approver.locator(f"#items li.item[data-id='{change_id}']")
    other = approver.locator(f"#items li.item[data-id='{other_id}']")
    with_many_customers(approver, "/approvals.html", mappings, shown=f"#items li.item[data-id='{change_id}']")
    expect(card).to_contain_text(f"{CUSTOMERS:,} customers: Alpha Retail, Bravo Media,")

    box = approver.locator("#customerFilter")
    options = approver.locator("#customerFilter-listbox [role='option']")
    note = approver.locator("#customerFilter-note")
    box.click()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(options).to_have_count(PAGE + 1)
    expect(options.first).to_have_text("All customers")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(note).to_have_text(f"Showing {PAGE} of 1,000 customers: type more to narrow them.")

    health_apac = codes_where(mappings, "health", "apac")
    assert 1 < len(health_apac) < PAGE
    box.fill("health apac")
    expect(options).to_have_count(len(health_apac))
    expect(note).to_have_text(f"{len(health_apac)} of 1,000 customers match.")
    assert_accessible(approver, "the approvals page's customer filter, open, at 1,000 customers")
    box.press("ArrowDown")
    box.press("ArrowDown")
    second = options.nth(1)
    expect(box).to_have_attribute("aria-activedescendant", str(second.get_attribute("id")))
    code = str(second.get_attribute("data-code"))
    assert code in health_apac
    box.press("Enter")
    expect(filtered_customer(approver)).to_have_value(code)
    expect(box).to_have_value(f"{mappings[code]['customer_name']} ({code})")
    expect(box).to_have_attribute("aria-expanded", "false")
    # Only the change that names the customer: every other pending item names only the stack's own customers.
    expect(approver.locator("#items li.item")).to_have_count(1)
    expect(card).to_be_visible()
    expect(other).to_have_count(0)

    # Escape puts the choice back; an emptied box means every customer again.
    box.fill("zzz no such customer")
    expect(note).to_have_text("No customer matches. Try part of a code, a name or a tag.")
    box.press("Escape")
    expect(box).to_have_value(f"{mappings[code]['customer_name']} ({code})")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.fill("")
    box.press("Enter")
    expect(filtered_customer(approver)).to_have_value("")
    expect(other).to_be_visible()

    # An approval email's link names the customer: the page opens filtered by it.
    approver.goto(f"/approvals.html?customerCode={code}")
    expect(filtered_customer(approver)).to_have_value(code)
    expect(box).to_have_value(f"{mappings[code]['customer_name']} ({code})")
    expect(approver.locator("#items li.item")).to_have_count(1)
    filter_by_customer(approver, "charlie")
    expect(other).to_be_visible()
    expect(card).to_be_visible()  # it names every customer, charlie too


def test_the_calendar_customer_filter_on_a_phone_lists_a_thousand_in_a_box_that_fits_the_screen(
    sign_in: SignIn, mappings: dict[str, dict[str, object]]
) -> None:
    page = sign_in(REQUESTER, "/", viewport=PHONE)
    start = str(portal_api(page, "GET", f"/api/changes/{DEMO_IDS[0]}").json()["implementationStart"])
    with_many_customers(page, f"/calendar.html?view=agenda&date={start[:10]}", mappings, shown=".calendar-agenda")
    box = page.locator("#customerFilter")
    popup = page.locator(".combo-popup")
    box.click()
    expect(page.locator("#customerFilter-note")).to_have_text(
        f"Showing {PAGE} of 1,000 customers: type more to narrow them."
    )
    assert_no_horizontal_scroll(page)
    shape = popup.bounding_box()
    assert shape is not None and shape["x"] >= 0 and shape["x"] + shape["width"] <= PHONE["width"], shape
    assert_accessible(page, "the calendar's customer filter, open, on a phone")

    box.fill(CONFLICT_CUSTOMER)
    page.locator(f"#customerFilter-option-{CONFLICT_CUSTOMER}").click()
    expect(page).to_have_url(re.compile(f"customer={CONFLICT_CUSTOMER}"))
    expect(page.locator(f"button.event[data-id='{DEMO_IDS[0]}']").first).to_be_visible()
    assert_no_horizontal_scroll(page)

    # The address keeps the filter: the page opens with it chosen.
    page.reload()
    expect(filtered_customer(page)).to_have_value(CONFLICT_CUSTOMER)
    expect(box).to_have_value(f"{mappings[CONFLICT_CUSTOMER]['customer_name']} ({CONFLICT_CUSTOMER})")


def test_the_details_name_three_customers_and_list_all_thousand_on_request_on_a_phone(
    sign_in: SignIn, mappings: dict[str, dict[str, object]]
) -> None:
    page = sign_in(REQUESTER, "/", viewport=PHONE)
    change_id = str(submit_change(page, customers=["alpha", "bravo", "charlie"])["changeId"])
    naming_everyone(page, re.compile(rf"/api/changes/{change_id}$"), change_id, list(mappings))
    with_many_customers(page, "/my-changes.html?status=submitted", mappings, shown=f"li[data-id='{change_id}']")
    page.locator(f"li[data-id='{change_id}'] .item-title").click()
    dialog = page.locator(f"dialog[data-object-id='{change_id}']")
    names = ", ".join(str(mappings[code]["customer_name"]) for code in ("alpha", "bravo", "charlie"))
    expect(dialog.locator(".roll-names")).to_have_text(f"{names} and 997 more")

    disclosure = dialog.locator(".customer-roll-box")
    disclosure.get_by_text("Show all 1,000 customers").click()
    roll = disclosure.locator(".customer-roll li")
    expect(roll).to_have_count(CUSTOMERS)
    expect(disclosure.locator(".roll-count")).to_have_text("1,000 customers.")
    shape = disclosure.locator(".customer-roll").bounding_box()
    assert shape is not None and shape["height"] < 300, f"the list of customers is {shape} high"
    assert dialog.evaluate("(node) => node.scrollWidth <= node.clientWidth"), "the dialog scrolls sideways"
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "the details of a change to 1,000 customers, every customer listed, on a phone")

    finance_eu = codes_where(mappings, "finance", "eu")
    search = disclosure.get_by_label("Find a customer")
    search.fill("finance eu")
    expect(roll).to_have_count(len(finance_eu))
    expect(disclosure.locator(".roll-count")).to_have_text(f"{len(finance_eu)} of 1,000 customers match.")
    assert sorted(roll.evaluate_all("(rows) => rows.map((row) => row.dataset.code)")) == finance_eu
    # Escape empties the filter and leaves the dialog open; a second one closes it.
    search.press("Escape")
    expect(search).to_have_value("")
    expect(roll).to_have_count(CUSTOMERS)
    expect(dialog).to_be_visible()


def test_the_details_of_a_change_to_a_few_customers_name_them_all(sign_in: SignIn) -> None:
    page = sign_in(REQUESTER)
    change_id = str(submit_change(page, customers=["alpha", "bravo"])["changeId"])
    page.goto("/my-changes.html?status=submitted")
    page.locator(f"li[data-id='{change_id}'] .item-title").click()
    facts = page.locator(f"dialog[data-object-id='{change_id}'] .facts")
    expect(facts).to_contain_text("Alpha Retail and Bravo Media")
    expect(facts.locator(".customer-roll-box")).to_have_count(0)


def test_an_approval_keeps_the_cards_the_approver_opened_and_a_new_filter_starts_at_fifty(
    sign_in: SignIn, page_problems: PageProblems
) -> None:
    # The look-alikes exist only in the page: the stack knows no audience of theirs.
    page_problems.expected(r"404 .*/api/changes/CHG-00000000-0000-0000-0000-[0-9a-f]{12}/audience")
    requester = sign_in(REQUESTER)
    token = uuid.uuid4().hex[:8]
    real = submit_change(requester, changeTitle=f"Opened {token}", customers=["alpha"])
    approver = sign_in(APPROVER)
    clones = PAGE + 4

    def more_pending(route: Route) -> None:
        # The stack's own answer and more than a page of look-alikes after it: only the real item is decided on.
        answer = route.fetch()
        body = answer.json()
        mine = [item for item in body["items"] if item["id"] == real["changeId"]]
        copies = [
            {**item, "id": f"CHG-{uuid.UUID(int=number)}", "title": f"Look-alike {token} {number:02d}"}
            for item in mine
            for number in range(clones)
        ]
        route.fulfill(response=answer, json={**body, "items": [*copies, *body["items"]]})

    approver.context.route(re.compile(r"/api/approvals(\?|$)"), more_pending)
    approver.goto("/approvals.html")
    cards = approver.locator("#items li.item")
    more = approver.locator("#items .show-more")
    expect(cards).to_have_count(PAGE)
    more.click()
    expect(more).to_be_hidden()
    opened = cards.count()
    assert opened > PAGE

    card = approver.locator(f"#items li.item[data-id='{real['changeId']}']")
    card.get_by_role("button", name="Approve").click()
    approver.locator("dialog").get_by_role("button", name="Approve").click()
    # The decision writes the archive, the catalog row and a trigger per customer: slow on a busy two-core machine.
    expect(approver.locator("#statusContainer")).to_contain_text("was approved", timeout=DECISION_TIMEOUT)
    # The list is drawn again with the approved card in place: still every card the approver had opened.
    expect(card).to_have_count(1)
    expect(cards).to_have_count(opened)

    # Another filter is another list, from its first page.
    approver.locator("#typeFilter").select_option("change")
    expect(cards).to_have_count(PAGE)
    expect(more).to_be_visible()
