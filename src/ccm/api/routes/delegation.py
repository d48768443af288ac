"""``/user/delegation``: who decides in your place while you are away (the portal's "Away" panel)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response

from ccm.api.context import CurrentActor, CurrentServices
from ccm.api.docs import BODY_ERRORS, documented
from ccm.api.routes.common import new_router
from ccm.domain.delegation import Delegation, utc_day
from ccm.workflow.approval_commands import DelegationCommand
from ccm.workflow.delegation import clear_delegation, get_delegation, set_delegation

router = new_router()
TAGS = ["user"]
PATH = "/user/delegation"


def delegation_body(delegation: Delegation, today: Any) -> dict[str, Any]:
    return {
        "approver": delegation.approver,
        "delegate": delegation.delegate,
        "from": delegation.starts.isoformat(),
        "until": delegation.ends.isoformat(),
        "groups": list(delegation.approver_groups),
        "setAt": delegation.model_dump(mode="json")["set_at"],
        "active": delegation.active_on(today),
    }


@router.get(
    PATH,
    tags=TAGS,
    summary="Your delegation (if any), and the approvers who named you to decide in their place",
    operation_id="get_delegation",
    responses=documented(),
)
def read_delegation(services: CurrentServices, actor: CurrentActor) -> dict[str, Any]:
    mine, for_me = get_delegation(services, actor)
    today = utc_day(services.clock())
    return {
        "delegation": delegation_body(mine, today) if mine is not None else None,
        "standingInFor": [delegation_body(row, today) for row in for_me],
    }


@router.put(
    PATH,
    tags=TAGS,
    summary="Name a colleague to decide in your place from one day to another (UTC, inclusive); both are emailed",
    operation_id="set_delegation",
    responses=documented(200, None, *BODY_ERRORS),
)
def put_delegation(services: CurrentServices, actor: CurrentActor, body: DelegationCommand) -> dict[str, Any]:
    outcome = set_delegation(services, actor, body)
    today = utc_day(services.clock())
    return {
        "delegation": delegation_body(outcome.delegation, today),
        "notified": outcome.notice_error is None,
        "notificationError": outcome.notice_error,
    }


@router.delete(
    PATH,
    tags=TAGS,
    summary="End your delegation now",
    operation_id="delete_delegation",
    responses=documented(200, None, 404),
)
def delete_delegation(services: CurrentServices, actor: CurrentActor) -> Response[Any]:
    if not clear_delegation(services, actor):
        return Response(
            status_code=404, content_type="application/json", body={"error": "you have no delegation to end"}
        )
    return Response(status_code=200, content_type="application/json", body={"success": True})
