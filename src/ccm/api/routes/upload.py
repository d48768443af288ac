"""``POST /upload``: the original single entry point for creating, submitting and announcement status changes."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from ccm.api.context import CurrentActor, CurrentServices
from ccm.api.docs import BODY_ERRORS, MutationBody, documented
from ccm.api.models import IfMatch, parse_model
from ccm.api.responses import mutation_response
from ccm.api.routes.common import expected, new_router
from ccm.domain.status import Status
from ccm.workflow import InvalidInput, save_draft, submit, update_status
from ccm.workflow.commands import DRAFTS, SUBMISSIONS, AnnouncementStatusUpdate, kind_of

router = new_router()
UPDATE_ANNOUNCEMENT = "update_announcement"


@router.post(
    "/upload",
    tags=["upload"],
    summary="Submit (status submitted or absent) or save as draft (status draft) a change or announcement; "
    "with action update_announcement, change an announcement's status or content",
    operation_id="upload",
    responses=documented((201, 200), MutationBody, 404, 409, 412, *BODY_ERRORS),
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
        request = parse_model(AnnouncementStatusUpdate, body)
        outcome = update_status(services, actor, request.announcement_id, request.status, request, expected_etag=etag)
    elif action not in (None, ""):
        raise InvalidInput.one("action", f"the only action is {UPDATE_ANNOUNCEMENT}")
    elif body.get("status") == Status.DRAFT.value:
        outcome = save_draft(services, actor, parse_model(DRAFTS[kind_of(body)], body), expected_etag=etag)
    elif body.get("status") in (None, "", Status.SUBMITTED.value):
        outcome = submit(services, actor, parse_model(SUBMISSIONS[kind_of(body)], body), expected_etag=etag)
    else:
        raise InvalidInput.one("status", "a new change or announcement starts as draft or submitted")
    return mutation_response(outcome)
