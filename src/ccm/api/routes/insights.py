"""Reports (approvers and admins) and the audit trail (admins)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from ccm.api.context import CurrentActor, CurrentServices
from ccm.api.docs import documented
from ccm.api.models import Cursor
from ccm.api.routes.common import new_router
from ccm.domain.csv_export import to_csv
from ccm.storage.audit_index import SUMMARY_FIELDS
from ccm.workflow.insights import LISTED_BELOW_MINIMUM, audit_trail, report_summary

router = new_router()
Bound = Annotated[str, Query(min_length=7, max_length=64, description="a month (YYYY-MM), a day or an RFC 3339 time")]
CSV_FIELDS = ("object_id", "version", "event", "actor", "on_behalf_of", "time", "comment", "customers", "outcome")
CSV_HEADER = ("object", "version", "event", "who", "on behalf of", "when", "comment", "customers", "outcome")


@router.get(
    "/reports/summary",
    tags=["reports"],
    summary="Changes per month by type and risk, emergency share, approval and notice lead times, outcomes "
    "per customer, deliveries: from the monthly sums (approvers and admins)",
    operation_id="report_summary",
    responses=documented(200, None, 403, 422),
)
def summary(
    services: CurrentServices,
    actor: CurrentActor,
    from_: Annotated[str, Query(alias="from", min_length=7, max_length=10, description="first month, YYYY-MM")],
    to: Annotated[str, Query(min_length=7, max_length=10, description="last month, YYYY-MM")],
    customer: Annotated[str | None, Query(max_length=32, description="one customer's numbers")] = None,
    listed: Annotated[
        int, Query(ge=1, le=1000, description="how many changes below the notice minimum to list, least notice first")
    ] = LISTED_BELOW_MINIMUM,
) -> dict[str, Any]:
    return report_summary(services, actor, start=from_, end=to, customer=customer or None, listed=listed).public()


@router.get(
    "/audit",
    tags=["audit"],
    summary="Every audit event (transitions, decisions, edits, delivery summaries) in a period, oldest first, "
    "paged (admins)",
    operation_id="audit_trail",
    responses=documented(200, None, 400, 403, 422),
)
def trail(
    services: CurrentServices,
    actor: CurrentActor,
    from_: Annotated[str, Query(alias="from", min_length=10, max_length=64, description="a day or a time")],
    to: Annotated[str, Query(min_length=10, max_length=64, description="a day (inclusive) or a time")],
    format: Annotated[Literal["json", "csv"], Query(description="json (default) or csv")] = "json",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    cursor: Cursor = None,
) -> Response[Any]:
    page = audit_trail(services, actor, start=from_, end=to, limit=limit, cursor=cursor)
    headers = {"X-Next-Cursor": page.cursor} if page.cursor else {}
    if format == "csv":
        rows = [
            [" ".join(value) if isinstance(value, list) else value for value in (getattr(e, f) for f in CSV_FIELDS)]
            for e in page.entries
        ]
        return Response(200, "text/csv; charset=utf-8", to_csv(CSV_HEADER, rows), headers=headers)
    body = {"events": [entry.public() for entry in page.entries], "cursor": page.cursor, "fields": SUMMARY_FIELDS}
    return Response(200, "application/json", body, headers=headers)
