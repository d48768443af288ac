"""Lists, search and statistics: all read the catalog, a few DynamoDB requests whatever is stored."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ccm.domain.status import Status
from ccm.domain.times import format_rfc3339, parse_datetime
from ccm.errors import InvalidCursor
from ccm.storage.catalog import Page, Query
from ccm.workflow.actor import Actor
from ccm.workflow.commands import Kind
from ccm.workflow.errors import InvalidInput
from ccm.workflow.services import Services

KINDS: tuple[Kind, ...] = ("change", "announcement")
DATE_RANGES: dict[str, timedelta] = {
    "today": timedelta(days=1),
    "week": timedelta(days=7),
    "14days": timedelta(days=14),
    "month": timedelta(days=31),
    "quarter": timedelta(days=92),
    "year": timedelta(days=366),
}


def query_catalog(services: Services, query: Query) -> Page:
    return services.repository.query(query)


def list_objects(
    services: Services,
    actor: Actor,
    *,
    kind: Kind,
    status: Status | None = None,
    customer: str | None = None,
    object_type: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    """Newest first. Drafts appear only to their owner."""
    query = Query(
        kind=kind,
        status=status,
        customer=customer,
        object_type=object_type,
        viewer=actor.email,
        limit=limit,
        cursor=cursor,
    )
    return query_catalog(services, query)


def my_objects(
    services: Services,
    actor: Actor,
    *,
    kind: Kind,
    status: Status | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    query = Query(kind=kind, creator=actor.email, status=status, limit=limit, cursor=cursor)
    return query_catalog(services, query)


_DONE = "-"


def _decode_cursors(cursor: str | None) -> dict[str, str | None]:
    if not cursor:
        return {}
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidCursor() from None
    if not isinstance(data, dict) or not set(data) <= set(KINDS) or not all(isinstance(v, str) for v in data.values()):
        raise InvalidCursor()
    return {kind: value for kind, value in data.items()}


def _encode_cursors(cursors: dict[str, str]) -> str:
    raw = json.dumps(cursors, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def drafts(
    services: Services, actor: Actor, *, kind: Kind | None = None, limit: int = 50, cursor: str | None = None
) -> Page:
    """The caller's drafts. Without ``kind`` changes and announcements together: up to ``limit`` of each per page,
    the cursor remembering where each kind stopped."""
    if kind is not None:
        return query_catalog(
            services, Query(kind=kind, status=Status.DRAFT, creator=actor.email, limit=limit, cursor=cursor)
        )
    positions = _decode_cursors(cursor)
    items = []
    following: dict[str, str] = {}
    for each in KINDS:
        position = positions.get(each)
        if position == _DONE:
            following[each] = _DONE
            continue
        page = query_catalog(
            services, Query(kind=each, status=Status.DRAFT, creator=actor.email, limit=limit, cursor=position)
        )
        items.extend(page.items)
        following[each] = page.cursor or _DONE
    items.sort(key=lambda summary: summary.order, reverse=True)
    more = any(position != _DONE for position in following.values())
    return Page(items, _encode_cursors(following) if more else None)


@dataclass(frozen=True)
class Search:
    """What the search page asks for. Every criterion given narrows the result; none given returns everything."""

    text: str | None = None
    status: Status | None = None
    kind: Kind = "change"
    object_type: str | None = None
    created_by: str | None = None
    change_type: str | None = None
    risk: str | None = None
    customers: Sequence[str] = field(default_factory=tuple)
    date_range: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    limit: int = 50
    cursor: str | None = None
    outcome: str | None = None


def _window(search: Search, now: datetime) -> tuple[str | None, str | None]:
    if search.date_range in (None, "", "all"):
        return None, None
    if search.date_range != "custom":
        return format_rfc3339(now - DATE_RANGES[search.date_range]), None
    bounds: list[str | None] = []
    for name, value in (("startDate", search.start_date), ("endDate", search.end_date)):
        if not value:
            bounds.append(None)
            continue
        if len(value) == 10:
            bounds.append(value)  # a whole day: the catalog compares the text, so the date prefix covers it
            continue
        try:
            bounds.append(format_rfc3339(parse_datetime(value, "UTC")))
        except ValueError:
            raise InvalidInput.one(name, f"{value!r} is not a date or an RFC 3339 datetime", "INVALID_FORMAT") from None
    return bounds[0], bounds[1]


def search(services: Services, actor: Actor, criteria: Search) -> Page:
    modified_from, modified_to = _window(criteria, services.clock())
    query = Query(
        kind=criteria.kind,
        status=criteria.status,
        object_type=criteria.object_type,
        change_type=criteria.change_type if criteria.kind == "change" else None,
        risk=criteria.risk if criteria.kind == "change" else None,
        text=criteria.text.strip() or None if criteria.text else None,
        creator_contains=criteria.created_by.strip() or None if criteria.created_by else None,
        customers_any=tuple(criteria.customers),
        modified_from=modified_from,
        modified_to=modified_to,
        viewer=actor.email,
        limit=criteria.limit,
        cursor=criteria.cursor,
        outcome=criteria.outcome or None,
    )
    return query_catalog(services, query)


def statistics(services: Services, actor: Actor, *, kind: Kind = "change") -> dict[str, Any]:
    """Counts by status for the dashboard. Drafts are private, so ``draft`` counts the caller's own."""
    everyone = services.repository.counts(kind)
    mine = services.repository.counts(kind, actor.email)
    visible = {**everyone, Status.DRAFT.value: mine[Status.DRAFT.value]}
    return {
        "kind": kind,
        "total": sum(visible.values()),
        **visible,
        "active": visible[Status.SUBMITTED.value],
        "mine": {**mine, "total": sum(mine.values())},
    }
