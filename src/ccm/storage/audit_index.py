"""The audit trail's index in the table: one row per audit event, so the API lists a period in a few queries.

The audit bucket is the record (append-only, Object Lock); these rows are a copy of each event's summary that the
portal's API can page through without reading one S3 object per event. Rows:
``pk = AUDIT#<YYYY-MM>`` (the month the event happened, UTC), ``sk = <time>#<object>#v<version>#<event>``, with
the event's fields. A month is one partition: audit events come at the pace of people's actions, far below a
partition's write limit. Written with ``attribute_not_exists`` so a redelivered event leaves the row as it was.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ccm.aws.clients import error_code
from ccm.domain.audit import AuditEvent
from ccm.errors import InvalidCursor
from ccm.storage.dynamo import LazyDynamoDB
from ccm.storage.table import PARTITION_KEY, SORT_KEY

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

AUDIT_PREFIX = "AUDIT#"
SUMMARY_FIELDS = (
    "object_id",
    "object_kind",
    "title",
    "version",
    "event",
    "event_type",
    "actor",
    "on_behalf_of",
    "time",
    "customers",
    "customer",
    "status",
    "comment",
    "outcome",
    "request_id",
)


@dataclass(frozen=True)
class TrailEntry:
    """One event as the audit listing shows it."""

    object_id: str
    object_kind: str
    title: str
    version: int
    event: str
    event_type: str
    actor: str
    on_behalf_of: str | None
    time: str
    customers: list[str]
    customer: str | None
    status: str
    comment: str | None
    outcome: str | None
    request_id: str | None

    def public(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in SUMMARY_FIELDS}


@dataclass(frozen=True)
class TrailPage:
    entries: list[TrailEntry]
    cursor: str | None


def _month(moment: str) -> str:
    return moment[:7]


def months_between(first: date, last: date) -> list[str]:
    months: list[str] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _encode(month: str, key: dict[str, Any] | None) -> str:
    raw = json.dumps({"m": month, "k": key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[str, dict[str, Any] | None]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        month, key = str(data["m"]), data["k"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise InvalidCursor() from None
    if key is not None and not isinstance(key, dict):
        raise InvalidCursor()
    return month, key


class AuditIndex:
    def __init__(self, table_name: str, dynamodb: DynamoDBClient | None = None) -> None:
        self.table_name = table_name
        self._ddb = dynamodb

    ddb = LazyDynamoDB()

    def add(self, event: AuditEvent) -> bool:
        """Index ``event``; ``False`` when its row was there already."""
        data = event.to_line()
        item: dict[str, Any] = {
            PARTITION_KEY: {"S": f"{AUDIT_PREFIX}{_month(event.time)}"},
            SORT_KEY: {"S": f"{event.time}#{event.object_id}#v{event.version}#{event.event}"},
            "version": {"N": str(event.version)},
            "customers": {"L": [{"S": code} for code in event.customers]},
        }
        for name in SUMMARY_FIELDS:
            value = data.get(name)
            if name in item or value is None:
                continue
            item[name] = {"S": str(value)}
        try:
            self.ddb.put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def page(self, start: str, end: str, *, limit: int, cursor: str | None = None) -> TrailPage:
        """Events from ``start`` to ``end`` (RFC 3339 UTC, both inclusive), oldest first, ``limit`` at most."""
        months = months_between(date.fromisoformat(start[:10]), date.fromisoformat(end[:10]))
        position, resume = (months[0], None) if cursor is None else _decode(cursor)
        if position not in months:
            raise InvalidCursor()
        entries: list[TrailEntry] = []
        for month in months[months.index(position) :]:
            key = resume if month == position else None
            while True:
                request: dict[str, Any] = {
                    "TableName": self.table_name,
                    "KeyConditionExpression": "pk = :pk AND sk BETWEEN :from AND :to",
                    "ExpressionAttributeValues": {
                        ":pk": {"S": f"{AUDIT_PREFIX}{month}"},
                        ":from": {"S": start},
                        ":to": {"S": end + "~"},
                    },
                    "Limit": limit - len(entries),
                }
                if key:
                    request["ExclusiveStartKey"] = key
                try:
                    response = self.ddb.query(**request)
                except ClientError as error:
                    if cursor and error_code(error) == "ValidationException":
                        raise InvalidCursor() from None
                    raise
                entries.extend(_entry(item) for item in response.get("Items", []))
                key = response.get("LastEvaluatedKey")
                if len(entries) >= limit:
                    if key:
                        return TrailPage(entries, _encode(month, key))
                    following = months.index(month) + 1
                    more = following < len(months)
                    return TrailPage(entries, _encode(months[following], None) if more else None)
                if not key:
                    break
        return TrailPage(entries, None)

    def all_between(self, start: str, end: str) -> Iterator[TrailEntry]:
        cursor: str | None = None
        while True:
            page = self.page(start, end, limit=1000, cursor=cursor)
            yield from page.entries
            if page.cursor is None:
                return
            cursor = page.cursor


def _entry(item: dict[str, Any]) -> TrailEntry:
    def text(name: str) -> str | None:
        value = item.get(name)
        return str(value["S"]) if value and "S" in value else None

    return TrailEntry(
        object_id=text("object_id") or "",
        object_kind=text("object_kind") or "",
        title=text("title") or "",
        version=int(item["version"]["N"]),
        event=text("event") or "",
        event_type=text("event_type") or "",
        actor=text("actor") or "",
        on_behalf_of=text("on_behalf_of"),
        time=text("time") or "",
        customers=[value["S"] for value in item.get("customers", {}).get("L", [])],
        customer=text("customer"),
        status=text("status") or "",
        comment=text("comment"),
        outcome=text("outcome"),
        request_id=text("request_id"),
    )
