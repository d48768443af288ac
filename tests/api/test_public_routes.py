"""``/feeds/*`` bypasses sign-in on purpose; this proves it reaches nothing else of the API, whatever it says."""

from __future__ import annotations

import re
from typing import Any

import pytest
from functions.api import app as api_module

from ccm.api.public import PUBLIC_PREFIXES
from ccm.workflow import Services
from tests.api.client import ADMIN, ApiClient
from tests.api.helpers import submit_change

FORGED = {"x-authenticated": "true", "x-user-email": "admin@example.com", "x-user-groups": "ccm-admins"}
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def private_paths(api: ApiClient, object_id: str) -> list[str]:
    document = api.as_(ADMIN).get("/api/openapi.json").json
    return sorted({re.sub(r"\{[^}]+\}", object_id, path) for path in document["paths"]})


def test_the_public_router_is_the_only_one_for_feeds_and_the_private_one_never_sees_them(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    private_calls: list[str] = []
    real_resolve = api_module.app.resolve

    def watched(event: dict[str, Any], context: Any) -> Any:
        private_calls.append(str(event["rawPath"]))
        return real_resolve(event, context)

    monkeypatch.setattr(api_module.app, "resolve", watched)
    assert PUBLIC_PREFIXES == ("/feeds/", "/feedback/")

    api.as_(None).get("/feeds/alpha/whatever.ics", headers=FORGED)
    api.as_(None).get("/feedback/whatever", headers=FORGED)
    api.as_(None).post("/feedback/whatever", headers=FORGED)
    api.get("/api/changes")

    assert private_calls == ["/api/changes"]


def test_no_private_route_answers_under_feeds_even_with_forged_identity_headers(
    api: ApiClient, services: Services
) -> None:
    change = submit_change(api)
    token = services.feed_tokens.issue("alpha")
    tails = [path.lstrip("/") for path in private_paths(api, change["changeId"])]
    candidates = [
        *(f"/feeds/{tail}" for tail in tails),
        *(f"/feeds/api/{tail}" for tail in tails),
        *(f"/feeds/../api/{tail}" for tail in tails),
        *(f"/feeds/%2e%2e/api/{tail}" for tail in tails),
        f"/feeds/alpha/{token}/../../api/changes",
        f"/feeds/alpha/../../changes/{change['changeId']}",
        "/feeds/openapi.json",
        "/feeds/",
    ]
    assert len(candidates) > 50

    for path in candidates:
        for method in METHODS:
            response = api.as_(None).request(method, path, headers=FORGED)
            assert response.status == 404, (method, path, response.text)
            assert change["changeId"] not in response.text and "requester@example.com" not in response.text


def test_a_feed_answers_only_to_get_and_head(api: ApiClient, services: Services) -> None:
    token = services.feed_tokens.issue("alpha")
    path = f"/feeds/alpha/{token}.ics"

    assert api.as_(None).get(path).status == 200
    assert api.as_(None).request("HEAD", path).status == 200
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert api.as_(None).request(method, path, body={}).status == 404
