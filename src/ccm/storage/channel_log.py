"""Every attempt to post to a channel, kept in the one table: by customer (``ccm channels log``) and by object (the
object's details), newest first.

Row: ``pk = CHANNELLOG#<customer>``, ``sk = <attempted at, ISO 8601 UTC>#<attempt id>``, the attempt's fields, and
``group_pk = CHANNELLOG#<object id>`` / ``group_sk = <attempted at>#<attempt id>`` in the shared ``by_group`` index.
DynamoDB's TTL removes a row after the ledger's retention. The URL is never stored: only the channel's name.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from ccm.storage.dynamo import LazyDynamoDB, from_item, to_item
from ccm.storage.table import PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

CHANNEL_LOG_PREFIX = "CHANNELLOG#"
RETENTION_SECONDS = 180 * 24 * 3600
"""As long as the delivery ledger keeps the rows the attempts explain."""
QUERY_PAGE_SIZE = 200
SENT = "sent"
RETRY = "retry"
FAILED = "failed"
"""Given up for good: a 4xx other than 429, a redirect, a refused URL. Alarmed, never retried."""


@dataclass(frozen=True)
class ChannelAttempt:
    attempt_id: str
    at: datetime
    customer_code: str
    channel: str
    channel_type: str
    object_id: str
    version: int
    event: str
    number: int
    """1 for the first attempt of this delivery in this invocation, counting up with each retry."""
    outcome: str
    status: int | None = None
    latency_ms: int | None = None
    error: str | None = None
    response: str = ""
    """At most the first kilobyte of the answer."""

    @property
    def order(self) -> str:
        return f"{self.at.astimezone(UTC).isoformat()}#{self.attempt_id}"

    def as_document(self) -> dict[str, Any]:
        document = asdict(self)
        document["at"] = self.at.astimezone(UTC).isoformat()
        return document

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> ChannelAttempt:
        known: dict[str, Any] = {name: document.get(name) for name in cls.__dataclass_fields__}
        known["at"] = datetime.fromisoformat(str(document["at"]))
        known["version"] = int(document.get("version") or 0)
        known["number"] = int(document.get("number") or 0)
        known["status"] = int(document["status"]) if document.get("status") is not None else None
        known["latency_ms"] = int(document["latency_ms"]) if document.get("latency_ms") is not None else None
        known["response"] = str(document.get("response") or "")
        return cls(**known)


class ChannelLog(Protocol):
    def record(self, attempt: ChannelAttempt) -> None: ...

    def for_customer(self, customer_code: str, limit: int = 50) -> list[ChannelAttempt]:
        """The customer's latest attempts, newest first."""
        ...

    def for_object(self, object_id: str) -> list[ChannelAttempt]:
        """Every attempt about one object, newest first."""
        ...


class DynamoChannelLog:
    def __init__(self, table_name: str, dynamodb: DynamoDBClient | None = None) -> None:
        self.table_name = table_name
        self._ddb = dynamodb
        self._lock = threading.Lock()

    ddb = LazyDynamoDB()

    def record(self, attempt: ChannelAttempt) -> None:
        values = {name: value for name, value in attempt.as_document().items() if value is not None}
        values.update(
            {
                PARTITION_KEY: f"{CHANNEL_LOG_PREFIX}{attempt.customer_code}",
                SORT_KEY: attempt.order,
                "group_pk": f"{CHANNEL_LOG_PREFIX}{attempt.object_id}",
                "group_sk": attempt.order,
                TTL_ATTRIBUTE: int(attempt.at.timestamp()) + RETENTION_SECONDS,
            }
        )
        self.ddb.put_item(TableName=self.table_name, Item=to_item(values))

    def _query(self, limit: int | None, **arguments: Any) -> Iterator[ChannelAttempt]:
        paginator = self.ddb.get_paginator("query")
        page_size = min(QUERY_PAGE_SIZE, limit) if limit else QUERY_PAGE_SIZE
        pages = paginator.paginate(
            TableName=self.table_name,
            ScanIndexForward=False,
            PaginationConfig={"PageSize": page_size, **({"MaxItems": limit} if limit else {})},
            **arguments,
        )
        for page in pages:
            for item in page.get("Items", []):
                yield ChannelAttempt.from_document(from_item(item))

    def for_customer(self, customer_code: str, limit: int = 50) -> list[ChannelAttempt]:
        return list(
            self._query(
                limit,
                KeyConditionExpression="#pk = :pk",
                ExpressionAttributeNames={"#pk": PARTITION_KEY},
                ExpressionAttributeValues={":pk": {"S": f"{CHANNEL_LOG_PREFIX}{customer_code}"}},
            )
        )

    def for_object(self, object_id: str) -> list[ChannelAttempt]:
        return list(
            self._query(
                None,
                IndexName="by_group",
                KeyConditionExpression="group_pk = :pk",
                ExpressionAttributeValues={":pk": {"S": f"{CHANNEL_LOG_PREFIX}{object_id}"}},
            )
        )


@dataclass
class InMemoryChannelLog:
    attempts: list[ChannelAttempt] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, attempt: ChannelAttempt) -> None:
        with self._lock:
            self.attempts.append(attempt)

    def for_customer(self, customer_code: str, limit: int = 50) -> list[ChannelAttempt]:
        rows = [a for a in self.attempts if a.customer_code == customer_code]
        return sorted(rows, key=lambda a: a.order, reverse=True)[:limit]

    def for_object(self, object_id: str) -> list[ChannelAttempt]:
        return sorted((a for a in self.attempts if a.object_id == object_id), key=lambda a: a.order, reverse=True)
