"""The customer picker at 1,000 customers, filtered, selected by matches and by tag, a chip removed, the keys used,
a change submitted; on a phone too; axe-clean.

A local stack with 1,000 customers takes about a second per customer to provision and seed on this machine (200
start in about 3 minutes), too slow for the suite, so the page gets them from the browser harness instead: the
shared demo stack's own answer to ``GET /api/customers`` (its 26 customers) followed by the 974 generated ones
that ``--customers 1000`` would add (:mod:`ccm.local.demo_customers`), through Playwright's routing. Everything else
is the stack's: the change submitted at the end names customers the stack has.
"""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, PageProblems, SignIn
from tests.browser.helpers import (
    assert_accessible,
    assert_no_horizontal_scroll,
    chosen_customer,
    codes_where,
    drop_customers,
    generated_customers,
    pick_customers,
    portal_api,
    with_many_customers,
)
from tests.browser.workflow import CHANGE_TEXTS

pytestmark = pytest.mark.browser

CUSTOMERS = 1000
REQUESTER = "requester@example.com"
SHOWN = 50
"""How many matches the picker's list draws at once."""


@pytest.fixture(scope="module")
def mappings() -> dict[str, dict[str, object]]:
    return generated_customers(CUSTOMERS)


def test_the_picker_filters_selects_and_submits_among_a_thousand(
    sign_in: SignIn, mappings: dict[str, dict[str, object]], page_problems: PageProblems
) -> None:
    # The form asks the stack for the planning warnings of the customers being picked; the stack does not know
    # the 974 that only the page was given, and says so (422).
    page_problems.expected(r"422 .*/api/calendar/conflicts")
    page = with_many_customers(sign_in(REQUESTER, "/create-change.html"), "/create-change.html", mappings)
    options = page.locator("#customers-listbox [role='option']")
    count = page.locator("#customers-count")
    expect(options).to_have_count(SHOWN)
    expect(page.locator("#customers-fieldset .picker-more")).to_have_text(
        f"Showing the first {SHOWN} of 1,000 matches: type more to narrow them."
    )
    expect(count).to_have_text("0 selected · 1,000 customers")

    health_apac = codes_where(mappings, "health", "apac")
    assert 5 < len(health_apac) < SHOWN
    search = page.locator("#customers-filter")
    search.fill("Health apac")
    expect(options).to_have_count(len(health_apac))
    expect(count).to_have_text(f"0 selected · {len(health_apac)} of 1,000 customers match")
    page.get_by_role("button", name=f"Select all {len(health_apac)} matching").click()
    expect(count).to_have_text(f"{len(health_apac)} selected · {len(health_apac)} of 1,000 customers match")
    expect(options.first).to_have_attribute("aria-selected", "true")

    dropped = health_apac[0]
    drop_customers(page, dropped)
    expect(count).to_have_text(re.compile(f"^{len(health_apac) - 1} selected"))
    expect(chosen_customer(page, health_apac[1])).to_be_focused()
    expect(page.locator(f"#customer-{dropped}")).to_have_attribute("aria-selected", "false")

    # The keys: type, go down to the match, Enter picks it (and does not submit the form), Escape empties the filter.
    search.fill("northwind-retail-dev")
    search.press("ArrowDown")
    expect(search).to_have_attribute("aria-activedescendant", "customer-northwind-retail-dev")
    search.press("Enter")
    expect(page.locator("#customer-northwind-retail-dev")).to_have_attribute("aria-selected", "true")
    search.press("Escape")
    expect(search).to_have_value("")

    # A whole environment at once, from the select of tags and environments.
    staging = codes_where(mappings, "staging")
    page.locator("#customers-group").select_option("env:staging")
    chosen = {*health_apac[1:], "northwind-retail-dev", *staging}
    expect(count).to_have_text(f"{len(chosen)} selected · 1,000 customers")
    assert_accessible(page, "the change form's customer picker at 1,000 customers")

    # The change goes to customers the stack has: the choice starts again, by keys and by chips.
    page.locator("#customers-clear").click()
    expect(count).to_have_text("0 selected · 1,000 customers")
    search.fill("alpha ret")
    search.press("ArrowDown")
    search.press("Enter")
    search.press("Escape")
    pick_customers(page, "bravo", "charlie")
    drop_customers(page, "bravo")
    title = f"Rotate the keys {uuid.uuid4().hex[:8]}"
    page.locator("#changeTitle").fill(title)
    for field, text in CHANGE_TEXTS.items():
        page.fill(f"#{field}", text)
    change_id = page.locator("#changeIdDisplay").inner_text()
    page.get_by_role("button", name="Submit for approval").click()
    page.wait_for_url(re.compile(r"/my-changes\.html\?status=submitted"))

    stored = portal_api(page, "GET", f"/api/changes/{change_id}")
    assert stored.ok, stored.text()
    assert sorted(stored.json()["customers"]) == ["alpha", "charlie"]


def test_the_picker_on_a_phone_selects_by_tag_without_scrolling_sideways(
    sign_in: SignIn, mappings: dict[str, dict[str, object]]
) -> None:
    page = sign_in(REQUESTER, "/create-announcement.html", viewport=PHONE)
    page = with_many_customers(page, "/create-announcement.html", mappings)
    tier_one = codes_where(mappings, "tier-1")
    page.locator("#customers-group").select_option("tag:tier-1")
    expect(page.locator("#customers-count")).to_have_text(f"{len(tier_one)} selected · 1,000 customers")
    expect(page.locator("#customers-chips .chip-more")).to_have_text(f"+{len(tier_one) - 40} more")
    page.locator("#customers-filter").fill("zzz-no-such-customer")
    expect(page.locator("#customers-fieldset .picker-more")).to_have_text(
        "No customer matches. Try part of a code, a name or a tag."
    )
    expect(page.locator("#customers-filter")).to_have_attribute("aria-expanded", "false")
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "the announcement form's customer picker on a phone")
    page.locator("#customers-clear").click()
    expect(page.locator("#customers-count")).to_have_text(re.compile("^0 selected"))
