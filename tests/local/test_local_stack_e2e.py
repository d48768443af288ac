"""``make dev`` end to end: the stack in its own process, driven over HTTP like a browser would drive it.

Sign-in follows the real SAML POST through the development identity provider; the change goes through the
gatekeeper, the API function, S3 notifications, the queue workers and the backend function to the customers'
SES accounts, and the outbox shows what SES accepted.
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
    subscribers,
)

pytestmark = pytest.mark.e2e

CUSTOMERS = ["alpha", "bravo", "xray"]
ANNOUNCE_TOPIC = "aws-announce"
WAIT_SECONDS = 60.0


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


def meetings_of(outbox: dict[str, Any], subject_part: str, action: str) -> list[dict[str, Any]]:
    return [m for m in outbox["meetings"] if subject_part in str(m.get("subject", "")) and m.get("action") == action]


def test_a_change_created_approved_and_cancelled_reaches_every_subscriber_survives_a_restart_and_leaves_nothing_running(
    stack: LocalStackProcess, app_config: AppConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint = next(line for line in stack.output if "AWS emulator:" in line).split()[2]
    audience = {code: subscribers(endpoint, app_config, code, ANNOUNCE_TOPIC) for code in CUSTOMERS}
    assert all({"requester@example.com", "approver@example.com"} <= people for people in audience.values())

    requester, approver = Browser(stack.url), Browser(stack.url)
    landing = requester.sign_in("requester@example.com")
    assert landing.status_code == 200 and landing.url.rstrip("/") == stack.url
    approver.sign_in("approver@example.com")
    assert requester.api("GET", "/api/user/context").json()["email"] == "requester@example.com"

    title = f"Patch the edge fleet {time.time_ns()}"
    created = requester.api("POST", "/api/changes", change_input(customers=CUSTOMERS, changeTitle=title))
    assert created.status_code == 201, created.text
    change_id = created.json()["object"]["changeId"]

    approved_at = time.monotonic()
    approval = approver.api("POST", f"/api/changes/{change_id}/approve")
    assert approval.status_code == 200, approval.text

    def everyone_told(event: str) -> Callable[[dict[str, Any]], bool]:
        def check(outbox: dict[str, Any]) -> bool:
            told = delivered(outbox, change_id, event)
            meetings_done = not outbox["meetings_wired"] or bool(
                meetings_of(outbox, title, "cancelled" if event == "cancelled" else "created")
            )
            return meetings_done and all(set(told.get(code, [])) >= audience[code] for code in CUSTOMERS)

        return check

    outbox = wait_for(approver, everyone_told("approved"), "the approval emails")
    approve_to_last_email = time.monotonic() - approved_at
    approved = delivered(outbox, change_id, "approved")
    for code in CUSTOMERS:
        assert sorted(approved[code]) == sorted(audience[code]), f"{code}: each subscriber exactly once"

    cancel = requester.api("POST", f"/api/changes/{change_id}/cancel")
    assert cancel.status_code == 200, cancel.text
    outbox = wait_for(approver, everyone_told("cancelled"), "the cancellation emails")
    cancelled = delivered(outbox, change_id, "cancelled")
    assert {code: sorted(people) for code, people in cancelled.items()} == {
        code: sorted(audience[code]) for code in CUSTOMERS
    }

    page = approver.get(approver.url("/dev/outbox"), timeout=30)
    assert page.status_code == 200 and title in page.text and "sandbox" in page.text

    stop_and_check_nothing_is_left(stack, interrupt=True)

    again = LocalStackProcess(stack.data_dir)
    try:
        again.start("--snapshot-interval", "0")
        requester.base_url = again.url  # the same cookie key: the session of the first run is still good
        reread = requester.api("GET", f"/api/changes/{change_id}")
        listed = requester.api("GET", "/api/changes?status=cancelled").json()
        kept = requester.get(requester.url("/dev/outbox.json"), timeout=30).json()
        assert reread.status_code == 200 and reread.json()["status"] == "cancelled"
        assert change_id in json.dumps(listed), "the catalog was rebuilt from the restored archive"
        assert delivered(kept, change_id, "approved") == approved and delivered(kept, change_id, "cancelled")
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
    children = descendants(stack.pid)
    assert children, "the functions run in processes of their own"
    assert stack.stop(interrupt=interrupt) == 0, "".join(stack.output[-20:])
    left = {pid for pid in children | {stack.pid} if running(pid)} | in_session(stack.pid)
    assert not left, f"processes left running: {sorted(left)}"
