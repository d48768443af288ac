"""``/calendar``: the change calendar (events, freezes, conflicts) and the warnings of a window being planned."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict, Field

from ccm.api.context import CurrentActor, CurrentServices
from ccm.api.docs import documented
from ccm.api.routes.common import new_router
from ccm.domain.conflicts import Conflict, Scheduled
from ccm.domain.freezes import FreezeHit
from ccm.domain.times import format_rfc3339
from ccm.storage.catalog import Summary
from ccm.workflow.calendar import (
    MAX_RANGE_DAYS,
    PlanningWarnings,
    calendar,
    day_range,
    planning_warnings,
    status_names,
)

router = new_router()
MAX_PLANNED_CUSTOMERS = 5000
TAGS = ["calendar"]


class CalendarBody(BaseModel):
    """``events``: catalog summaries with ``start``/``end`` (UTC) and ``timezone``, and the ids each conflicts with;
    ``freezes``: freeze occurrences; ``conflicts``: pairs of changes sharing a customer at the same time."""

    model_config = ConfigDict(defer_build=True)

    range: dict[str, str]
    events: list[dict[str, Any]]
    freezes: list[dict[str, Any]]
    conflicts: list[dict[str, Any]]


class WarningsBody(BaseModel):
    """The changes the planned window overlaps for its customers, and the freezes it meets."""

    model_config = ConfigDict(defer_build=True)

    start: str
    end: str
    customers: list[str]
    conflicts: list[dict[str, Any]]
    freezes: list[dict[str, Any]]


def _side(item: Scheduled) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": item.title,
        "status": item.status.value,
        "start": format_rfc3339(item.window.start),
        "end": format_rfc3339(item.window.end),
        "timezone": item.window.timezone,
    }


def _conflict(conflict: Conflict) -> dict[str, Any]:
    return {
        "changes": [_side(conflict.first), _side(conflict.second)],
        "customers": conflict.customers,
        "start": format_rfc3339(conflict.start),
        "end": format_rfc3339(conflict.end),
    }


def _event(summary: Summary, clashes: list[Conflict]) -> dict[str, Any]:
    body = summary.public()
    body.update(
        start=summary.window_start,
        end=summary.window_end,
        timezone=summary.window_timezone,
        conflictsWith=sorted(
            {
                other.id
                for clash in clashes
                for mine, other in ((clash.first, clash.second), (clash.second, clash.first))
                if mine.id == summary.id
            }
        ),
    )
    return body


def _freeze_hit(hit: FreezeHit) -> dict[str, Any]:
    return {**hit.occurrence.public(), "affectedCustomers": hit.customers}


@router.get(
    "/calendar",
    tags=TAGS,
    summary=f"Changes and announcements with a window in a range of days (at most {MAX_RANGE_DAYS}), with the "
    "freeze windows and conflicts of that period",
    operation_id="calendar",
    responses=documented(200, CalendarBody),
)
def get_calendar(
    services: CurrentServices,
    actor: CurrentActor,
    from_: Annotated[date, Query(alias="from", description="first day, YYYY-MM-DD")],
    to: Annotated[date, Query(description="last day (included), YYYY-MM-DD")],
    timezone: Annotated[str | None, Query(max_length=64, description="IANA zone the days are in (default UTC)")] = None,
    customer: Annotated[str | None, Query(max_length=32, description="only what concerns this customer")] = None,
    kind: Annotated[
        Literal["change", "announcement"] | None, Query(description="only changes or announcements")
    ] = None,
    status: Annotated[str | None, Query(max_length=100, description="only these statuses, comma-separated")] = None,
) -> dict[str, Any]:
    start, end = day_range(from_, to, timezone)
    statuses = status_names(status)
    view = calendar(services, actor, start, end, customer=customer, kind=kind, statuses=statuses)
    return {
        "range": {"start": format_rfc3339(view.start), "end": format_rfc3339(view.end)},
        "events": [_event(summary, view.conflicts) for summary in view.events],
        "freezes": [occurrence.public() for occurrence in view.freezes],
        "conflicts": [_conflict(conflict) for conflict in view.conflicts],
    }


@router.get(
    "/calendar/conflicts",
    tags=TAGS,
    summary="What a window planned for some customers would run into: overlapping changes and freeze windows",
    operation_id="calendar_conflicts",
    responses=documented(200, WarningsBody),
)
def get_conflicts(
    services: CurrentServices,
    actor: CurrentActor,
    customers: Annotated[str, Query(min_length=1, max_length=7000, description="customer codes, comma-separated")],
    start: Annotated[str, Query(max_length=64, description="RFC 3339; without offset, wall-clock in timezone")],
    end: Annotated[str, Query(max_length=64, description="RFC 3339; without offset, wall-clock in timezone")],
    timezone: Annotated[str | None, Query(max_length=64, description="IANA zone of offset-less times")] = None,
    exclude: Annotated[str | None, Query(max_length=120, description="the change being edited")] = None,
) -> dict[str, Any]:
    warnings = planning_warnings(
        services, actor, customers.split(","), start, end, timezone=timezone, exclude=exclude or None
    )
    return _warnings_body(warnings)


class PlannedWindow(BaseModel):
    """A window planned for more customers than an address holds (a thousand codes pass CloudFront's 8 KB URLs)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    customers: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=MAX_PLANNED_CUSTOMERS, description="customer codes"
    )
    start: str = Field(max_length=64, description="RFC 3339; without offset, wall-clock in timezone")
    end: str = Field(max_length=64, description="RFC 3339; without offset, wall-clock in timezone")
    timezone: str | None = Field(default=None, max_length=64, description="IANA zone of offset-less times")
    exclude: str | None = Field(default=None, max_length=120, description="the change being edited")


@router.post(
    "/calendar/conflicts",
    tags=TAGS,
    summary="The same warnings for a window planned for many customers, the codes in the body",
    operation_id="calendar_conflicts_for_many",
    responses=documented(200, WarningsBody),
)
def post_conflicts(services: CurrentServices, actor: CurrentActor, body: PlannedWindow) -> dict[str, Any]:
    warnings = planning_warnings(
        services, actor, body.customers, body.start, body.end, timezone=body.timezone, exclude=body.exclude or None
    )
    return _warnings_body(warnings)


def _warnings_body(warnings: PlanningWarnings) -> dict[str, Any]:
    return {
        "start": format_rfc3339(warnings.window.start),
        "end": format_rfc3339(warnings.window.end),
        "customers": warnings.customers,
        "conflicts": [
            {
                **_side(conflict.second),
                "customers": conflict.customers,
                "overlapStart": format_rfc3339(conflict.start),
                "overlapEnd": format_rfc3339(conflict.end),
            }
            for conflict in warnings.conflicts
        ],
        "freezes": [_freeze_hit(hit) for hit in warnings.freezes],
    }
