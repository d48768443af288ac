"""``/templates``: standard change templates. Everyone reads them (to start a change from one); admins keep them."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from ccm.api.context import CurrentActor, CurrentServices
from ccm.api.docs import BODY_ERRORS, documented
from ccm.api.routes.common import new_router
from ccm.workflow.approval_commands import TemplateCommand
from ccm.workflow.templates import create_template, edit_template, get_template, list_templates, retire_template

router = new_router()
TAGS = ["templates"]
TemplateId = Annotated[str, Path(min_length=3, max_length=12, description="T-<number>")]
Version = Annotated[int | None, Query(ge=1, le=1_000_000, description="the version you read; 412 if it changed")]


@router.get(
    "/templates",
    tags=TAGS,
    summary="The standard change templates (retired ones with retired=true)",
    operation_id="list_templates",
    responses=documented(),
)
def read_templates(
    services: CurrentServices,
    actor: CurrentActor,
    retired: Annotated[bool, Query(description="include retired templates")] = False,
) -> dict[str, Any]:
    templates = list_templates(services, include_retired=retired)
    return {"items": [template.to_document() for template in templates], "count": len(templates)}


@router.post(
    "/templates",
    tags=TAGS,
    summary="Create a standard change template (admins)",
    operation_id="create_template",
    responses=documented(201, None, *BODY_ERRORS),
)
def new_template(services: CurrentServices, actor: CurrentActor, body: TemplateCommand) -> Response[Any]:
    template = create_template(services, actor, body)
    return Response(status_code=201, content_type="application/json", body=template.to_document())


@router.get(
    "/templates/<template_id>",
    tags=TAGS,
    summary="One standard change template",
    operation_id="get_template",
    responses=documented(200, None, 404),
)
def read_template(services: CurrentServices, actor: CurrentActor, template_id: TemplateId) -> dict[str, Any]:
    return get_template(services, template_id).to_document()


@router.put(
    "/templates/<template_id>",
    tags=TAGS,
    summary="A new version of a template (admins); changes made from the old version become normal changes",
    operation_id="edit_template",
    responses=documented(200, None, 404, 412, *BODY_ERRORS),
)
def change_template(
    services: CurrentServices,
    actor: CurrentActor,
    template_id: TemplateId,
    body: TemplateCommand,
    version: Version = None,
) -> dict[str, Any]:
    return edit_template(services, actor, template_id, body, expected_version=version).to_document()


@router.post(
    "/templates/<template_id>/retire",
    tags=TAGS,
    summary="Retire a template (admins): it approves nothing any more",
    operation_id="retire_template",
    responses=documented(200, None, 404, 412),
)
def retire(
    services: CurrentServices, actor: CurrentActor, template_id: TemplateId, version: Version = None
) -> dict[str, Any]:
    return retire_template(services, actor, template_id, expected_version=version).to_document()
