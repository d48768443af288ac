"""``make dev`` end to end: the stack in its own process, driven over HTTP like a browser would drive it.

Sign-in follows the real SAML POST through the development identity provider; the change goes through the
gatekeeper, the API function, S3 notifications, the queue workers and the backend function to the customers'
SES accounts and the local Graph endpoint, and the outbox shows what SES accepted and what Graph was asked. The
stack is stopped with Ctrl-C between approval and cancellation: what the second run cancels, the first made.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ccm.config import AppConfig
from tests.api.helpers import change_input
from tests.local.stack_process import (
    Browser,
    LocalStackProcess,
    descendants,
    in_session,
    running,
    started_at,
    subscribers,
)

pytestmark = pytest.mark.e2e

CUSTOMERS = ["alpha", "bravo", "xray"]
ANNOUNCE_TOPIC = "aws-announce"
CALENDAR_TOPIC = "aws-calendar"
ICS_CUSTOMER = "xray"
"""The one of ``CUSTOMERS`` with ``uses_teams: false``: invitations by email instead of the Teams meeting."""
WAIT_SECONDS = 60.0
LEAVE_SECONDS = 10.0


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStackProcess]:
    process = LocalStackProcess(tmp_path / "local-data")
    try:
        yield process.start("--snapshot-interval", "0")
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
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s; the outbox holds {len(outbox['emails'])}")


def delivered(outbox: dict[str, Any], object_id: str, event: str) -> dict[str, list[str]]:
    """Recipients per customer of the ``event`` emails about ``object_id``, one entry per email."""
    found: dict[str, list[str]] = {}
    for email in outbox["emails"]:
        if email["object_id"] == object_id and email["event"] == event:
            found.setdefault(email["customer"], []).extend(email["recipients"])
    return found


def meetings_of(outbox: dict[str, Any], title: str, action: str) -> list[dict[str, Any]]:
    return [m for m in outbox["meetings"] if title in m["subject"] and m["action"] == action]


def everyone_told(
    change_id: str, title: str, event: str, audience: dict[str, set[str]], calendar: dict[str, set[str]]
) -> Callable[[dict[str, Any]], bool]:
    """All of it: the email to every subscriber, the Teams meeting's action, the invitations by email (xray)."""
    action, invitation = ("cancelled", "meeting_cancel") if event == "cancelled" else ("created", "meeting_request")

    def check(outbox: dict[str, Any]) -> bool:
        told = delivered(outbox, change_id, event)
        invited = delivered(outbox, change_id, invitation)
        return (
            all(set(told.get(code, [])) >= audience[code] for code in CUSTOMERS)
            and set(invited.get(ICS_CUSTOMER, [])) >= calendar[ICS_CUSTOMER]
            and bool(meetings_of(outbox, title, action))
        )

    return check


