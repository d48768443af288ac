"""The window index: which changes and announcements happen when, read by month from the shared ``by_group`` index.

Every object with a window (a change's implementation window, an announcement's meeting) has one lean row per
calendar month (UTC) its window touches, start and end instants included: ``OBJ#<id>`` / ``WINDOW#<YYYY-MM>``
with ``group_pk = WINDOW#<YYYY-MM>`` and ``group_sk = <window start>#<id>``. The rows carry the catalog summary
without its texts and tickets (:data:`LEAN_EXCLUDED`) and ``window_start``, ``window_end`` (UTC, RFC 3339) and
``window_timezone``; they are written in the catalog's transaction, so they are exactly as fresh as the summary.

Reading it (one Query per month touched, each paged to its end):

* windows meeting [a, b): the months a..b touches, ``group_sk < b`` and a filter ``window_end > a``;
* windows starting in [t1, t2): the months t1..t2 touches, ``group_sk BETWEEN t1 AND t2``;
* windows ending in [t1, t2): the months t1..t2 touches, filter ``t1 <= window_end < t2``.

A window lasts at most 365 days (``ccm.workflow.schedule``), so 14 rows cover it; an older document with a longer
window is indexed in its first 14 months only.

The customers' feeds use the same index: each ``OBJ#<id>`` / ``CUST#<code>`` row of an object a customer's feed
shows (approved, completed, cancelled after approval, or back for approval after an edit, with a window) also
carries ``group_pk = FEED#<code>`` and ``group_sk = <window start>#<id>``, so one customer's feed is one Query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ccm.domain.status import Status
from ccm.domain.times import format_rfc3339, parse_datetime
from ccm.storage.table import PARTITION_KEY, SORT_KEY

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from ccm.storage.catalog import Summary

INDEX = "by_group"
WINDOW_PREFIX = "WINDOW#"
FEED_PREFIX = "FEED#"
MAX_WINDOW_MONTHS = 14
LONGEST_WINDOW = timedelta(days=366)
FEED_STATUSES = frozenset({Status.APPROVED, Status.COMPLETED, Status.CANCELLED})
LEAN_EXCLUDED = frozenset(
    {
        "search_text",
        "reason_excerpt",
        "impact_excerpt",
        "summary",
        "implementation_start",
        "implementation_end",
        "snow_ticket",
        "jira_ticket",
        "join_url",
        "created_at",
        "modified_by",
        "submitted_at",
        "submitted_by",
        "approved_by",
        "approval",
        "outcome_note",
    }
)
"""What the window rows leave out of the summary (texts, tickets, stamps and the approval checklist the calendar does
not show; the window is in ``window_*``): about 2,000 rows fit in one 1 MB page, so even a month of 100 changes a day
is two requests."""


def month_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def months_touched(start: datetime, end: datetime, limit: int | None = None) -> list[str]:
    """``YYYY-MM`` of every UTC month the closed interval [start, end] touches, oldest first."""
    first, last = start.astimezone(UTC), end.astimezone(UTC)
    year, month = first.year, first.month
    months: list[str] = []
    while (year, month) <= (last.year, last.month) and (limit is None or len(months) < limit):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def window_months(start: str, end: str) -> list[str]:
    return months_touched(parse_datetime(start), parse_datetime(end), MAX_WINDOW_MONTHS)


def window_rows(summary: Summary) -> list[dict[str, Any]]:
    """The summary's rows in the window index (none without a window), as plain attribute values."""
    if summary.window_start is None:
        return []
    values = summary.model_dump(mode="json", exclude=set(LEAN_EXCLUDED))
    rows = []
    for month in summary.window_months:
        row = dict(values)
        row.update(
            {
                PARTITION_KEY: f"OBJ#{summary.id}",
                SORT_KEY: f"{WINDOW_PREFIX}{month}",
                "group_pk": f"{WINDOW_PREFIX}{month}",
                "group_sk": f"{summary.window_start}#{summary.id}",
            }
        )
        rows.append(row)
    return rows


