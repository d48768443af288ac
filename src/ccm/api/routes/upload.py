"""``POST /upload``: the original single entry point for creating, submitting and announcement status changes."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from ccm.api.context import CurrentActor, CurrentServices
from ccm.api.docs import MutationBody, documented
from ccm.api.models import DRAFTS, SUBMISSIONS, AnnouncementStatusUpdate, IfMatch, validated
from ccm.api.responses import mutation_response
from ccm.api.routes.common import expected, new_router
from ccm.domain.status import Status
from ccm.workflow import InvalidInput, save_draft, submit, update_status
from ccm.workflow.fields import kind_of

router = new_router()
UPDATE_ANNOUNCEMENT = "update_announcement"


@router.post(
    "/upload",
    tags=["upload"],
    summary="Submit (status submitted or absent) or save as draft (status draft) a change or announcement; "
    "with action update_announcement, change an announcement's status or content",
    operation_id="upload",
    responses=documented((201, 200), MutationBody, 404, 409, 412),
)
def upload(
    services: CurrentServices,
    actor: CurrentActor,
    body: Annotated[dict[str, Any], Body(description="a change or an announcement (by object_type)")],
    if_match: IfMatch = None,
) -> Response[Any]:
    etag = expected(if_match)
    action = body.get("action")
    if action == UPDATE_ANNOUNCEMENT:
        request = validated(AnnouncementStatusUpdate, body)
        content = {key: value for key, value in request.items() if key not in {"action", "status"}}
        outcome = update_status(
            services,
            actor,
            request["announcement_id"],
            Status(request["status"]),
            content,
            kind="announcement",
            expected_etag=etag,
        )
    elif action not in (None, ""):
        raise InvalidInput.one("action", f"the only action is {UPDATE_ANNOUNCEMENT}")
    elif body.get("status") == Status.DRAFT.value:
        outcome = save_draft(services, actor, validated(DRAFTS[kind_of(body)], body), expected_etag=etag)
    elif body.get("status") in (None, "", Status.SUBMITTED.value):
        outcome = submit(services, actor, validated(SUBMISSIONS[kind_of(body)], body), expected_etag=etag)
    else:
        raise InvalidInput.one("status", "a new change or announcement starts as draft or submitted")
    return mutation_response(outcome)
