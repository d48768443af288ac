"""What the notices need of the portal: the overdue changes (dashboard) and what changed since approval
(approvals page)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from ccm.api.context import CurrentActor, CurrentServices
from ccm.api.docs import documented
from ccm.api.models import ObjectId
from ccm.api.routes.common import new_router
from ccm.workflow.commands import Kind
from ccm.workflow.notices import changes_since_approval, overdue_changes

router = new_router()


@router.get(
    "/changes/overdue",
    tags=["changes"],
    summary="Approved changes whose window has ended, oldest first: complete or cancel them",
    operation_id="overdue_changes",
    responses=documented(),
)
def overdue(services: CurrentServices, actor: CurrentActor) -> dict[str, Any]:
    items = [summary.public() for summary in overdue_changes(services, actor)]
    return {"items": items, "count": len(items)}


def add_since_approval_route(router: Router, kind: Kind, collection: str) -> None:
    @router.get(
        f"/{collection}/<object_id>/changes-since-approval",
        tags=[collection],
        summary=f"What changed in this {kind} since it was approved, when it waits for approval again",
        operation_id=f"{kind}_changes_since_approval",
        responses=documented(200, None, 404),
    )
    def since_approval(services: CurrentServices, actor: CurrentActor, object_id: ObjectId) -> dict[str, Any]:
        # The rows are formatted as the emails show them; loaded on this route only (the API's cold start stays
        # free of the mail code).
        from ccm.domain.what_changed import Audience
        from ccm.mail.what_changed import ChangeRows

        found = changes_since_approval(services, actor, object_id, kind=kind)
        if found is None:
            return {"id": object_id, "approvedVersion": None, "changes": []}
        rows = ChangeRows(services.config).rows(found.approved, found.current, Audience.APPROVERS)
        return {"id": object_id, "approvedVersion": found.approved_version, "changes": [row.public() for row in rows]}


add_since_approval_route(router, "change", "changes")
add_since_approval_route(router, "announcement", "announcements")
