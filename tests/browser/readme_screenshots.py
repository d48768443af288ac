"""The screenshots of the docs site and the README (docs/screenshots/), made again:
``.venv/bin/python -m tests.browser.readme_screenshots``.

A fresh local stack with a handful of demo changes in every status, Debian's Chromium at 1280 px, signed in as the
demo requester: the dashboard, the create-change form, a change's details (with what the system did, in its
history) and the change calendar's month (with the stack's own demo freezes and its two competing changes); signed
in as the demo approver: the Delivery section of a change whose approval request went to alpha's SES simulator
addresses, and the reports page over the half year of finished changes the stack seeds on its first start;
one change approved, moved to another day (back for approval) and approved again, and the "Rescheduled" email its
customers got, as sent; and the approvals page of a CAB member, with the checklist of a high-risk change one CAB
member has approved and whom each pending item reaches. Customer feedback: the public rating page a link of the demo
completion email opens (on a phone), and the approver's dashboard panel over the demo answers.
``... readme_screenshots feedback`` makes only those two. ``... readme_screenshots picker`` makes only the customer
picker's at 1,000 customers (the demo stack's 26 and the generated ones of ``--customers 1000``, given to the page
as the picker's browser tests give them): the health customers of APAC and the tier-1 customers chosen, "finance
eu" typed.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import APIResponse, Browser, Locator, Page, sync_playwright

from ccm.domain.ids import AnnouncementType
from ccm.local.demo_customers import with_customers
from tests.api.helpers import announcement_input, change_input
from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS
from tests.browser.helpers import with_many_customers
from tests.conftest import ROOT
from tests.local.stack_process import LocalStackProcess

SCREENSHOTS = ROOT / "docs" / "screenshots"
WIDTH = 1280
CHANGES: list[tuple[str, list[str], str]] = [
    ("Retire the old VPN endpoints", ["kilo"], "draft"),
    ("Rotate the load balancer certificates", ["alpha", "bravo", "charlie"], "approved"),
    ("Patch the bastion hosts", ["golf", "hotel", "india", "juliett"], "submitted"),
    ("Upgrade the Kubernetes control plane to 1.31", ["delta", "echo"], "completed"),
    ("Move the nightly backups to a new vault", ["alpha", "foxtrot"], "submitted"),
]
"""(title, customers, status) of the demo changes, oldest first."""
DETAILED = "Rotate the load balancer certificates"
DELIVERED = "Move the nightly backups to a new vault"
SIMULATOR = [f"{name}@simulator.amazonses.com" for name in ("bounce", "complaint", "suppressionlist")]
SEEDED_CHANGES = 36
"""The finished changes of the last six months the local stack writes on its first start."""
HIGH_RISK = "Rotate the payment gateway keys"
RESCHEDULED = "Migrate the message brokers"
EMAIL_WIDTH = 680
ANNOUNCEMENT = announcement_input(
    AnnouncementType.CIC,
    title="Community day: serverless patterns",
    customers=["alpha", "xray"],
    include_meeting=True,
    meeting_date=(datetime.now(UTC) + timedelta(days=12)).strftime("%Y-%m-%dT15:00:00Z"),
    meeting_timezone="Europe/Berlin",
)
"""A pending announcement with a meeting: the approvals page shows whom it and its meeting reach."""
FEEDBACK_DEMO = "Replace the VPN gateways"
"""The change the local stack completes on its first start, with a few answers (``ccm.local.demo_feedback``)."""


def call(page: Page, method: str, path: str, body: Any = None) -> Any:
    data = b"" if body is None else json.dumps(body).encode("utf-8")
    headers = {"Accept": "application/json", "x-amz-content-sha256": hashlib.sha256(data).hexdigest()}
    if body is not None:
        headers["Content-Type"] = "application/json"
    response: APIResponse = page.request.fetch(path, method=method, headers=headers, data=data or None)
    if not response.ok:
        raise RuntimeError(f"{method} {path}: {response.status} {response.text()}")
    return response.json()


def signed_in(browser: Browser, url: str, email: str, height: int) -> Page:
    page = browser.new_context(viewport={"width": WIDTH, "height": height}, base_url=url).new_page()
    page.goto(url + "/")
    page.wait_for_url(re.compile(r"/idp/"))
    page.locator("form").filter(has=page.locator(f'input[name="user"][value="{email}"]')).get_by_role("button").click()
    page.wait_for_url(re.compile(re.escape(url) + r"/?$"))
    return page


def demo_changes(requester: Page, approver: Page) -> dict[str, str]:
    """The demo changes in their statuses, by title."""
    ids = {}
    for title, customers, status in CHANGES:
        fields = change_input(changeTitle=title, customers=customers, include_meeting=False)
        if status == "draft":
            ids[title] = call(requester, "POST", "/api/drafts", {**fields, "status": "draft"})["id"]
            continue
        change_id = call(requester, "POST", "/api/changes", fields)["id"]
        if status in ("approved", "completed"):
            call(approver, "POST", f"/api/changes/{change_id}/approve")
        if status == "completed":
            call(requester, "POST", f"/api/changes/{change_id}/complete")
        ids[title] = change_id
    return ids


def delivery_section(page: Page, change_id: str) -> Locator:
    """The Delivery section of ``change_id``'s details, once SES's events about every recipient are in."""
    # The sends go out one recipient after another: wait for the simulator's own addresses, not for the first rows.
    deadline = time.monotonic() + 180
    while True:
        rows = call(page, "GET", f"/api/changes/{change_id}/deliveries")["recipients"]
        statuses = {row["recipient"]: row["status"] for row in rows}
        if all(statuses.get(address) not in (None, "sending", "sent") for address in SIMULATOR):
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"SES's simulated outcomes for {change_id} did not arrive: {statuses}")
        time.sleep(0.5)
    page.goto("/index.html")
    page.locator(f".item[data-id='{change_id}'] .item-title").click()
    section = page.locator(f"dialog[data-object-id='{change_id}'] section.delivery")
    section.locator(".delivery-problems").wait_for()
    section.scroll_into_view_if_needed()
    return section


def tickets_section(page: Page, change_id: str) -> Locator:
    """The Tickets section of ``change_id``'s details: its ServiceNow and Jira tickets with their states."""
    page.goto("/index.html")
    page.locator(f".item[data-id='{change_id}'] .item-title").click()
    section = page.locator(f"dialog[data-object-id='{change_id}'] section.tickets")
    section.locator("li[data-system='jira'] .ticket-state").wait_for()
    section.scroll_into_view_if_needed()
    return section


