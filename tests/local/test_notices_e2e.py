"""Issue 19 on ``make dev``: an edit after approval, its re-approval and "Rescheduled" email, and the clock's
reminder and nudge, all through the stack's own functions, queues and emulated SES, seen in /dev/outbox."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ccm.domain.times import format_rfc3339
from tests.api.helpers import change_input
from tests.local.stack_process import Browser, LocalStackProcess
from tests.meeting_support import read_invitation

pytestmark = pytest.mark.e2e

CUSTOMERS = ["alpha", "xray"]
WAIT_SECONDS = 120.0


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStackProcess]:
    process = LocalStackProcess(tmp_path / "local-data")
    try:
        yield process.start("--snapshot-interval", "0", "--clock-interval", "3")
    finally:
        process.kill()


def wait_for(
    browser: Browser, condition: Callable[[dict[str, Any]], bool], what: str, timeout: float = WAIT_SECONDS
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    outbox: dict[str, Any] = {}
    while time.monotonic() < deadline:
        outbox = browser.get(browser.url("/dev/outbox.json"), timeout=30).json()
        if condition(outbox):
            return outbox
        time.sleep(0.5)
    seen = sorted({(email["object_id"], email["event"], email["customer"]) for email in outbox.get("emails", [])})
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s; the outbox holds {seen}")


def emails(outbox: dict[str, Any], object_id: str, event: str) -> list[dict[str, Any]]:
    return [email for email in outbox["emails"] if email["object_id"] == object_id and email["event"] == event]


def sequences(outbox: dict[str, Any], object_id: str) -> list[int]:
    """The SEQUENCE of every invitation by email about the object (customers without Teams get them)."""
    return [read_invitation(email["calendar"]).sequence for email in emails(outbox, object_id, "meeting_request")]


def customers_of(found: list[dict[str, Any]]) -> set[str]:
    return {email["customer"] for email in found}


def window(start: datetime, hours: int = 2) -> dict[str, str]:
    return {
        "implementationStart": format_rfc3339(start),
        "implementationEnd": format_rfc3339(start + timedelta(hours=hours)),
    }


def test_an_edit_after_approval_is_approved_again_and_announced_as_rescheduled_and_the_clock_reminds_and_nudges(
    stack: LocalStackProcess,
) -> None:
    requester, approver = Browser(stack.url), Browser(stack.url)
    requester.sign_in("requester@example.com")
    approver.sign_in("approver@example.com")
    now = datetime.now(UTC).replace(microsecond=0)
    title = f"Move the message queues {time.time_ns()}"
    first = window(now + timedelta(days=3))
    created = requester.api(
        "POST",
        "/api/changes",
        change_input(customers=CUSTOMERS, changeTitle=title, include_meeting=True, timezone="Europe/Berlin", **first),
    )
    change_id = created.json()["object"]["changeId"]
    assert approver.api("POST", f"/api/changes/{change_id}/approve").status_code == 200
    outbox = wait_for(
        approver, lambda box: customers_of(emails(box, change_id, "approved")) == set(CUSTOMERS), "the approval"
    )
    asked = len(emails(outbox, change_id, "approval_request"))

    moved = window(now + timedelta(days=4))
    edited = requester.api("PUT", f"/api/changes/{change_id}", moved)
    assert edited.json()["object"]["status"] == "submitted"
    outbox = wait_for(
        approver,
        lambda box: customers_of(emails(box, change_id, "approval_request")[asked:]) == set(CUSTOMERS),
        "the second approval request",
    )
    assert "CHANGED SINCE VERSION" in emails(outbox, change_id, "approval_request")[asked]["text"]
    assert emails(outbox, change_id, "rescheduled") == []
    assert [m for m in outbox["meetings"] if title in m["subject"] and m["action"] == "updated"] == []

    assert approver.api("POST", f"/api/changes/{change_id}/approve").status_code == 200
    outbox = wait_for(
        approver,
        lambda box: (
            customers_of(emails(box, change_id, "rescheduled")) == set(CUSTOMERS) and 1 in sequences(box, change_id)
        ),
        "the rescheduled notices and the updated invitation",
    )
    notice = emails(outbox, change_id, "rescheduled")[0]
    assert notice["subject"].strip() == f"Rescheduled: {title}"
    assert "WHAT CHANGED" in notice["text"] and "Window" in notice["text"] and "UTC" in notice["text"]
    assert 'class="what-changed"' in notice["html"]
    assert sorted(set(sequences(outbox, change_id))) == [0, 1], "the invitation, then its update (SEQUENCE + 1)"
    assert [m for m in outbox["meetings"] if title in m["subject"] and m["action"] == "updated"]

    soon = requester.api(
        "POST",
        "/api/changes",
        change_input(customers=["alpha"], changeTitle=f"{title} soon", **window(now + timedelta(minutes=58))),
    ).json()["object"]["changeId"]
    ended = requester.api(
        "POST",
        "/api/changes",
        change_input(customers=["alpha"], changeTitle=f"{title} ended", **window(now - timedelta(hours=4))),
    ).json()["object"]["changeId"]
    for change in (soon, ended):
        assert approver.api("POST", f"/api/changes/{change}/approve").status_code == 200
    outbox = wait_for(
        approver,
        lambda box: bool(emails(box, soon, "reminder")) and bool(emails(box, ended, "overdue")),
        "the clock's reminder and nudge",
    )
    [nudge] = emails(outbox, ended, "overdue")
    assert nudge["recipients"] == ["requester@example.com"]
    assert f"objectId={ended}&action=complete" in nudge["text"]
    assert customers_of(emails(outbox, soon, "reminder")) == {"alpha"}
