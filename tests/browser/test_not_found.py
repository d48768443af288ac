"""An address the portal does not have: its own 404 page, styled and navigable, at any depth."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, PageProblems, SignIn
from tests.browser.helpers import assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.browser

PORTAL_BLUE = "rgb(30, 58, 138)"


@pytest.mark.parametrize("address", ["/nope.html", "/some/deeper/place"])
def test_an_unknown_address_answers_404_with_the_portals_page_and_a_way_back(
    sign_in: SignIn, page_problems: PageProblems, address: str
) -> None:
    page = sign_in("requester@example.com")
    page_problems.expected(r"status of 404")  # the browser logs the page's own status

    response = page.goto(address)

    assert response is not None and response.status == 404
    assert page.title() == "Page not found - Customer Contact Manager"
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("#missingPath")).to_have_text(address)
    expect(page.locator("#siteHeader")).to_have_css("background-color", PORTAL_BLUE)
    expect(page.locator("#userInfo")).to_have_text("requester@example.com")
    page.get_by_role("link", name="the dashboard").click()
    page.wait_for_url("**/index.html")


def test_the_404_page_reads_well_on_a_phone(sign_in: SignIn, page_problems: PageProblems) -> None:
    page = sign_in("requester@example.com", viewport=PHONE)
    page_problems.expected(r"status of 404")
    page.goto("/nope.html")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_no_horizontal_scroll(page)
    assert_accessible(page, "the 404 page")
