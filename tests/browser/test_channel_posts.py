"""The channel posts in a change's details, as an approver reads them in Chromium (desktop and phone)."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from ccm.domain.times import format_rfc3339
from tests.browser.conftest import PHONE, SignIn
from tests.browser.helpers import assert_accessible, assert_no_horizontal_scroll, portal_api
from tests.browser.workflow import CHANGE_TEXTS
from tests.local.stack_process import LocalStackProcess

pytestmark = pytest.mark.browser


def test_an_approved_changes_details_list_every_attempt_on_the_customers_channels(
    sign_in: SignIn, stack: LocalStackProcess
) -> None:
    requester = sign_in("requester@example.com")
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    created = portal_api(
        requester,
        "POST",
        "/api/changes",
        {
            "object_type": "change",
            "changeTitle": f"Rotate the imaging archive keys {uuid.uuid4().hex[:8]}",
            "customers": ["xray"],
            **CHANGE_TEXTS,
            "implementationStart": format_rfc3339(start),
            "implementationEnd": format_rfc3339(start + timedelta(hours=1)),
            "timezone": "Europe/Berlin",
        },
    )
    assert created.ok, created.text()
    change_id = created.json()["id"]
    approver = sign_in("approver@example.com")
    assert portal_api(approver, "POST", f"/api/changes/{change_id}/approve").ok

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        posts = portal_api(approver, "GET", f"/api/changes/{change_id}/channel-posts").json()["posts"]
        if sum(1 for post in posts if post["outcome"] == "sent" and post["event"] == "approved") >= 4:
            break
        time.sleep(0.5)

    for viewport in (None, PHONE):
        page = sign_in("approver@example.com", f"/edit-change.html?changeId={change_id}", viewport)
        section = page.locator(".channel-posts")
        expect(section.get_by_role("heading", name="Channel posts")).to_be_visible()
        flaky = section.locator("tr[data-channel='flaky-webhook']")
        expect(flaky).to_have_count(3)
        expect(flaky.filter(has_text="HTTP 500")).to_have_count(2)
        expect(section.locator("tr[data-channel='ops-teams'][data-outcome='sent']").first).to_contain_text("teams")
        assert_no_horizontal_scroll(page)
        assert_accessible(page, f"the channel posts of {change_id}")
