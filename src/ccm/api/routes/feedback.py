"""Customers' ratings: per object (its creator, approvers and admins), over the last days per customer (the
dashboard) and as CSV."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from ccm.api.context import CurrentActor, CurrentServices
from ccm.api.docs import documented
from ccm.api.models import CustomerFilter, ObjectId
from ccm.api.routes.common import new_router
from ccm.domain.csv_export import to_csv
from ccm.domain.feedback import Comment, CustomerFeedback
from ccm.workflow import Services
from ccm.workflow.commands import Kind
from ccm.workflow.feedback import (
    DASHBOARD_DAYS,
    EXPORT_HEADER,
    feedback_export,
    object_feedback,
    recent_feedback,
)

router = new_router()
TAGS = ["feedback"]
Day = Annotated[str | None, Query(min_length=10, max_length=10, description="a day, YYYY-MM-DD (inclusive)")]


def _comment(comment: Comment) -> dict[str, Any]:
    return {
        "objectId": comment.object_id,
        "title": comment.title,
        "customer": comment.customer_code,
        "rating": comment.rating,
        "comment": comment.comment,
        "answeredAt": comment.answered_at.isoformat(),
    }


def customer_json(services: Services, summary: CustomerFeedback) -> dict[str, Any]:
    mapping = services.config.customer_mappings.get(summary.customer_code)
    return {
        "customer": summary.customer_code,
        "customerName": mapping.customer_name if mapping else summary.customer_code,
        "count": summary.count,
        "average": summary.average,
        "distribution": {str(rating): count for rating, count in summary.distribution.items()},
        "comments": [_comment(comment) for comment in summary.comments],
    }


def _object_routes(router: Router, kind: Kind, collection: str) -> None:
    @router.get(
        f"/{collection}/<object_id>/feedback",
        tags=TAGS,
        summary=f"Customers' ratings of the {kind} per customer: count, average, distribution, comments "
        "(creator, approvers and admins)",
        operation_id=f"{kind}_feedback",
        responses=documented(200, None, 403, 404),
    )
    def feedback(services: CurrentServices, actor: CurrentActor, object_id: ObjectId) -> dict[str, Any]:
        summaries = object_feedback(services, actor, object_id, kind=kind)
        return {"objectId": object_id, "customers": [customer_json(services, summary) for summary in summaries]}


_object_routes(router, "change", "changes")
_object_routes(router, "announcement", "announcements")


@router.get(
    "/reports/feedback",
    tags=TAGS,
    summary="Customers' ratings of the last days per customer with the latest comments; or every answer of a "
    "period as CSV (approvers and admins)",
    operation_id="feedback_report",
    responses=documented(200, None, 400, 403, 422),
)
def report(
    services: CurrentServices,
    actor: CurrentActor,
    days: Annotated[int, Query(ge=1, le=365, description="days back (the summary)")] = DASHBOARD_DAYS,
    format: Annotated[Literal["json", "csv"], Query(description="json (default) or csv")] = "json",
    from_: Annotated[str | None, Query(alias="from", min_length=10, max_length=10, description="first day")] = None,
    to: Day = None,
    customer: CustomerFilter = None,
) -> Response[Any]:
    if format == "csv":
        rows = feedback_export(services, actor, from_, to, customer or None)
        headers = {"Content-Disposition": 'attachment; filename="feedback.csv"'}
        return Response(200, "text/csv; charset=utf-8", to_csv(EXPORT_HEADER, rows), headers=headers)
    summaries = recent_feedback(services, actor, days)
    body = {"days": days, "customers": [customer_json(services, summary) for summary in summaries]}
    return Response(200, "application/json", body)