def test_a_change_is_announced_with_its_meeting_survives_a_restart_is_cancelled_and_nothing_is_left_running(
    stack: LocalStackProcess, app_config: AppConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint = next(line for line in stack.output if "AWS emulator:" in line).split()[2]
    audience = {code: subscribers(endpoint, app_config, code, ANNOUNCE_TOPIC) for code in CUSTOMERS}
    calendar = {code: subscribers(endpoint, app_config, code, CALENDAR_TOPIC) for code in CUSTOMERS}
    assert all({"requester@example.com", "approver@example.com"} <= people for people in audience.values())

    requester, approver = Browser(stack.url), Browser(stack.url)
    landing = requester.sign_in("requester@example.com")
    assert landing.status_code == 200 and landing.url.rstrip("/") == stack.url
    approver.sign_in("approver@example.com")
    assert requester.api("GET", "/api/user/context").json()["email"] == "requester@example.com"

    title = f"Patch the edge fleet {time.time_ns()}"
    document = change_input(customers=CUSTOMERS, changeTitle=title, include_meeting=True)
    created = requester.api("POST", "/api/changes", document)
    assert created.status_code == 201, created.text
    change_id = created.json()["object"]["changeId"]

    approved_at = time.monotonic()
    approval = approver.api("POST", f"/api/changes/{change_id}/approve")
    assert approval.status_code == 200, approval.text
    outbox = wait_for(approver, everyone_told(change_id, title, "approved", audience, calendar), "the approval")
    approve_to_last_email = time.monotonic() - approved_at

    approved = delivered(outbox, change_id, "approved")
    for code in CUSTOMERS:
        assert sorted(approved[code]) == sorted(audience[code]), f"{code}: each subscriber exactly once"
    [meeting] = meetings_of(outbox, title, "created")
    assert set(meeting["attendees"]) >= calendar["alpha"] | calendar["bravo"]
    assert sorted(delivered(outbox, change_id, "meeting_request")[ICS_CUSTOMER]) == sorted(calendar[ICS_CUSTOMER])
    assert all(e["calendar_method"] == "REQUEST" for e in outbox["emails"] if e["event"] == "meeting_request")
    first = next(e for e in outbox["emails"] if e["object_id"] == change_id and e["event"] == "approved")
    page = approver.get(approver.url(f"/dev/outbox?open={first['message_id']}"), timeout=30)
    assert page.status_code == 200 and title in page.text and '<iframe sandbox=""' in page.text

    stop_and_check_nothing_is_left(stack, interrupt=True)

    again = LocalStackProcess(stack.data_dir)
    try:
        again.start("--snapshot-interval", "0")
        requester.base_url = approver.base_url = again.url  # the same cookie key: first-run sessions still hold
        reread = requester.api("GET", f"/api/changes/{change_id}")
        listed = requester.api("GET", "/api/changes?status=approved").json()
        assert reread.status_code == 200 and reread.json()["status"] == "approved", reread.text
        assert change_id in json.dumps(listed), "the catalog was rebuilt from the restored archive"

        cancel = requester.api("POST", f"/api/changes/{change_id}/cancel")
        assert cancel.status_code == 200, cancel.text
        outbox = wait_for(approver, everyone_told(change_id, title, "cancelled", audience, calendar), "the cancel")

        assert delivered(outbox, change_id, "approved") == approved, "the first run's emails are still listed"
        cancelled = delivered(outbox, change_id, "cancelled")
        assert {code: sorted(people) for code, people in cancelled.items()} == {
            code: sorted(audience[code]) for code in CUSTOMERS
        }
        [gone] = meetings_of(outbox, title, "cancelled")
        assert gone["event_id"] == meeting["event_id"], "the meeting of the first run is cancelled in place"
        assert sorted(delivered(outbox, change_id, "meeting_cancel")[ICS_CUSTOMER]) == sorted(calendar[ICS_CUSTOMER])
        stop_and_check_nothing_is_left(again)
    finally:
        again.kill()
    with capsys.disabled():
        print(
            f"\nlocal stack: ready after {stack.ready_seconds:.1f} s (restart {again.ready_seconds:.1f} s), "
            f"approve -> last email {approve_to_last_email:.1f} s, {sum(map(len, approved.values()))} emails"
        )


def stop_and_check_nothing_is_left(stack: LocalStackProcess, interrupt: bool = False) -> None:
    """Ctrl-C (SIGINT to the process group) or SIGTERM to the stack: it ends, and with it everything it started."""
    children = {pid: started_at(pid) for pid in descendants(stack.pid) | {stack.pid}}
    assert len(children) > 1, "the functions run in processes of their own"
    assert stack.stop(interrupt=interrupt) == 0, "".join(stack.output[-20:])
    # multiprocessing's resource tracker ends only once the stack has exited and closed its end of their pipe:
    # on a busy machine that takes a moment, so the processes get a few seconds to go. A process counts by its pid
    # and its start time, so that a pid the system has since given to an unrelated process is not mistaken for one.
    deadline = time.monotonic() + LEAVE_SECONDS
    while True:
        left = {pid for pid, start in children.items() if running(pid) and started_at(pid) == start}
        left |= in_session(stack.pid)
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not left, f"processes left running {LEAVE_SECONDS:.0f} s after the stack stopped: {sorted(left)}"
