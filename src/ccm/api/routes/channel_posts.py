"""``/{changes|announcements}/{id}/channel-posts``: every attempt to post the object to a customer's channels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, ConfigDict, Field

from ccm.api.context import CurrentActor, CurrentServices
from ccm.api.docs import documented
from ccm.api.models import ObjectId
from ccm.storage.channel_log import ChannelAttempt
from ccm.workflow.channel_posts import channel_posts
from ccm.workflow.commands import Kind


class ChannelPost(BaseModel):
    model_config = ConfigDict(populate_by_name=True, defer_build=True)

    at: datetime
    customer: str
    channel: str
    channel_type: str = Field(alias="channelType", description="teams, slack or webhook")
    version: int
    event: str
    attempt: int = Field(description="1 for a delivery's first try in an invocation, counting up with each retry")
    outcome: str = Field(description="sent, retry (tried again later) or failed (given up for good)")
    status: int | None = Field(default=None, description="The HTTP status the endpoint answered; none: no answer")
    latency_ms: int | None = Field(default=None, alias="latencyMs")
    error: str | None = None


class ChannelPostsBody(BaseModel):
    model_config = ConfigDict(defer_build=True)

    posts: list[ChannelPost]


def _post(attempt: ChannelAttempt) -> dict[str, Any]:
    return ChannelPost(
        at=attempt.at,
        customer=attempt.customer_code,
        channel=attempt.channel,
        channel_type=attempt.channel_type,
        version=attempt.version,
        event=attempt.event,
        attempt=attempt.number,
        outcome=attempt.outcome,
        status=attempt.status,
        latency_ms=attempt.latency_ms,
        error=attempt.error,
    ).model_dump(mode="json", by_alias=True)


def add_channel_post_routes(router: Router, kind: Kind, collection: str) -> None:
    @router.get(
        f"/{collection}/<object_id>/channel-posts",
        tags=[collection],
        summary=f"Every attempt to post the {kind} to the customers' Teams, Slack and webhook channels, newest first",
        operation_id=f"list_{kind}_channel_posts",
        responses=documented(200, ChannelPostsBody, 404),
    )
    def list_channel_posts(services: CurrentServices, actor: CurrentActor, object_id: ObjectId) -> dict[str, Any]:
        return {"posts": [_post(attempt) for attempt in channel_posts(services, actor, object_id, kind=kind)]}
