"""Search, statistics, recent and my-changes: everything the dashboard and the search page read."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from ccm.api.context import CurrentActor, CurrentServices
from ccm.api.docs import BODY_ERRORS, PageBody, documented
from ccm.api.models import Cursor, Limit, SearchCriteria, StatusFilter, parse_model, status_filter
from ccm.api.responses import page_body
from ccm.api.routes.common import new_router
from ccm.workflow import Search, list_objects, my_objects, search, statistics
from ccm.workflow.commands import Kind

router = new_router()
TAGS = ["search"]
KindParam = Annotated[Literal["change", "announcement"], Query(description="what to count or list")]
LEGACY_TYPES = {"announcement_innersourcing": "announcement_innersource"}


def _search(criteria: SearchCriteria) -> Search:
    object_type = LEGACY_TYPES.get(criteria.objectType or "", criteria.objectType or "")
    kind: Kind = "announcement" if object_type.startswith("announcement") else "change"
    return Search(
        text=criteria.query,
        status=status_filter(criteria.status),
        kind=kind,
        object_type=object_type if object_type.startswith("announcement_") else None,
        created_by=criteria.createdBy,
        change_type=criteria.changeType or None,
        risk=criteria.risk or None,
        customers=tuple(criteria.customers or ()),
        date_range=criteria.dateRange,
        start_date=criteria.startDate,
        end_date=criteria.endDate,
        limit=criteria.limit,
        cursor=criteria.cursor,
        outcome=criteria.outcome or None,
    )


@router.get(
    "/changes/statistics",
    tags=TAGS,
    summary="Counts by status for the dashboard",
    operation_id="statistics",
    responses=documented(),
)
def get_statistics(services: CurrentServices, actor: CurrentActor, kind: KindParam = "change") -> dict[str, Any]:
    return statistics(services, actor, kind=kind)


@router.get(
    "/changes/recent",
    tags=TAGS,
    summary="The most recently modified changes",
    operation_id="recent",
    responses=documented(200, PageBody),
)
def recent(
    services: CurrentServices,
    actor: CurrentActor,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    kind: KindParam = "change",
) -> dict[str, Any]:
    return page_body(list_objects(services, actor, kind=kind, limit=limit))


@router.post(
    "/changes/search",
    tags=TAGS,
    summary="Search by text, status, creator, customers, dates",
    operation_id="search",
    responses=documented(200, PageBody, *BODY_ERRORS),
)
def search_by_body(services: CurrentServices, actor: CurrentActor, body: SearchCriteria) -> dict[str, Any]:
    return page_body(search(services, actor, _search(body)))


@router.get(
    "/changes/search",
    tags=TAGS,
    summary="Search, with the criteria as query parameters",
    operation_id="search_get",
    responses=documented(200, PageBody),
)
def search_by_query(
    services: CurrentServices,
    actor: CurrentActor,
    q: Annotated[str | None, Query(max_length=300)] = None,
    status: StatusFilter = None,
    objectType: Annotated[str | None, Query(max_length=64)] = None,
    createdBy: Annotated[str | None, Query(max_length=300)] = None,
    changeType: Annotated[str | None, Query(max_length=16, description="standard, normal or emergency")] = None,
    risk: Annotated[str | None, Query(max_length=16, description="low, medium or high")] = None,
    customers: Annotated[str | None, Query(max_length=2000, description="comma-separated codes")] = None,
    dateRange: Annotated[str | None, Query(max_length=16)] = None,
    startDate: Annotated[str | None, Query(max_length=64)] = None,
    endDate: Annotated[str | None, Query(max_length=64)] = None,
    outcome: Annotated[str | None, Query(max_length=32, description="successful, successful_with_issues, ...")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    criteria = {
        "query": q,
        "status": status,
        "objectType": objectType,
        "createdBy": createdBy,
        "changeType": changeType,
        "risk": risk,
        "customers": [code for code in (customers or "").split(",") if code] or None,
        "dateRange": dateRange,
        "startDate": startDate,
        "endDate": endDate,
        "outcome": outcome,
        "limit": limit,
        "cursor": cursor,
    }
    return page_body(search(services, actor, _search(parse_model(SearchCriteria, criteria))))


@router.get(
    "/my-changes",
    tags=TAGS,
    summary="What you created, drafts included",
    operation_id="my_changes",
    responses=documented(200, PageBody),
)
def my_changes(
    services: CurrentServices,
    actor: CurrentActor,
    status: StatusFilter = None,
    kind: KindParam = "change",
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    return page_body(my_objects(services, actor, kind=kind, status=status_filter(status), limit=limit, cursor=cursor))
