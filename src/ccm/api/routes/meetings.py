"""``/{changes|announcements}/{id}/meeting.ics``: the object's meeting as an iCalendar file."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

from ccm.api.context import CurrentActor, CurrentServices
from ccm.api.docs import documented
from ccm.api.models import ObjectId
from ccm.api.responses import NO_CACHE
from ccm.workflow.commands import Kind


def _responses() -> dict[int, OpenAPIResponse]:
    responses = documented(200, None, 404)
    responses[200] = {
        "description": "The meeting (METHOD:PUBLISH; STATUS:CANCELLED once cancelled), as an attachment",
        "content": {"text/calendar": {"schema": {"type": "string", "format": "binary"}}},
    }
    responses[404]["description"] = "No such object, or it has no meeting"
    return responses


def add_meeting_routes(router: Router, kind: Kind, collection: str) -> None:
    @router.get(
        f"/{collection}/<object_id>/meeting.ics",
        tags=[collection],
        summary=f"Download the {kind}'s meeting as an .ics file to import into any calendar",
        operation_id=f"download_{kind}_meeting",
        responses=_responses(),
    )
    def download_meeting(services: CurrentServices, actor: CurrentActor, object_id: ObjectId) -> Response[Any]:
        # The file is written with the email templates (jinja2) and icalendar: the first download loads them, not
        # every cold start of the API.
        from ccm.meetings.download import meeting_calendar

        found = meeting_calendar(services, actor, object_id, kind=kind)
        return Response(
            status_code=200,
            content_type="text/calendar; charset=utf-8",
            body=found.text,
            headers={
                "Content-Disposition": f'attachment; filename="{found.filename}"',
                "ETag": found.etag,
                "Cache-Control": NO_CACHE,
            },
        )
