"""Issue 21 on ``make dev``: a change approved in the portal reaches xray's Teams, Slack and webhook catchers at
/dev/hooks through the stack's own backend, queue and SSM parameters; the flaky one after two 500s; the attempts
are in the object's details and in /dev/outbox."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cloudevents.core.bindings.http import HTTPMessage, from_http
from cloudevents.core.formats.json import JSONFormat

from ccm.domain.times import format_rfc3339
from tests.api.helpers import change_input
from tests.local.stack_process import Browser, LocalStackProcess

pytestmark = pytest.mark.e2e

WAIT_SECONDS = 120.0
CATCHERS = ("ops-teams-xray", "ops-slack-xray", "itsm-webhook-xray")


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStackProcess]:
    process = LocalStackProcess(tmp_path / "local-data")
    try:
        yield process.start("--snapshot-interval", "0", "--clock-interval", "0")
    finally:
        process.kill()


def about(posts: list[dict[str, Any]], object_id: str) -> list[dict[str, Any]]:
    return [post for post in posts if object_id in post["body"]]


def wait_for_posts(
    browser: Browser, condition: Callable[[list[dict[str, Any]]], bool], what: str
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + WAIT_SECONDS
    posts: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        posts = browser.get(browser.url("/dev/hooks/"), timeout=30).json()
        if condition(posts):
            return posts
        time.sleep(0.5)
    raise AssertionError(f"{what} did not happen within {WAIT_SECONDS:.0f} s; caught: {[p['name'] for p in posts]}")


def test_an_approval_reaches_the_teams_slack_and_webhook_catchers_once_and_the_flaky_one_after_retries(
    stack: LocalStackProcess,
) -> None:
    requester, approver = Browser(stack.url), Browser(stack.url)
    requester.sign_in("requester@example.com")
    approver.sign_in("approver@example.com")
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    title = f"Rotate the imaging archive keys {time.time_ns()}"
    created = requester.api(
        "POST",
        "/api/changes",
        change_input(
            customers=["xray"],
            changeTitle=title,
            implementationStart=format_rfc3339(start),
            implementationEnd=format_rfc3339(start + timedelta(hours=2)),
        ),
    )
    change_id = created.json()["object"]["changeId"]
    assert approver.api("POST", f"/api/changes/{change_id}/approve").status_code == 200

    def approved(posts: list[dict[str, Any]]) -> bool:
        mine = about(posts, change_id)
        delivered = {p["name"] for p in mine if p["status"] == 200 and f"Approved: {title}" in _headline(p)}
        return set(CATCHERS) <= delivered and "flaky-webhook-xray" in delivered

    posts = about(wait_for_posts(approver, approved, "the approval's posts"), change_id)
    by_name: dict[str, list[dict[str, Any]]] = {}
    for post in posts:
        if _event(post) == "approved":
            by_name.setdefault(post["name"], []).append(post)
    assert {name: len(found) for name, found in by_name.items()} == {
        "ops-teams-xray": 1,
        "ops-slack-xray": 1,
        "itsm-webhook-xray": 1,
        "flaky-webhook-xray": 3,
    }
    assert [post["status"] for post in by_name["flaky-webhook-xray"]] == [500, 500, 200]

    card = json.loads(by_name["ops-teams-xray"][0]["body"])["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard" and card["actions"][0]["url"].endswith(f"changeId={change_id}")
    assert json.loads(by_name["ops-slack-xray"][0]["body"])["blocks"][0]["type"] == "header"
    hook = by_name["itsm-webhook-xray"][0]
    assert hook["signature"] == "valid"
    event = from_http(HTTPMessage(headers=hook["headers"], body=hook["body"].encode()), JSONFormat())
    assert (event.get_type(), event.get_subject()) == ("com.ccm.change.approved", change_id)

    details = approver.api("GET", f"/api/changes/{change_id}/channel-posts").json()["posts"]
    flaky = sorted((p["attempt"], p["status"]) for p in details if p["channel"] == "flaky-webhook")
    assert flaky == [(1, 500), (2, 500), (3, 200)]
    page = approver.get(approver.url("/dev/outbox"), timeout=30).text
    assert "Channel posts" in page and "itsm-webhook-xray" in page


def _event(post: dict[str, Any]) -> str | None:
    body = json.loads(post["body"])
    if "specversion" in body:
        return str(body["type"]).rsplit(".", 1)[-1]
    return "approved" if "Approved:" in _headline(post) else None


def _headline(post: dict[str, Any]) -> str:
    body = json.loads(post["body"])
    if "specversion" in body:
        return f"Approved: {body['data']['title']}" if body["type"].endswith(".approved") else ""
    if "text" in body:
        return str(body["text"]).replace("&amp;", "&")
    return str(body["attachments"][0]["content"]["body"][0]["text"])
