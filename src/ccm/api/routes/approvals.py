"""``/approvals``: what the caller can still decide, and the emergency changes whose review is due."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from ccm.api.context import CurrentActor, CurrentServices
from ccm.api.docs import documented
from ccm.api.routes.common import new_router
from ccm.workflow.inbox import PendingItem, approvals_for, reviews_due

router = new_router()
TAGS = ["approvals"]


def _requirement(state: Any) -> dict[str, Any]:
    return {"id": state.id, "label": state.label, "count": state.count, "required": state.required}


def pending_body(item: PendingItem) -> dict[str, Any]:
    return {
        **item.summary.public(),
        "approval": item.approval.model_dump(mode="json"),
        "decision": {
            "phase": item.phase.value,
            "openings": [
                {
                    "onBehalfOf": opening.on_behalf_of,
                    "countsTowards": [_requirement(state) for state in opening.requirements],
                    "completes": opening.completes,
                }
                for opening in item.openings
            ],
            "refusal": item.refusal,
        },
    }


@router.get(
    "/approvals",
    tags=TAGS,
    summary="Changes and announcements you can still decide (scope=mine), or every pending one (scope=all)",
    operation_id="list_approvals",
    responses=documented(),
)
def list_approvals(
    services: CurrentServices,
    actor: CurrentActor,
    scope: Annotated[
        Literal["mine", "all"], Query(description="mine: only what you can still decide; all: everything pending")
    ] = "mine",
) -> dict[str, Any]:
    items = approvals_for(services, actor, scope=scope)
    return {"items": [pending_body(item) for item in items], "count": len(items), "scope": scope}


@router.get(
    "/approvals/reviews",
    tags=TAGS,
    summary="Emergency changes approved by one approver whose normal requirements are still to be met",
    operation_id="list_reviews",
    responses=documented(),
)
def list_reviews(
    services: CurrentServices,
    actor: CurrentActor,
    overdue: Annotated[bool, Query(description="only those past their due date")] = False,
) -> dict[str, Any]:
    reviews = reviews_due(services, overdue_only=overdue)
    return {
        "items": [{**review.summary.public(), "dueBy": review.due_by, "overdue": review.overdue} for review in reviews],
        "count": len(reviews),
    }