def reports_ready(approver: Page) -> None:
    """The audit function works through its queue: wait until it has added every seeded change to the sums."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        counts = call(approver, "GET", f"/api/reports/summary?from={months_back(7)}&to={months_back(0)}")
        if counts["totals"]["changes"] >= SEEDED_CHANGES:
            return
        time.sleep(0.5)
    raise RuntimeError("the audit function did not add the seeded changes to the report sums in time")


def months_back(count: int) -> str:
    today = datetime.now(UTC)
    index = today.year * 12 + today.month - 1 - count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def half_approved(requester: Page, cab_lead: Page) -> str:
    """A high-risk change for two customers, one of them with its own approver, approved by one CAB member."""
    fields = change_input(changeTitle=HIGH_RISK, customers=["alpha", "papa"], risk="high", include_meeting=False)
    change_id: str = call(requester, "POST", "/api/changes", fields)["id"]
    call(cab_lead, "POST", f"/api/changes/{change_id}/approve", {"comment": "Key ceremony booked"})
    return change_id


def outbox_email(page: Page, object_id: str, event: str, customer: str, timeout: float = 120.0) -> dict[str, Any]:
    """The first email of ``event`` about ``object_id`` to ``customer``'s subscribers, once the stack sent it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for email in call(page, "GET", "/dev/outbox.json")["emails"]:
            if (email["object_id"], email["event"], email["customer"]) == (object_id, event, customer):
                return dict(email)
        time.sleep(0.5)
    raise RuntimeError(f"no {event} email about {object_id} to {customer} within {timeout:.0f} s")


def rescheduled_email(browser: Browser, requester: Page, approver: Page) -> None:
    """A change approved, moved to another day and approved again: the "Rescheduled" email, as its HTML shows."""
    window = {"implementationStart": "2030-03-29T10:00:00", "implementationEnd": "2030-03-29T12:00:00"}
    fields = change_input(
        changeTitle=RESCHEDULED, customers=["alpha", "bravo"], timezone="Europe/Berlin", include_meeting=True, **window
    )
    change_id = call(requester, "POST", "/api/changes", fields)["id"]
    call(approver, "POST", f"/api/changes/{change_id}/approve")
    outbox_email(requester, change_id, "approved", "alpha")
    moved = {"implementationStart": "2030-04-05T10:00:00", "implementationEnd": "2030-04-05T12:30:00"}
    call(requester, "PUT", f"/api/changes/{change_id}", {**moved, "customerImpact": "The brokers restart once."})
    call(approver, "POST", f"/api/changes/{change_id}/approve")
    email = outbox_email(requester, change_id, "rescheduled", "alpha")
    page = browser.new_context(viewport={"width": EMAIL_WIDTH, "height": 900}).new_page()
    page.set_content(email["html"])
    page.screenshot(path=str(SCREENSHOTS / "rescheduled-email.png"), full_page=True)