def feed_visible(summary: Summary) -> bool:
    """What a customer's feed lists: what its customers were told would happen (approved), and its fate. An approved
    change that an edit sent back for approval stays, awaiting re-approval: its customers were told it would happen."""
    if summary.window_start is None:
        return False
    if summary.status is Status.SUBMITTED:
        return summary.changed_since_approval is not None
    if summary.status not in FEED_STATUSES:
        return False
    return summary.status is not Status.CANCELLED or summary.approved_at is not None


def feed_keys(summary: Summary, code: str) -> dict[str, str]:
    if not feed_visible(summary):
        return {}
    return {"group_pk": f"{FEED_PREFIX}{code}", "group_sk": f"{summary.window_start}#{summary.id}"}


class WindowIndex:
    """Reads of the window index; ``on_request`` (for benchmarks) is called once per DynamoDB request."""

    def __init__(
        self,
        table_name: str,
        client: Callable[[], DynamoDBClient],
        on_request: Callable[[], None] | None = None,
    ) -> None:
        self.table_name = table_name
        self._client = client
        self._on_request = on_request

    def _query(
        self, partition: str, key_range: tuple[str, str] | None, upper: str | None, filters: dict[str, str]
    ) -> Iterator[dict[str, Any]]:
        names = {"#pk": "group_pk"}
        values: dict[str, Any] = {":pk": {"S": partition}}
        condition = "#pk = :pk"
        if key_range is not None:
            names["#sk"] = "group_sk"
            values[":low"], values[":high"] = {"S": key_range[0]}, {"S": key_range[1]}
            condition += " AND #sk BETWEEN :low AND :high"
        elif upper is not None:
            names["#sk"] = "group_sk"
            values[":high"] = {"S": upper}
            condition += " AND #sk < :high"
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": INDEX,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        if filters:
            clauses = []
            for i, (expression, value) in enumerate(filters.items()):
                values[f":f{i}"] = {"S": value}
                clauses.append(expression.replace("?", f":f{i}"))
            request["FilterExpression"] = " AND ".join(clauses)
        while True:
            if self._on_request is not None:
                self._on_request()
            response = self._client().query(**request)
            yield from response.get("Items", [])
            last = response.get("LastEvaluatedKey")
            if not last:
                return
            request["ExclusiveStartKey"] = last

    def _months(
        self,
        start: datetime,
        end: datetime,
        key_range: tuple[str, str] | None,
        upper: str | None,
        filters: dict[str, str],
    ) -> list[dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        # [start, end) touches the months of [start, end - 1 s]; an empty range still reads start's month.
        last = max(start, end - timedelta(seconds=1))
        for month in months_touched(start, last):
            for item in self._query(f"{WINDOW_PREFIX}{month}", key_range, upper, filters):
                found.setdefault(item[PARTITION_KEY]["S"], item)
        return sorted(found.values(), key=lambda item: item["group_sk"]["S"])

    def meeting(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Rows of the windows that meet [start, end)."""
        return self._months(start, end, None, format_rfc3339(end), {"window_end > ?": format_rfc3339(start)})

    def starting(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Rows of the windows that start in [start, end)."""
        return self._months(start, end, (format_rfc3339(start), format_rfc3339(end)), None, {})

    def ending(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Rows of the windows that end in [start, end)."""
        filters = {"window_end >= ?": format_rfc3339(start), "window_end < ?": format_rfc3339(end)}
        return self._months(start, end, None, None, filters)

    def feed(self, code: str, since: datetime) -> list[dict[str, Any]]:
        """The ``CUST#<code>`` rows of every object the customer's feed shows whose window ends after ``since``."""
        lower = format_rfc3339(since - LONGEST_WINDOW)
        items = self._query(f"{FEED_PREFIX}{code}", (lower, "~"), None, {"window_end > ?": format_rfc3339(since)})
        return sorted(items, key=lambda item: item["group_sk"]["S"])
