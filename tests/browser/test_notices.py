"""Issue 19 in the portal: what changed since approval (approvals page), the overdue list (dashboard), and the
nudge's link that asks to confirm (my changes)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, SignIn
from tests.browser.helpers import assert_accessible, assert_no_horizontal_scroll, portal_api
from tests.browser.workflow import submit_change, wait_until_processed

pytestmark = pytest.mark.browser


def approve(approver: Page, change_id: str, customers: set[str]) -> None:
    response = portal_api(approver, "POST", f"/api/changes/{change_id}/approve")
    assert response.status == 200, response.text()
    wait_until_processed(approver, f"/api/changes/{change_id}", customers)


def overdue_change(requester: Page, approver: Page, title: str) -> str:
    """An approved change whose window ended two hours ago."""
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    change = submit_change(
        requester,
        changeTitle=title,
        customers=["bravo"],
        include_meeting=False,
        implementationStart=(end - timedelta(hours=2)).isoformat(),
        implementationEnd=end.isoformat(),
    )
    approve(approver, change["changeId"], {"bravo"})
    return str(change["changeId"])


def test_an_approver_sees_what_changed_since_a_change_was_approved(sign_in: SignIn) -> None:
    requester = sign_in("requester@example.com")
    approver = sign_in("approver@example.com")
    change = submit_change(requester, customers=["charlie"], timezone="Europe/Berlin", include_meeting=False)
    change_id = change["changeId"]
    approve(approver, change_id, {"charlie"})
    edited = portal_api(
        requester,
        "PUT",
        f"/api/changes/{change_id}",
        {"implementationStart": "2030-01-09T08:00:00", "implementationEnd": "2030-01-09T10:00:00"},
    )
    assert edited.json()["object"]["status"] == "submitted"

    approver.goto("/approvals.html?customerCode=charlie")
    # Each item is listed once, with all its customers (the customer in the link is a filter).
    card = approver.locator(f"li.item[data-id='{change_id}']")
    note = card.locator("details.changed-since")
    expect(note.locator("summary")).to_contain_text(re.compile(r"Changed since version \d+ was approved"))
    note.locator("summary").click()
    row = note.locator("table.what-changed tbody tr").filter(has_text="Window")
    expect(row.locator("td").nth(1)).to_contain_text("Wed 9 Jan 2030 08:00 – 10:00 CET (Europe/Berlin)")
    expect(row.locator("td.before")).to_contain_text("Mon 7 Jan 2030")
    assert_accessible(approver, "the approvals page with what changed since approval")


def test_the_dashboard_lists_an_overdue_change_which_is_completed_from_there(sign_in: SignIn) -> None:
    requester = sign_in("requester@example.com")
    approver = sign_in("approver@example.com")
    change_id = overdue_change(requester, approver, "Swap the old disk shelves")

    requester.goto("/index.html")
    row = requester.locator(f"#overdueChanges li.overdue-item[data-id='{change_id}']")
    expect(row).to_contain_text("Swap the old disk shelves")
    expect(row).to_contain_text("Window ended")
    assert_accessible(requester, "the dashboard with an overdue change")
    row.get_by_role("button", name="Complete").click()
    requester.locator("dialog").filter(has_text="Complete the change").get_by_role("button", name="Complete").click()

    expect(requester.locator(f"#overdueChanges li[data-id='{change_id}']")).to_have_count(0)
    assert portal_api(requester, "GET", f"/api/changes/{change_id}").json()["status"] == "completed"


def test_the_overdue_link_of_a_nudge_changes_nothing_until_the_requester_confirms(sign_in: SignIn) -> None:
    requester = sign_in("requester@example.com", viewport=PHONE)
    approver = sign_in("approver@example.com")
    change_id = overdue_change(requester, approver, "Decommission the old mail relay")

    requester.goto(f"/my-changes.html?status=approved&objectId={change_id}&action=cancel")
    question = requester.locator("dialog").filter(has_text="Cancel this?")
    expect(question).to_be_visible()
    assert portal_api(requester, "GET", f"/api/changes/{change_id}").json()["status"] == "approved"
    assert_no_horizontal_scroll(requester)
    question.get_by_role("button", name="Cancel").click()

    expect(requester.locator("#statusContainer")).to_contain_text("cancelled")
    assert portal_api(requester, "GET", f"/api/changes/{change_id}").json()["status"] == "cancelled"
    assert "action=" not in requester.url
    requester.reload()
    expect(requester.locator("dialog").filter(has_text="Cancel this?")).to_have_count(0)


def test_saving_an_approved_change_says_it_needs_approval_again(sign_in: SignIn) -> None:
    requester = sign_in("requester@example.com")
    approver = sign_in("approver@example.com")
    change = submit_change(requester, customers=["charlie"], include_meeting=False)
    change_id = change["changeId"]
    approve(approver, change_id, {"charlie"})

    requester.goto(f"/edit-change.html?changeId={change_id}")
    expect(requester.locator("#changeReason")).not_to_have_value("")
    requester.fill("#changeReason", "The vendor moved the firmware release; the reason reads differently now")
    requester.get_by_role("button", name="Save changes").click()

    status = requester.locator("#statusContainer")
    expect(status).to_contain_text("what you changed needs approval again")
    expect(status).to_contain_text("Its customers hear of the change once it is approved.")
    document = portal_api(requester, "GET", f"/api/changes/{change_id}").json()
    assert document["status"] == "submitted"
    assert document["changeReason"].startswith("The vendor moved the firmware release")
