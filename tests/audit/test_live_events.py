"""The live portal's events: published by the audit function from every archive write that adds history, once per
event whatever the queue redelivers, to the connections that may see the object and to no one else."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from functions.live import app as live_module
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

from tests.api.client import ADMIN, APPROVER
from tests.api.helpers import change_input
from tests.audit.conftest import AuditStack
from tests.backend_support import LambdaContext, load_event

ENDPOINT = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/live"
WINDOW = {"implementationStart": "2030-03-20T22:00:00Z", "implementationEnd": "2030-03-20T23:00:00Z"}
ACCOUNT = "123456789012"
"""moto's default account."""
FIELDS = {"type", "objectId", "version", "status", "actor", "at"}


@pytest.fixture
def live(stack: AuditStack, monkeypatch: pytest.MonkeyPatch) -> AuditStack:
    monkeypatch.setenv("CCM_LIVE_ENDPOINT", ENDPOINT)
    monkeypatch.setattr(live_module, "_connections", None)
    return stack


def connect(connection_id: str, email: str, groups: list[str], *, session_left: int = 3600) -> dict[str, Any]:
    """``$connect`` as API Gateway sends it after the authoriser let ``email`` in."""
    event = copy.deepcopy(load_event("websocket_connect.json"))
    event["requestContext"]["connectionId"] = connection_id
    event["requestContext"]["authorizer"].update(
        {
            "email": email,
            "principalId": email,
            "groups": json.dumps(groups),
            "expiresAt": int(time.time()) + session_left,
        }
    )
    answer: dict[str, Any] = live_module.handler(event, LambdaContext(function_name="ccm-live"))  # type: ignore[arg-type]
    return answer


def disconnect(connection_id: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event("websocket_disconnect.json"))
    event["requestContext"]["connectionId"] = connection_id
    answer: dict[str, Any] = live_module.handler(event, LambdaContext(function_name="ccm-live"))  # type: ignore[arg-type]
    return answer


def _messages(data: bytes) -> Iterator[dict[str, Any]]:
    decoder, text, at = json.JSONDecoder(), data.decode("utf-8"), 0
    while at < len(text):
        message, at = decoder.raw_decode(text, at)
        yield message


def received(connection_id: str) -> list[dict[str, Any]]:
    """What API Gateway (moto) passed to one connection, message by message."""
    connections = apigatewaymanagementapi_backends[ACCOUNT]["us-east-1"].connections
    return list(_messages(connections[connection_id].data)) if connection_id in connections else []


def test_every_event_of_a_lifecycle_reaches_a_connected_user_with_six_fields_only(live: AuditStack) -> None:
    assert connect("approver-1", "approver@example.com", ["ccm-approvers"]) == {"statusCode": 200}
    api = live.api
    change_id = api.post("/api/drafts", change_input(**WINDOW)).json["changeId"]
    assert api.post(f"/api/changes/{change_id}/submit").status == 200
    assert api.as_(APPROVER).post(f"/api/changes/{change_id}/approve").status == 200
    live.record_delivery(change_id, "alpha")

    live.drain()

    messages = [m for m in received("approver-1") if m["objectId"] == change_id]
    assert {frozenset(message) for message in messages} == {frozenset(FIELDS)}
    # A draft lives outside the archive; its first archive write, the submission, tells its creation too.
    assert [(m["type"], m["version"], m["status"], m["actor"]) for m in messages] == [
        ("created", 1, "submitted", "requester@example.com"),
        ("submitted", 1, "submitted", "requester@example.com"),
        ("approval_decision", 2, "approved", "approver@example.com"),
        ("approved", 2, "approved", "approver@example.com"),
        ("processed", 2, "approved", "backend"),
    ]


def test_a_draft_is_told_to_nobody_and_its_submission_to_everyone(live: AuditStack) -> None:
    connect("owner", "requester@example.com", ["ccm-users"])
    connect("colleague", "approver@example.com", ["ccm-approvers"])
    connect("admin", ADMIN.email, list(ADMIN.groups))

    change_id = live.api.post("/api/drafts", change_input(**WINDOW)).json["changeId"]
    # A draft lives outside the archive: no write of it reaches the audit function, so nobody hears of it.
    assert [received(name) for name in ("owner", "colleague", "admin")] == [[], [], []]

    assert live.api.post(f"/api/changes/{change_id}/submit").status == 200
    live.drain()
    for name in ("owner", "colleague", "admin"):
        assert [m["type"] for m in received(name)] == ["created", "submitted"]


def test_a_redelivered_write_publishes_nothing_twice(live: AuditStack) -> None:
    connect("owner", "requester@example.com", ["ccm-users"])
    change_id = live.api.post("/api/drafts", change_input(**WINDOW)).json["changeId"]
    assert live.api.post(f"/api/changes/{change_id}/submit").status == 200
    bodies = live.drain()
    first = received("owner")

    live.handle(bodies)
    live.handle(list(reversed(bodies)))

    assert received("owner") == first
    assert [m["type"] for m in first] == ["created", "submitted"]


def test_a_dropped_connection_hears_nothing_and_its_reconnection_hears_what_follows(live: AuditStack) -> None:
    connect("first", "requester@example.com", ["ccm-users"])
    change_id = live.api.post("/api/drafts", change_input(**WINDOW)).json["changeId"]
    assert live.api.post(f"/api/changes/{change_id}/submit").status == 200
    live.drain()

    assert disconnect("first") == {"statusCode": 200}
    connect("again", "requester@example.com", ["ccm-users"])
    assert live.api.as_(APPROVER).post(f"/api/changes/{change_id}/approve").status == 200
    live.drain()

    assert [m["type"] for m in received("first")] == ["created", "submitted"]
    assert [m["type"] for m in received("again")] == ["approval_decision", "approved"]


def test_a_connection_whose_session_ended_is_closed_instead_of_told(live: AuditStack) -> None:
    connect("stale", "approver@example.com", ["ccm-approvers"], session_left=-1)
    connect("fresh", "approver@example.com", ["ccm-approvers"])
    change_id = live.api.post("/api/drafts", change_input(**WINDOW)).json["changeId"]
    assert live.api.post(f"/api/changes/{change_id}/submit").status == 200

    live.drain()

    assert received("stale") == []
    assert [m["type"] for m in received("fresh")] == ["created", "submitted"]
    assert connect("stale-again", "approver@example.com", ["ccm-approvers"]) == {"statusCode": 200}


def test_a_connect_without_the_authorisers_context_is_refused(live: AuditStack) -> None:
    event = copy.deepcopy(load_event("websocket_connect.json"))
    del event["requestContext"]["authorizer"]

    answer = live_module.handler(event, LambdaContext(function_name="ccm-live"))  # type: ignore[arg-type]

    assert answer["statusCode"] == 403
