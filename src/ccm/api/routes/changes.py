"""``/changes``: list, submit, edit, and (shared with announcements) read, act, clone, versions, delete."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response

from ccm.api.context import CurrentActor, CurrentServices
from ccm.api.docs import BODY_ERRORS, MutationBody, PageBody, documented
from ccm.api.models import (
    Cursor,
    CustomerFilter,
    IfMatch,
    Limit,
    ObjectId,
    StatusFilter,
    status_filter,
)
from ccm.api.responses import mutation_response, page_body
from ccm.api.routes.audience import add_audience_routes
from ccm.api.routes.channel_posts import add_channel_post_routes
from ccm.api.routes.common import expected, new_router
from ccm.api.routes.meetings import add_meeting_routes
from ccm.api.routes.objects import add_object_routes
from ccm.api.routes.tickets import add_ticket_routes
from ccm.workflow import edit, list_objects, submit
from ccm.workflow.commands import ChangeFields, ChangeSubmission

router = new_router()
TAGS = ["changes"]


@router.get(
    "/changes",
    tags=TAGS,
    summary="List changes, newest first (your drafts only)",
    operation_id="list_changes",
    responses=documented(200, PageBody),
)
def list_changes(
    services: CurrentServices,
    actor: CurrentActor,
    status: StatusFilter = None,
    customer: CustomerFilter = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    page = list_objects(
        services, actor, kind="change", status=status_filter(status), customer=customer, limit=limit, cursor=cursor
    )
    return page_body(page)


@router.post(
    "/changes",
    tags=TAGS,
    summary="Submit a new change (or your draft of the same id) for approval",
    operation_id="submit_new_change",
    responses=documented((201, 200), MutationBody, 403, 409, 412, *BODY_ERRORS),
)
def submit_change(
    services: CurrentServices, actor: CurrentActor, body: ChangeSubmission, if_match: IfMatch = None
) -> Response[Any]:
    return mutation_response(submit(services, actor, body, expected_etag=expected(if_match)))


@router.put(
    "/changes/<object_id>",
    tags=TAGS,
    summary="Change the given fields; history, meeting and unspecified fields are kept",
    operation_id="edit_change",
    responses=documented(200, MutationBody, 404, 409, 412, *BODY_ERRORS),
)
def edit_change(
    services: CurrentServices, actor: CurrentActor, object_id: ObjectId, body: ChangeFields, if_match: IfMatch = None
) -> Response[Any]:
    outcome = edit(services, actor, object_id, body, expected_etag=expected(if_match))
    return mutation_response(outcome)


add_object_routes(router, "change", "changes")
add_meeting_routes(router, "change", "changes")
add_channel_post_routes(router, "change", "changes")
add_audience_routes(router, "change", "changes")
add_ticket_routes(router)
