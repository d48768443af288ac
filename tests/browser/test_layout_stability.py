"""Every page keeps its layout while it loads its data: cumulative layout shift within what Core Web Vitals call good.

The browser reports each shift of visible content as a ``layout-shift`` performance entry; an observer installed
before the page's own scripts run sums them (shifts right after the user's input do not count, as in CLS) from the
first paint until the page has shown its data and the network has been quiet for a moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize

from ccm.domain.ids import AnnouncementType
from tests.api.helpers import announcement_input
from tests.browser.conftest import DESKTOP, PageProblems, SignIn
from tests.browser.helpers import portal_api
from tests.browser.workflow import submit_change

pytestmark = pytest.mark.browser

GOOD_CLS = 0.1
"""Core Web Vitals' threshold for a good cumulative layout shift."""
NARROW_PHONE: ViewportSize = {"width": 390, "height": 844}
SETTLE_MS = 400
"""After the data is shown: long enough for the browser to report the frames that followed."""
SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}
"""The connection Lighthouse emulates for phones: each request waits, so the page paints before its data arrives."""

WATCH_SHIFTS = """
(() => {
  const shifts = [];
  window.__layoutShifts = shifts;
  const describe = (source) => {
    const node = source.node;
    if (!node || node.nodeType !== 1) return node ? node.nodeName : "(gone)";
    const names = typeof node.className === "string" ? node.className.trim().split(/\\s+/).filter(Boolean) : [];
    const classes = names.map((name) => "." + name).join("");
    const moved = `${Math.round(source.previousRect.y)}->${Math.round(source.currentRect.y)}`;
    return `${node.nodeName.toLowerCase()}${node.id ? "#" + node.id : ""}${classes} y ${moved}`;
  };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.hadRecentInput) continue;
      shifts.push({ value: entry.value, sources: (entry.sources || []).map(describe) });
    }
  }).observe({ type: "layout-shift", buffered: true });
})();
"""


@dataclass(frozen=True)
class PortalPage:
    name: str
    path: str
    shown: str
    """A selector that matches once the page shows what it loaded."""


def portal_pages(change_id: str, announcement_id: str) -> list[PortalPage]:
    return [
        PortalPage("dashboard", "/index.html", "#recentChanges .item-list, #recentChanges .empty-state"),
        PortalPage("create-change", "/create-change.html", "#customer-alpha"),
        PortalPage("create-announcement", "/create-announcement.html", "#customer-alpha"),
        PortalPage("my-changes", "/my-changes.html", "#changeList .item-list, #changeList .empty-state"),
        PortalPage(
            "my-changes, submitted",
            f"/my-changes.html?status=submitted&submitted={change_id}",
            "#changeList .message",
        ),
        PortalPage("approvals", "/approvals.html", "#items .item-list, #items .empty-state"),
        PortalPage("calendar", "/calendar.html", "#calendar [data-day]"),
        PortalPage("announcements", "/announcements.html", "#list .item-list, #list .empty-state"),
        PortalPage("search", "/search-changes.html", "#results .item-list, #results .empty-state"),
        PortalPage("reports", "/reports.html", "#reportSummary .report-headline, #reportSummary .empty-state"),
        PortalPage("edit-change", f"/edit-change.html?changeId={change_id}", "#versionList .item-list"),
        PortalPage("edit-announcement", f"/edit-announcement.html?announcementId={announcement_id}", "#customer-alpha"),
        PortalPage("not-found", "/no-such-page.html", "main h1"),
    ]


def layout_shift_while_loading(page: Page, portal_page: PortalPage) -> tuple[float, list[str]]:
    """The page's cumulative layout shift from navigation until its data is shown, and what moved."""
    page.goto(portal_page.path)
    page.locator(portal_page.shown).first.wait_for(state="attached")
    page.wait_for_load_state("networkidle")
    page.evaluate(
        "(ms) => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, ms))))",
        SETTLE_MS,
    )
    shifts: list[dict[str, Any]] = page.evaluate("window.__layoutShifts")
    moved = [f"{shift['value']:.3f}: {', '.join(shift['sources'])}" for shift in shifts]
    return sum(float(shift["value"]) for shift in shifts), moved


@pytest.mark.parametrize("viewport", [DESKTOP, NARROW_PHONE], ids=["1280px", "390px"])
def test_no_page_moves_more_than_core_web_vitals_allow_while_it_loads(
    sign_in: SignIn, page_problems: PageProblems, viewport: ViewportSize
) -> None:
    page = sign_in("requester@example.com", "/", viewport=viewport)
    page_problems.expected(r"status of 404 .*/no-such-page\.html")
    change_id = submit_change(page, customers=["alpha", "bravo"])["changeId"]
    answer = portal_api(
        page, "POST", "/api/announcements", announcement_input(AnnouncementType.CIC, customers=["alpha"])
    )
    assert answer.status == 201, answer.text()
    page.context.add_init_script(WATCH_SHIFTS)
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send("Network.emulateNetworkConditions", SLOW_4G)

    measured = {
        each.name: layout_shift_while_loading(page, each) for each in portal_pages(change_id, answer.json()["id"])
    }

    table = "\n".join(
        f"{name:20} {score:.3f}" + "".join(f"\n    {line}" for line in moved)
        for name, (score, moved) in measured.items()
    )
    print(f"cumulative layout shift at {viewport['width']} px:\n{table}")
    assert all(score <= GOOD_CLS for score, _ in measured.values()), f"layout shift above {GOOD_CLS}:\n{table}"
