"""The customer picker at 1,000 customers: a local stack of its own started with ``--customers 1000`` (config.json's
26 and 974 generated ones, :mod:`ccm.local.demo_customers`), the forms' picker filtered, selected by matches and by
tag, a chip removed, the keys used, a change submitted for the chosen customers; on a phone too; axe-clean."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from ccm.local.demo_customers import with_customers
from tests.browser.conftest import PHONE, SignIn
from tests.browser.helpers import (
    assert_accessible,
    assert_no_horizontal_scroll,
    chosen_customer,
    drop_customers,
    portal_api,
)
from tests.browser.workflow import CHANGE_TEXTS
from tests.conftest import ROOT
from tests.local.stack_process import LocalStackProcess

pytestmark = pytest.mark.browser

CUSTOMERS = 1000
REQUESTER = "requester@example.com"
SHOWN = 50
"""How many matches the picker's list draws at once."""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    """This module's own stack, with a thousand customers (the other browser tests keep the 26 of the demo)."""
    process = LocalStackProcess(tmp_path_factory.mktemp("thousand-stack") / "local-data")
    try:
        yield process.start("--snapshot-interval", "0", "--customers", str(CUSTOMERS))
    finally:
        process.kill()


@pytest.fixture(scope="module")
def mappings() -> dict[str, dict[str, object]]:
    document = with_customers(json.loads((ROOT / "config.json").read_text(encoding="utf-8")), CUSTOMERS)
    customers: dict[str, dict[str, object]] = document["customer_mappings"]
    return customers


def codes_where(mappings: dict[str, dict[str, object]], *words: str) -> list[str]:
    """The customers whose code, name, environment or tags hold every word, as the picker matches them."""

    def text(entry: dict[str, object]) -> str:
        tags = entry.get("tags") or []
        assert isinstance(tags, list)
        return " ".join(
            [
                str(entry["customer_code"]),
                str(entry["customer_name"]),
                str(entry.get("environment", "prod")),
                *map(str, tags),
            ]
        ).lower()

    return sorted(code for code, entry in mappings.items() if all(word in text(entry) for word in words))


def count_line(page: Page) -> str:
    return page.locator("#customers-count").inner_text()


def test_a_change_for_the_matching_customers_of_a_thousand(
    sign_in: SignIn, mappings: dict[str, dict[str, object]]
) -> None:
    page = sign_in(REQUESTER, "/create-change.html")
    options = page.locator("#customers-listbox [role='option']")
    expect(page.locator("#customer-alpha")).to_be_visible()
    expect(options).to_have_count(SHOWN)
    expect(page.locator("#customers-fieldset .picker-more")).to_have_text(
        f"Showing the first {SHOWN} of 1,000 matches: type more to narrow them."
    )
    assert count_line(page) == "0 selected · 1,000 customers"

    finance_eu = codes_where(mappings, "finance", "eu")
    assert 10 < len(finance_eu) < SHOWN
    search = page.locator("#customers-filter")
    search.fill("Finance eu")
    expect(options).to_have_count(len(finance_eu))
    expect(page.locator("#customers-count")).to_have_text(f"0 selected · {len(finance_eu)} of 1,000 customers match")
    page.get_by_role("button", name=f"Select all {len(finance_eu)} matching").click()
    expect(page.locator("#customers-count")).to_have_text(
        f"{len(finance_eu)} selected · {len(finance_eu)} of 1,000 customers match"
    )
    expect(options.first).to_have_attribute("aria-selected", "true")

    dropped = finance_eu[0]
    drop_customers(page, dropped)
    expect(page.locator("#customers-count")).to_have_text(re.compile(f"^{len(finance_eu) - 1} selected"))
    expect(chosen_customer(page, finance_eu[1]).or_(page.locator("#customers-filter"))).to_be_focused()
    expect(page.locator(f"#customer-{dropped}")).to_have_attribute("aria-selected", "false")

    # The keys: type, go down to the match, Enter picks it (and does not submit the form).
    search.fill("northwind-retail-dev")
    search.press("ArrowDown")
    expect(search).to_have_attribute("aria-activedescendant", "customer-northwind-retail-dev")
    search.press("Enter")
    expect(page.locator("#customer-northwind-retail-dev")).to_have_attribute("aria-selected", "true")
    search.press("Escape")
    expect(search).to_have_value("")

    # A whole tag at once, from the select of tags and environments.
    staging = codes_where(mappings, "staging")
    page.locator("#customers-group").select_option("env:staging")
    chosen = sorted({*finance_eu[1:], "northwind-retail-dev", *staging})
    expect(page.locator("#customers-count")).to_have_text(f"{len(chosen)} selected · 1,000 customers")
    assert_accessible(page, "the change form's customer picker at 1,000 customers")

    title = f"Rotate the keys of {len(chosen)} customers {uuid.uuid4().hex[:8]}"
    page.locator("#changeTitle").fill(title)
    for field, text in CHANGE_TEXTS.items():
        page.fill(f"#{field}", text)
    change_id = page.locator("#changeIdDisplay").inner_text()
    page.get_by_role("button", name="Submit for approval").click()
    page.wait_for_url(re.compile(r"/my-changes\.html\?status=submitted"), timeout=60_000)

    stored = portal_api(page, "GET", f"/api/changes/{change_id}")
    assert stored.ok, stored.text()
    assert sorted(stored.json()["customers"]) == chosen
    card = page.locator(f".change-card[data-id='{change_id}']")
    expect(card).to_contain_text(f"{len(chosen)} customers")


def test_the_picker_on_a_phone_selects_by_tag_without_scrolling_sideways(
    sign_in: SignIn, mappings: dict[str, dict[str, object]]
) -> None:
    page = sign_in(REQUESTER, "/create-announcement.html", viewport=PHONE)
    expect(page.locator("#customer-alpha")).to_be_visible()
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
