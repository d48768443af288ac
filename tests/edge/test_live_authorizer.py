"""The live WebSocket API's authoriser accepts exactly the sessions the gatekeeper accepts, from the portal's own
pages only; an allowed connection carries who it is and when its session ends."""

from __future__ import annotations

import copy
import json
import time
from types import ModuleType
from typing import Any

import pytest

from ccm.edge.session import SigningKey
from tests.backend_support import load_event
from tests.edge.conftest import CONTEXT, PREVIOUS_KEY, session_cookie

FORGED_KEY = SigningKey("current", b"f" * 32)
"""The current key's id with another secret: what someone who guessed the id but not the key would sign."""


def connect_event(*cookies: str, origin: str | None = "https://ccm.example.com") -> dict[str, Any]:
    event = copy.deepcopy(load_event("websocket_connect_authorizer.json"))
    for headers in (event["headers"], event["multiValueHeaders"]):
        headers.pop("Cookie", None)
        headers.pop("Origin", None)
    if cookies:
        event["headers"]["Cookie"] = "; ".join(cookies)
        event["multiValueHeaders"]["Cookie"] = ["; ".join(cookies)]
    if origin is not None:
        event["headers"]["Origin"] = origin
        event["multiValueHeaders"]["Origin"] = [origin]
    return event


def effect(answer: dict[str, Any]) -> str:
    [statement] = answer["policyDocument"]["Statement"]
    assert statement["Resource"] == "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/live/$connect"
    return str(statement["Effect"])


def test_a_signed_in_user_from_the_portal_connects_as_themselves(edge_app: ModuleType) -> None:
    cookie = session_cookie("Requester@Example.com", ("ccm-users",), issued_ago=60, lifetime=3600)

    answer = edge_app.live_authorizer(connect_event(cookie), CONTEXT)

    assert effect(answer) == "Allow"
    assert answer["principalId"] == "requester@example.com"
    assert answer["context"]["email"] == "requester@example.com"
    assert json.loads(answer["context"]["groups"]) == ["ccm-users"]
    assert all(isinstance(value, str | int) for value in answer["context"].values())


def test_the_connection_carries_the_end_of_the_session(edge_app: ModuleType) -> None:
    answer = edge_app.live_authorizer(connect_event(session_cookie(issued_ago=600, lifetime=3600)), CONTEXT)

    assert abs(answer["context"]["expiresAt"] - (time.time() + 3000)) < 5


def test_a_session_signed_with_the_previous_key_still_connects(edge_app: ModuleType) -> None:
    answer = edge_app.live_authorizer(connect_event(session_cookie(key=PREVIOUS_KEY)), CONTEXT)

    assert effect(answer) == "Allow"


@pytest.mark.parametrize(
    "cookies",
    [
        pytest.param((), id="no cookie"),
        pytest.param(("__Host-SAML_SESSION=v1.current.e30.AAAA",), id="tampered cookie"),
        pytest.param((session_cookie(key=FORGED_KEY),), id="forged cookie"),
        pytest.param((session_cookie(issued_ago=3700, lifetime=3600),), id="expired session"),
        pytest.param((session_cookie(issued_ago=60, started_ago=13 * 3600),), id="session past its 12 hours"),
        pytest.param((session_cookie(), session_cookie("admin@example.com")), id="two session cookies"),
    ],
)
def test_no_valid_session_no_connection(edge_app: ModuleType, cookies: tuple[str, ...]) -> None:
    answer = edge_app.live_authorizer(connect_event(*cookies), CONTEXT)

    assert effect(answer) == "Deny"
    assert "context" not in answer


@pytest.mark.parametrize("origin", ["https://evil.example.net", "https://ccm.example.com.evil.net", None])
def test_a_page_of_another_site_cannot_open_a_socket_with_the_users_cookie(
    edge_app: ModuleType, origin: str | None
) -> None:
    answer = edge_app.live_authorizer(connect_event(session_cookie(), origin=origin), CONTEXT)

    assert effect(answer) == "Deny"