def processed(page: Page, change_id: str, timeout: float = 90.0) -> None:
    """Wait until the backend has notified every customer of the change's current status."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        document = call(page, "GET", f"/api/changes/{change_id}")
        history = document["modifications"]
        last = max(i for i, entry in enumerate(history) if entry["modification_type"] != "processed")
        done = {entry.get("customer_code") for entry in history[last + 1 :]}
        if set(document["customers"]) <= done:
            return
        time.sleep(0.5)
    raise RuntimeError(f"{change_id} was not processed within {timeout:.0f} s")


def settled(page: Page, path: str) -> Page:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    return page


def feedback_screenshots(browser: Browser, approver: Page) -> None:
    """The rating page of the demo completion email's "4" link on a phone, and the dashboard's feedback panel."""
    deadline = time.monotonic() + 120
    link = None
    while link is None and time.monotonic() < deadline:
        for email in call(approver, "GET", "/dev/outbox.json")["emails"]:
            found = re.search(r"(https?://\S+/feedback/[A-Za-z0-9_.-]+\?rating=4)", email["text"])
            if email["event"] == "completed" and FEEDBACK_DEMO in email["subject"] and found:
                link = found.group(1)
                break
        else:
            time.sleep(0.5)
    if link is None:
        raise RuntimeError(f"no completion email of {FEEDBACK_DEMO!r} in the outbox")
    phone = browser.new_context(viewport={"width": 375, "height": 740}).new_page()
    phone.goto(link)
    phone.get_by_label("Comment (optional)").fill("All good on our side; the reconnect took a few seconds.")
    phone.screenshot(path=str(SCREENSHOTS / "feedback-page.png"), full_page=True)
    dashboard = settled(approver, "/index.html")
    panel = dashboard.locator("#feedbackPanel")
    panel.locator(".feedback-customer").first.wait_for()
    panel.screenshot(path=str(SCREENSHOTS / "feedback-dashboard.png"))


def picker_screenshot() -> None:
    generated = with_customers(json.loads((ROOT / "config.json").read_text(encoding="utf-8")), 1000)
    with tempfile.TemporaryDirectory() as data, sync_playwright() as playwright:
        stack = LocalStackProcess(Path(data) / "local-data").start("--snapshot-interval", "0")
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = signed_in(browser, stack.url, "requester@example.com", 900)
            form = with_many_customers(page, "/create-change.html", generated["customer_mappings"])
            form.locator("#customers-filter").fill("health apac")
            form.locator("#customers-select-matching").click()
            form.locator("#customers-group").select_option("tag:tier-1")
            form.locator("#customers-filter").fill("finance eu")
            form.locator("#customers-filter").press("ArrowDown")
            form.locator("#customers-fieldset").screenshot(path=str(SCREENSHOTS / "customer-picker.png"))
            browser.close()
        finally:
            stack.kill()


def main(only: list[str]) -> int:
    if only == ["picker"]:
        picker_screenshot()
        print(f"screenshots written to {SCREENSHOTS.relative_to(ROOT)}/")
        return 0
    with tempfile.TemporaryDirectory() as data, sync_playwright() as playwright:
        stack = LocalStackProcess(Path(data) / "local-data").start("--snapshot-interval", "0")
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            requester = signed_in(browser, stack.url, "requester@example.com", 1000)
            approver = signed_in(browser, stack.url, "approver@example.com", 1000)
            feedback_screenshots(browser, approver)
            if only == ["feedback"]:
                browser.close()
                print(f"screenshots written to {SCREENSHOTS.relative_to(ROOT)}/")
                return 0
            ids = demo_changes(requester, approver)
            settled(requester, "/index.html").screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
            form = settled(requester, "/create-change.html")
            form.locator("#customer-alpha").wait_for()
            form.screenshot(path=str(SCREENSHOTS / "create-change.png"), full_page=True)
            processed(requester, ids[DETAILED])
            details = settled(requester, "/my-changes.html?status=all")
            details.locator(f".change-card[data-id='{ids[DETAILED]}'] .item-title").click()
            dialog = details.locator(f"dialog[data-object-id='{ids[DETAILED]}']")
            dialog.locator(".history").scroll_into_view_if_needed()
            details.screenshot(path=str(SCREENSHOTS / "change-details.png"))
            month = settled(requester, "/calendar.html?view=month")
            month.locator("#calendar td[data-day]").first.wait_for()
            month.screenshot(path=str(SCREENSHOTS / "calendar-month.png"), full_page=True)
            delivery_section(approver, ids[DELIVERED]).screenshot(path=str(SCREENSHOTS / "delivery.png"))
            tickets_section(approver, ids[DETAILED]).screenshot(path=str(SCREENSHOTS / "tickets.png"))
            rescheduled_email(browser, requester, approver)
            call(requester, "POST", "/api/announcements", ANNOUNCEMENT)
            cab_lead = signed_in(browser, stack.url, "cab-lead@example.com", 900)
            cab_member = signed_in(browser, stack.url, "cab-member@example.com", 900)
            high_risk = half_approved(requester, cab_lead)
            approvals = settled(cab_member, "/approvals.html")
            approvals.locator(f"li.item[data-id='{high_risk}'] .checklist").first.wait_for()
            approvals.locator(f"li.item[data-id='{high_risk}'] .audience-lines").first.wait_for()
            approvals.wait_for_load_state("networkidle")
            approvals.screenshot(path=str(SCREENSHOTS / "approvals.png"))
            reports_ready(approver)
            approver.set_viewport_size({"width": WIDTH, "height": 1500})
            reports = settled(approver, f"/reports.html?from={months_back(6)}&to={months_back(0)}")
            reports.locator("section[data-report='outcomes'] svg.chart").wait_for()
            reports.screenshot(path=str(SCREENSHOTS / "reports.png"))
            browser.close()
        finally:
            stack.kill()
    print(f"screenshots written to {SCREENSHOTS.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
