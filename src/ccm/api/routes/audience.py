"""``/{changes|announcements}/{id}/audience``: whom the object reaches once approved, counted per customer."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from ccm.api.context import CurrentActor, CurrentServices
from ccm.api.docs import AudienceBody, documented
from ccm.api.models import ObjectId
from ccm.workflow.audience import audience
from ccm.workflow.commands import Kind


def add_audience_routes(router: Router, kind: Kind, collection: str) -> None:
    @router.get(
        f"/{collection}/<object_id>/audience",
        tags=[collection],
        summary=f"Whom the {kind} reaches once approved: recipients per customer and topic, and its meeting's invitees",
        operation_id=f"get_{kind}_audience",
        responses=documented(200, AudienceBody, 404, 503),
    )
    def get_audience(services: CurrentServices, actor: CurrentActor, object_id: ObjectId) -> dict[str, Any]:
        return audience(services, actor, object_id, kind=kind).to_document()
