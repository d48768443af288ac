"""``/announcements``: list (all or one customer's), submit, edit, and the routes shared with changes."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from ccm.api.context import CurrentActor, CurrentServices
from ccm.api.docs import BODY_ERRORS, MutationBody, PageBody, documented
from ccm.api.models import (
    Cursor,
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
from ccm.domain.ids import AnnouncementType
from ccm.workflow import edit, list_objects, submit
from ccm.workflow.commands import AnnouncementFields, AnnouncementSubmission

router = new_router()
TAGS = ["announcements"]
TypeFilter = Annotated[AnnouncementType | None, Query(description="cic, finops, innersource or general")]


def _object_type(kind: AnnouncementType | None) -> str | None:
    return f"announcement_{kind.value}" if kind else None


@router.get(
    "/announcements",
    tags=TAGS,
    summary="List announcements, newest first",
    operation_id="list_announcements",
    responses=documented(200, PageBody),
)
def list_announcements(
    services: CurrentServices,
    actor: CurrentActor,
    status: StatusFilter = None,
    type: TypeFilter = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    page = list_objects(
        services,
        actor,
        kind="announcement",
        status=status_filter(status),
        object_type=_object_type(type),
        limit=limit,
        cursor=cursor,
    )
    return page_body(page)


@router.get(
    "/announcements/customer/<code>",
    tags=TAGS,
    summary="Announcements that concern one customer",
    operation_id="list_customer_announcements",
    responses=documented(200, PageBody),
)
def list_customer_announcements(
    services: CurrentServices,
    actor: CurrentActor,
    code: Annotated[str, Path(min_length=1, max_length=32)],
    status: StatusFilter = None,
    type: TypeFilter = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    page = list_objects(
        services,
        actor,
        kind="announcement",
        status=status_filter(status),
        customer=code,
        object_type=_object_type(type),
        limit=limit,
        cursor=cursor,
    )
    return page_body(page)


@router.post(
    "/announcements",
    tags=TAGS,
    summary="Submit a new announcement (or your draft of the same id) for approval",
    operation_id="submit_new_announcement",
    responses=documented((201, 200), MutationBody, 403, 409, 412, *BODY_ERRORS),
)
def submit_announcement(
    services: CurrentServices, actor: CurrentActor, body: AnnouncementSubmission, if_match: IfMatch = None
) -> Response[Any]:
    return mutation_response(submit(services, actor, body, expected_etag=expected(if_match)))


@router.put(
    "/announcements/<object_id>",
    tags=TAGS,
    summary="Change the given fields of a draft, submitted or approved announcement",
    operation_id="edit_announcement",
    responses=documented(200, MutationBody, 404, 409, 412, *BODY_ERRORS),
)
def edit_announcement(
    services: CurrentServices,
    actor: CurrentActor,
    object_id: ObjectId,
    body: AnnouncementFields,
    if_match: IfMatch = None,
) -> Response[Any]:
    outcome = edit(services, actor, object_id, body, expected_etag=expected(if_match))
    return mutation_response(outcome)


add_object_routes(router, "announcement", "announcements")
add_meeting_routes(router, "announcement", "announcements")
add_channel_post_routes(router, "announcement", "announcements")
add_audience_routes(router, "announcement", "announcements")
