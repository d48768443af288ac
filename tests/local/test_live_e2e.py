"""Issue 26 on ``make dev``: ``/live`` on the portal's own address, authorised by the same session cookie through
the real authoriser and ``$connect`` route; an approval made by one user reaches the other user's socket; a
dropped socket reconnects and hears what follows."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from ccm.domain.times import format_rfc3339
from tests.api.helpers import change_input
from tests.local.stack_process import Browser, LocalStackProcess

pytestmark = pytest.mark.e2e

WAIT_SECONDS = 60.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStackProcess]:
    process = LocalStackProcess(tmp_path_factory.mktemp("live") / "local-data")
    try:
        yield process.start("--snapshot-interval", "0", "--clock-interval", "0")
    finally:
        process.kill()


def socket_url(stack: LocalStackProcess) -> str:
    return stack.url.replace("http://", "ws://") + "/live"


def open_socket(stack: LocalStackProcess, cookie: str | None, origin: str | None = None) -> ClientConnection:
    headers = {"Cookie": cookie} if cookie else {}
    socket: ClientConnection = connect(
        socket_url(stack), additional_headers=headers, origin=Origin(origin or stack.url), open_timeout=30.0
    )
    return socket


def cookie_of(browser: Browser) -> str:
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in browser.cookies)


def refused_status(stack: LocalStackProcess, cookie: str | None, origin: str | None = None) -> int:
    with pytest.raises(InvalidStatus) as refused:
        open_socket(stack, cookie, origin)
    return int(refused.value.response.status_code)


def events_until(socket: ClientConnection, wanted: set[tuple[str, str]]) -> list[dict[str, Any]]:
    """Messages until every wanted (type, objectId) arrived."""
    deadline = time.monotonic() + WAIT_SECONDS
    seen: list[dict[str, Any]] = []
    while not wanted <= {(m["type"], m["objectId"]) for m in seen}:
        seen.append(json.loads(socket.recv(timeout=max(0.1, deadline - time.monotonic()))))
    return seen


def submitted_change(requester: Browser) -> str:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    window = {
        "implementationStart": format_rfc3339(start),
        "implementationEnd": format_rfc3339(start + timedelta(hours=1)),
        "customers": ["alpha"],
    }
    created = requester.api("POST", "/api/drafts", change_input(**window))
    assert created.status_code in (200, 201), created.text
    change_id = str(created.json()["changeId"])
    assert requester.api("POST", f"/api/changes/{change_id}/submit").status_code == 200
    return change_id


def test_without_a_session_or_from_another_site_the_socket_is_refused(stack: LocalStackProcess) -> None:
    requester = Browser(stack.url)
    requester.sign_in("requester@example.com")

    assert refused_status(stack, None) == 401
    assert refused_status(stack, "__Host-SAML_SESSION=v1.current.e30.AAAA") == 403
    assert refused_status(stack, cookie_of(requester), origin="http://evil.example.net") == 403


def test_an_approval_reaches_the_requesters_socket_and_a_reconnected_socket_hears_what_follows(
    stack: LocalStackProcess,
) -> None:
    requester, approver = Browser(stack.url), Browser(stack.url)
    requester.sign_in("requester@example.com")
    approver.sign_in("approver@example.com")
    change_id = submitted_change(requester)

    with open_socket(stack, cookie_of(requester)) as socket:
        assert approver.api("POST", f"/api/changes/{change_id}/approve").status_code == 200
        heard = events_until(socket, {("approved", change_id)})
    approved = next(m for m in heard if (m["type"], m["objectId"]) == ("approved", change_id))
    assert set(approved) == {"type", "objectId", "version", "status", "actor", "at"}
    assert (approved["status"], approved["actor"]) == ("approved", "approver@example.com")

    with open_socket(stack, cookie_of(requester)) as again:
        completed = approver.api("POST", f"/api/changes/{change_id}/cancel", {"reason": "Postponed"})
        assert completed.status_code == 200, completed.text
        events_until(again, {("cancelled", change_id)})
