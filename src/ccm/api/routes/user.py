"""Who am I, and what may I do: ``/user``, ``/user/context``, ``/auth-check``; plus the customer list."""

from __future__ import annotations

from typing import Any

from ccm.api.context import CurrentActor, CurrentServices
from ccm.api.docs import documented
from ccm.api.routes.common import new_router
from ccm.domain.times import format_rfc3339
from ccm.workflow.delegation import may_approve

router = new_router()
TAGS = ["user"]


@router.get("/user", tags=TAGS, summary="The signed-in user", operation_id="get_user", responses=documented())
def user(actor: CurrentActor) -> dict[str, Any]:
    return {
        "email": actor.email,
        "user": actor.email,
        "authenticated": True,
        "groups": sorted(actor.groups),
        "role": actor.role.value,
    }


@router.get(
    "/user/context",
    tags=TAGS,
    summary="The signed-in user's role and rights",
    operation_id="get_user_context",
    responses=documented(),
)
def user_context(services: CurrentServices, actor: CurrentActor) -> dict[str, Any]:
    authorization = services.config.authorization
    return {
        "email": actor.email,
        "role": actor.role.value,
        "isAdmin": actor.is_admin,
        "isApprover": actor.is_approver,
        "mayApprove": may_approve(services.config, actor),
        "groups": sorted(actor.groups),
        "allowSelfApproval": authorization.allow_self_approval,
        "approverGroup": authorization.approver_group,
        "adminGroup": authorization.admin_group,
        "customerCode": None,
        "timestamp": format_rfc3339(services.clock()),
    }


@router.get(
    "/auth-check",
    tags=TAGS,
    summary="Whether the request carries a verified identity",
    operation_id="auth_check",
    responses=documented(),
)
def auth_check(services: CurrentServices, actor: CurrentActor) -> dict[str, Any]:
    return {"authenticated": True, "userEmail": actor.email, "timestamp": format_rfc3339(services.clock())}


@router.get(
    "/customers",
    tags=["customers"],
    summary="The configured customers",
    operation_id="list_customers",
    responses=documented(),
)
def customers(services: CurrentServices, actor: CurrentActor) -> dict[str, Any]:
    mappings = services.config.customer_mappings
    return {
        "customers": [
            {
                "code": code,
                "name": mappings[code].customer_name,
                "environment": mappings[code].environment,
                "tags": mappings[code].tags,
                "usesTeams": mappings[code].uses_teams,
            }
            for code in sorted(mappings)
        ]
    }
