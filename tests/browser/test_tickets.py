"""A change's ServiceNow and Jira tickets in its details, against the local stack's stand-ins (desktop and phone):
each a link with its current state, and "Create in ServiceNow" for a draft that names none."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from ccm.domain.times import format_rfc3339
from tests.browser.conftest import PHONE, SignIn
from tests.browser.helpers import assert_accessible, assert_no_horizontal_scroll, portal_api
from tests.browser.workflow import CHANGE_TEXTS
from tests.local.stack_process import LocalStackProcess

pytestmark = pytest.mark.browser


def change(**fields: Any) -> dict[str, Any]:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    return {
        "object_type": "change",
        "changeTitle": f"Resize the message brokers {uuid.uuid4().hex[:8]}",
        "customers": ["alpha"],
        **CHANGE_TEXTS,
        "implementationStart": format_rfc3339(start),
        "implementationEnd": format_rfc3339(start + timedelta(hours=1)),
        "timezone": "Europe/Berlin",
        **fields,
    }


def test_an_approved_change_links_its_created_change_request_and_its_jira_issue_with_their_states(
    sign_in: SignIn, stack: LocalStackProcess
) -> None:
    requester = sign_in("requester@example.com")
    created = portal_api(requester, "POST", "/api/changes", change(snowTicket="", jiraTicket="OPS-101"))
    assert created.ok, created.text()
    change_id = created.json()["id"]
    approver = sign_in("approver@example.com")
    assert portal_api(approver, "POST", f"/api/changes/{change_id}/approve").ok
    deadline = time.monotonic() + 90
    number = ""
    while time.monotonic() < deadline and not number:
        number = portal_api(approver, "GET", f"/api/changes/{change_id}").json().get("snowTicket", "")
        time.sleep(0.5)
    assert number.startswith("CHG"), "the backend did not create the change request"

    for viewport in (None, PHONE):
        page = sign_in("approver@example.com", f"/edit-change.html?changeId={change_id}", viewport)
        section = page.locator(".tickets")
        expect(section.get_by_role("heading", name="Tickets")).to_be_visible()
        snow = section.locator("li[data-system='servicenow']")
        expect(snow.get_by_role("link", name=f"ServiceNow {number}")).to_have_attribute(
            "href",
            f"{stack.url}/dev/servicenow/nav_to.do?uri=change_request.do?sys_id=" + snow_sys_id(approver, change_id),
        )
        expect(section.locator("li[data-system='jira']")).to_contain_text("In Progress")
        expect(section.get_by_role("button", name="Create in ServiceNow")).to_have_count(0)
        assert "null" not in section.inner_text()
        assert_no_horizontal_scroll(page)
        assert_accessible(page, f"the tickets of {change_id}")


def snow_sys_id(page: Any, change_id: str) -> str:
    return str(portal_api(page, "GET", f"/api/changes/{change_id}").json()["snowSysId"])


def test_the_owner_creates_the_change_request_of_a_draft_from_its_details(
    sign_in: SignIn, stack: LocalStackProcess
) -> None:
    page = sign_in("requester@example.com")
    draft = portal_api(page, "POST", "/api/drafts", change(snowTicket="", jiraTicket="", status="draft"))
    assert draft.ok, draft.text()
    change_id = draft.json()["id"]

    page.goto("/my-changes.html?status=draft")
    page.locator(f".change-card[data-id='{change_id}'] .item-title").click()
    details = page.locator(f"dialog[data-object-id='{change_id}']")
    details.get_by_role("button", name="Create in ServiceNow").click()

    expect(details.locator(".ticket-status")).to_contain_text("ServiceNow change request CHG")
    expect(details.locator("li[data-system='servicenow']")).to_contain_text("New")
    expect(details.get_by_role("button", name="Create in ServiceNow")).to_have_count(0)
    assert_accessible(page, f"the details of {change_id} after creating its change request")
