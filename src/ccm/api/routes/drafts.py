"""``/drafts``: the caller's unsubmitted changes and announcements."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from ccm.api.context import CurrentActor, CurrentServices
from ccm.api.docs import BODY_ERRORS, MutationBody, PageBody, documented
from ccm.api.models import Cursor, IfMatch, IfNoneMatch, Limit, ObjectId, parse_model
from ccm.api.responses import mutation_response, page_body
from ccm.api.routes.common import expected, new_router, read_response
from ccm.workflow import delete, drafts, save_draft
from ccm.workflow.commands import DRAFTS, kind_of
from ccm.workflow.fields import kind_of_id

router = new_router()
TAGS = ["drafts"]


@router.get(
    "/drafts",
    tags=TAGS,
    summary="Your drafts, newest first",
    operation_id="list_drafts",
    responses=documented(200, PageBody),
)
def list_drafts(
    services: CurrentServices,
    actor: CurrentActor,
    kind: Annotated[Literal["change", "announcement"] | None, Query(description="absent: both kinds")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    return page_body(drafts(services, actor, kind=kind, limit=limit, cursor=cursor))


@router.post(
    "/drafts",
    tags=TAGS,
    summary="Save a draft: a new one (201) or your existing draft of the same id (200)",
    operation_id="save_draft",
    responses=documented((201, 200), MutationBody, 409, 412, *BODY_ERRORS),
)
def save(
    services: CurrentServices,
    actor: CurrentActor,
    body: Annotated[dict[str, Any], Body(description="a change or an announcement (by object_type)")],
    if_match: IfMatch = None,
) -> Response[Any]:
    command = parse_model(DRAFTS[kind_of(body)], body)
    return mutation_response(save_draft(services, actor, command, expected_etag=expected(if_match)))


@router.get(
    "/drafts/<object_id>",
    tags=TAGS,
    summary="One of your drafts",
    operation_id="get_draft",
    responses=documented(200, None, 304, 404),
)
def get_draft(
    services: CurrentServices, actor: CurrentActor, object_id: ObjectId, if_none_match: IfNoneMatch = None
) -> Response[Any]:
    kind = kind_of_id(object_id)
    return read_response(services, actor, object_id, kind=kind, if_none_match=if_none_match, location="drafts")


@router.delete(
    "/drafts/<object_id>",
    tags=TAGS,
    summary="Delete one of your drafts",
    operation_id="delete_draft",
    responses=documented(200, None, 404, 409, 412),
)
def delete_draft(
    services: CurrentServices, actor: CurrentActor, object_id: ObjectId, if_match: IfMatch = None
) -> dict[str, Any]:
    key = delete(
        services, actor, object_id, kind=kind_of_id(object_id), expected_etag=expected(if_match), location="drafts"
    )
    return {"success": True, "id": object_id, "message": f"draft {object_id} deleted", "deletedPath": key}
