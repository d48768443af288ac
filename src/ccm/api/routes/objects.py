"""The routes changes and announcements share: read one, delete, act on the status, clone, versions."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body

from ccm.api.context import CurrentActor, CurrentServices
from ccm.api.docs import BODY_ERRORS, MutationBody, documented
from ccm.api.models import IfMatch, IfNoneMatch, ObjectId, VersionNumber
from ccm.api.responses import mutation_response
from ccm.api.routes.common import expected, read_response
from ccm.domain.status import Status
from ccm.workflow import clone, delete, list_versions, read_version, resend, transition
from ccm.workflow.approval_commands import ApprovalCommand, RejectionCommand
from ccm.workflow.commands import Completion, Kind
from ccm.workflow.decisions import approve, reject

ACTIONS: dict[str, tuple[Status, str]] = {
    "submit": (Status.SUBMITTED, "Submit a draft for approval; every customer's approvers are notified"),
    "complete": (Status.COMPLETED, "Mark an approved object completed; subscribers are notified"),
    "cancel": (Status.CANCELLED, "Cancel; subscribers are notified and a scheduled meeting is cancelled"),
}


def add_object_routes(router: Router, kind: Kind, collection: str) -> None:
    base = f"/{collection}/<object_id>"
    tags = [collection]

    @router.get(
        base,
        tags=tags,
        summary=f"One {kind}, with its ETag",
        operation_id=f"get_{kind}",
        responses=documented(200, None, 304, 404),
    )
    def get_one(
        services: CurrentServices, actor: CurrentActor, object_id: ObjectId, if_none_match: IfNoneMatch = None
    ) -> Response[Any]:
        return read_response(services, actor, object_id, kind=kind, if_none_match=if_none_match)

    @router.delete(
        base,
        tags=tags,
        summary=f"Delete a draft or cancelled {kind} (owner or admin)",
        operation_id=f"delete_{kind}",
        responses=documented(200, None, 404, 409, 412),
    )
    def delete_one(
        services: CurrentServices, actor: CurrentActor, object_id: ObjectId, if_match: IfMatch = None
    ) -> dict[str, Any]:
        key = delete(services, actor, object_id, kind=kind, expected_etag=expected(if_match))
        return {"success": True, "id": object_id, "message": f"{kind} {object_id} deleted", "deletedPath": key}

    for action, (target, summary) in ACTIONS.items():
        _action_route(router, kind, base, tags, action, target, summary)
    _decision_routes(router, kind, base, tags)

    @router.post(
        f"{base}/clone",
        tags=tags,
        summary=f"A new draft of yours with this {kind}'s content",
        operation_id=f"clone_{kind}",
        responses=documented(201, MutationBody, 404),
    )
    def clone_one(services: CurrentServices, actor: CurrentActor, object_id: ObjectId) -> Response[Any]:
        return mutation_response(clone(services, actor, object_id, kind=kind))

    @router.post(
        f"{base}/notify",
        tags=tags,
        summary="Write the triggers of the current status again (after a reported trigger failure)",
        operation_id=f"notify_{kind}",
        responses=documented(200, MutationBody, 404, 409),
    )
    def notify_again(services: CurrentServices, actor: CurrentActor, object_id: ObjectId) -> Response[Any]:
        return mutation_response(resend(services, actor, object_id, kind=kind))

    @router.get(
        f"{base}/versions",
        tags=tags,
        summary="Every version, newest first, the current one included",
        operation_id=f"list_{kind}_versions",
        responses=documented(200, None, 404),
    )
    def versions(services: CurrentServices, actor: CurrentActor, object_id: ObjectId) -> dict[str, Any]:
        found = list_versions(services, actor, object_id, kind=kind)
        return {"id": object_id, "currentVersion": found[0].version, "versions": [v.public() for v in found]}

    @router.get(
        f"{base}/versions/<version>",
        tags=tags,
        summary="One version's document (the current version is the object itself)",
        operation_id=f"get_{kind}_version",
        responses=documented(200, None, 404),
    )
    def one_version(
        services: CurrentServices, actor: CurrentActor, object_id: ObjectId, version: VersionNumber
    ) -> dict[str, Any]:
        return read_version(services, actor, object_id, version, kind=kind)


def _action_route(
    router: Router, kind: Kind, base: str, tags: list[str], action: str, target: Status, summary: str
) -> None:
    if kind == "change" and target is Status.COMPLETED:
        _completion_route(router, base, tags)
        return

    @router.post(
        f"{base}/{action}",
        tags=tags,
        summary=summary,
        operation_id=f"{action}_{kind}",
        responses=documented(200, MutationBody, 404, 409, 412),
    )
    def act(
        services: CurrentServices, actor: CurrentActor, object_id: ObjectId, if_match: IfMatch = None
    ) -> Response[Any]:
        outcome = transition(services, actor, object_id, target, kind=kind, expected_etag=expected(if_match))
        return mutation_response(outcome)


def _completion_route(router: Router, base: str, tags: list[str]) -> None:
    @router.post(
        f"{base}/complete",
        tags=tags,
        summary="Mark an approved change completed with its outcome (and a note unless successful); "
        "subscribers are notified",
        operation_id="complete_change",
        responses=documented(200, MutationBody, 404, 409, 412, *BODY_ERRORS),
    )
    def complete(
        services: CurrentServices,
        actor: CurrentActor,
        object_id: ObjectId,
        body: Annotated[Completion | None, Body()] = None,
        if_match: IfMatch = None,
    ) -> Response[Any]:
        outcome = transition(
            services,
            actor,
            object_id,
            Status.COMPLETED,
            kind="change",
            expected_etag=expected(if_match),
            completion=body,
        )
        return mutation_response(outcome)


def _decision_routes(router: Router, kind: Kind, base: str, tags: list[str]) -> None:
    @router.post(
        f"{base}/approve",
        tags=tags,
        summary="Record your approval (optionally with a comment); the last one the policy needs approves it and "
        "notifies the subscribers, once",
        operation_id=f"approve_{kind}",
        responses=documented(200, MutationBody, 404, 409, 412, *BODY_ERRORS),
    )
    def approve_one(
        services: CurrentServices,
        actor: CurrentActor,
        object_id: ObjectId,
        body: Annotated[ApprovalCommand | None, Body(description="optional: a comment, whom you stand in for")] = None,
        if_match: IfMatch = None,
    ) -> Response[Any]:
        command = body or ApprovalCommand()
        return mutation_response(
            approve(services, actor, object_id, command, kind=kind, expected_etag=expected(if_match))
        )

    @router.post(
        f"{base}/reject",
        tags=tags,
        summary="Reject it with a reason (required); the requester is emailed the reason",
        operation_id=f"reject_{kind}",
        responses=documented(200, MutationBody, 404, 409, 412, *BODY_ERRORS),
    )
    def reject_one(
        services: CurrentServices,
        actor: CurrentActor,
        object_id: ObjectId,
        body: RejectionCommand,
        if_match: IfMatch = None,
    ) -> Response[Any]:
        return mutation_response(reject(services, actor, object_id, body, kind=kind, expected_etag=expected(if_match)))
