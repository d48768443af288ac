"""``GET /api/{changes|announcements}/{id}/channel-posts``: the channel attempts shown with the object's details."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ccm.domain.status import Status
from ccm.storage.channel_log import ChannelAttempt, DynamoChannelLog
from ccm.workflow import Services
from tests.api.client import OUTSIDER, ApiClient
from tests.api.conftest import NOW
from tests.api.helpers import collection, stored_object
from tests.conftest import TABLE


def attempt(object_id: str, number: int, outcome: str, status: int | None, **overrides: object) -> ChannelAttempt:
    values: dict[str, object] = {
        "attempt_id": f"{object_id}-{number}",
        "at": NOW + timedelta(seconds=number),
        "customer_code": "xray",
        "channel": "itsm-webhook",
        "channel_type": "webhook",
        "object_id": object_id,
        "version": 2,
        "event": "approved",
        "number": number,
        "outcome": outcome,
        "status": status,
        "latency_ms": 40 + number,
        "response": "the endpoint's own words",
    }
    values.update(overrides)
    return ChannelAttempt(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["change", "announcement"])
def test_the_attempts_come_newest_first_without_the_answers_body(api: ApiClient, services: Services, kind: str) -> None:
    object_id = stored_object(services, kind, Status.APPROVED).obj.id
    log = DynamoChannelLog(TABLE)
    log.record(attempt(object_id, 1, "retry", 500, error=None))
    log.record(attempt(object_id, 2, "sent", 200))
    log.record(attempt("CHG-00000000-0000-4000-8000-000000000001", 1, "sent", 200))

    response = api.get(f"/api/{collection(kind)}/{object_id}/channel-posts")

    assert response.status == 200, response.text
    posts = response.json["posts"]
    assert [(p["attempt"], p["outcome"], p["status"], p["latencyMs"]) for p in posts] == [
        (2, "sent", 200, 42),
        (1, "retry", 500, 41),
    ]
    assert posts[0]["channel"] == "itsm-webhook" and posts[0]["channelType"] == "webhook"
    assert "response" not in posts[0]


def test_an_object_without_posts_has_an_empty_list_and_strangers_and_unknown_ids_get_errors(
    api: ApiClient, services: Services
) -> None:
    object_id = stored_object(services, "change", Status.APPROVED).obj.id
    assert api.get(f"/api/changes/{object_id}/channel-posts").json == {"posts": []}
    assert api.get("/api/changes/CHG-00000000-0000-4000-8000-000000000000/channel-posts").status == 404
    assert api.as_(OUTSIDER).get(f"/api/changes/{object_id}/channel-posts").status == 403


def test_the_route_is_documented(api: ApiClient) -> None:
    paths = api.get("/api/openapi.json", identity=None).json["paths"]
    for path in ("/changes/{object_id}/channel-posts", "/announcements/{object_id}/channel-posts"):
        assert {"200", "404"} <= set(paths[path]["get"]["responses"])
