"""SES's events about each email, recorded on the delivery-ledger row of its recipient, and read back per object.

Rows (in the one table of :mod:`ccm.storage.table`):

* the ledger rows themselves (:mod:`ccm.storage.ledger`) gain ``ses_status``, ``ses_rank``, ``ses_at``,
  ``ses_sent_at``, ``bounce_type``, ``bounce_subtype`` and ``diagnostic``; they carry ``group_pk =
  DELIVERY#<object id>`` so that one query on ``by_group`` reads every delivery of an object;
* ``SESMSG#<message id>`` / ``SESMSG``: which ledger row an SES message id belongs to (written with the send), so an
  event finds its row with one read, never a scan;
* ``DELIVERABILITY#<customer>`` / ``DAY#<yyyy-mm-dd>``: the day's counts of a customer's sends and outcomes, added
  to in the same transaction as the ledger row's change, so that a repeated event counts once. They carry
  ``group_pk = DELIVERABILITYMONTH#<yyyy-mm>``, ``group_sk = <yyyy-mm-dd>#<customer>``, so that the dashboard reads
  every customer's last 30 days in one or two queries on ``by_group``, not one per customer.

An event changes a row only when its status ranks above the row's (:mod:`ccm.domain.deliveries`); the condition is
DynamoDB's, so concurrent and repeated events cannot overtake each other.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError

from ccm.aws.clients import error_code
from ccm.domain.deliveries import (
    EVENT_STATUS_RANK,
    PERMANENT_BOUNCE,
    DeliveryStatus,
)
from ccm.storage.audit_index import months_between
from ccm.storage.dynamo import LazyDynamoDB
from ccm.storage.table import PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

logger = logging.getLogger(__name__)

GROUP_PREFIX = "DELIVERY#"
POINTER_PREFIX = "SESMSG#"
POINTER_SORT = "SESMSG"
COUNTER_PREFIX = "DELIVERABILITY#"
DAY_PREFIX = "DAY#"
MONTH_GROUP_PREFIX = "DELIVERABILITYMONTH#"
INDEX = "by_group"
POINTER_RETENTION_SECONDS = 180 * 24 * 3600
"""As long as the ledger rows the pointers lead to."""
COUNTER_RETENTION_SECONDS = 400 * 24 * 3600
DIAGNOSTIC_LENGTH = 1000
QUERY_PAGE_SIZE = 1000
COUNTERS = (
    "sends",
    "delivered",
    "delayed",
    "hard_bounces",
    "soft_bounces",
    "suppressed",
    "complaints",
    "rejected",
    "unsubscribed",
)
"""The day's counts per customer: ``hard_bounces`` and ``complaints`` against ``sends`` are SES's own rates."""


def group_keys(object_id: str, customer: str, event: str, version: int, recipient: str) -> dict[str, Any]:
    """The ``by_group`` keys of a ledger row, ordered by customer, event and version."""
    return {
        "group_pk": {"S": f"{GROUP_PREFIX}{object_id}"},
        "group_sk": {"S": f"{customer}#{event}#v{version:06d}#{recipient.strip().lower()}"},
    }


def message_pointer_item(message_id: str, ledger_pk: str, ledger_sk: str, customer: str, now: float) -> dict[str, Any]:
    return {
        PARTITION_KEY: {"S": f"{POINTER_PREFIX}{message_id}"},
        SORT_KEY: {"S": POINTER_SORT},
        "ledger_pk": {"S": ledger_pk},
        "ledger_sk": {"S": ledger_sk},
        "customer_code": {"S": customer},
        TTL_ATTRIBUTE: {"N": str(int(now) + POINTER_RETENTION_SECONDS)},
    }


@dataclass(frozen=True)
class SesEvent:
    """One SES event about one message, as the ledger needs it. ``status`` ``None`` is the Send event."""

    message_id: str
    event_type: str
    status: DeliveryStatus | None
    at: float
    bounce_type: str = ""
    bounce_subtype: str = ""
    diagnostic: str = ""


class Recorded(StrEnum):
    RECORDED = "recorded"
    UNCHANGED = "unchanged"
    """A repeated event, or one that ranks below what the row already says."""
    UNKNOWN = "unknown"
    """No email of ours has this message id (or its row has expired)."""


@dataclass(frozen=True)
class DeliveryRow:
    """One recipient of one email event of one object version for one customer, and what became of it."""

    customer_code: str
    event: str
    version: int
    recipient: str
    status: DeliveryStatus
    status_at: float | None = None
    sent_at: float | None = None
    message_id: str = ""
    bounce_type: str = ""
    bounce_subtype: str = ""
    diagnostic: str = ""


@dataclass
class DailyCounts:
    customer_code: str
    day: str
    counts: dict[str, int] = field(default_factory=dict)


class DeliveryRecords(Protocol):
    """The read side, as the workflow uses it."""

    def rows(self, object_id: str, customer: str | None = None) -> list[DeliveryRow]:
        """Every ledger row of the object (of one customer), ordered by customer, event, version, recipient."""
        ...

    def daily(self, customer: str, first_day: date, last_day: date) -> list[DailyCounts]:
        """The customer's counts of each day in the range that has any."""
        ...

    def daily_all(self, first_day: date, last_day: date) -> list[DailyCounts]:
        """Every customer's counts of each day in the range that has any (one query per month, not per customer)."""
        ...


def counter_name(status: DeliveryStatus | None, bounce_type: str) -> str:
    if status is None:
        return "sends"
    if status is DeliveryStatus.BOUNCED:
        return "hard_bounces" if bounce_type == PERMANENT_BOUNCE else "soft_bounces"
    return {
        DeliveryStatus.DELIVERED: "delivered",
        DeliveryStatus.DELAYED: "delayed",
        DeliveryStatus.SUPPRESSED: "suppressed",
        DeliveryStatus.COMPLAINED: "complaints",
        DeliveryStatus.REJECTED: "rejected",
        DeliveryStatus.UNSUBSCRIBED: "unsubscribed",
    }[status]


def day_of(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).date().isoformat()


def _number(item: dict[str, Any], name: str) -> float | None:
    value = item.get(name, {}).get("N")
    return float(value) if value is not None else None


def _text(item: dict[str, Any], name: str) -> str:
    return str(item.get(name, {}).get("S", ""))


def row_status(item: dict[str, Any]) -> DeliveryStatus:
    """The ledger's own state (claimed, sent, rejected at the send) overlaid with the best SES event."""
    if _text(item, "state") == "rejected":
        return DeliveryStatus.REJECTED
    recorded = _text(item, "ses_status")
    if recorded:
        return DeliveryStatus(recorded)
    return DeliveryStatus.SENT if _text(item, "state") == "sent" else DeliveryStatus.SENDING


def row_from_item(item: dict[str, Any]) -> DeliveryRow:
    customer, event, version, recipient = _text(item, "group_sk").split("#", 3)
    status = row_status(item)
    return DeliveryRow(
        customer_code=customer,
        event=event,
        version=int(version.removeprefix("v")),
        recipient=_text(item, "recipient") or recipient,
        status=status,
        status_at=_number(item, "ses_at") or _number(item, "rejected_at") or _number(item, "sent_at"),
        sent_at=_number(item, "sent_at"),
        message_id=_text(item, "message_id"),
        bounce_type=_text(item, "bounce_type"),
        bounce_subtype=_text(item, "bounce_subtype"),
        diagnostic=_text(item, "diagnostic") or _text(item, "reason"),
    )


class DynamoDeliveryRecords:
    def __init__(self, table_name: str, dynamodb: DynamoDBClient | None = None) -> None:
        self.table_name = table_name
        self._ddb = dynamodb

    ddb = LazyDynamoDB()

    # -- the events ---------------------------------------------------------------------------------------

    def record(self, event: SesEvent) -> Recorded:
        pointer = self.ddb.get_item(
            TableName=self.table_name,
            Key={PARTITION_KEY: {"S": f"{POINTER_PREFIX}{event.message_id}"}, SORT_KEY: {"S": POINTER_SORT}},
        ).get("Item")
        if pointer is None:
            return Recorded.UNKNOWN
        row_key = {PARTITION_KEY: pointer["ledger_pk"], SORT_KEY: pointer["ledger_sk"]}
        customer = _text(pointer, "customer_code")
        try:
            self.ddb.transact_write_items(
                TransactItems=[self._row_update(row_key, event), self._count(customer, event)]
            )
        except ClientError as error:
            if error_code(error) == "TransactionCanceledException" and _condition_failed(error):
                return Recorded.UNCHANGED
            raise
        return Recorded.RECORDED

    def _row_update(self, key: dict[str, Any], event: SesEvent) -> TransactWriteItemTypeDef:
        at = {"N": f"{event.at:.3f}"}
        if event.status is None:
            return {
                "Update": {
                    "TableName": self.table_name,
                    "Key": key,
                    "UpdateExpression": "SET ses_sent_at = :at",
                    "ConditionExpression": "attribute_exists(#pk) AND attribute_not_exists(ses_sent_at)",
                    "ExpressionAttributeNames": {"#pk": PARTITION_KEY},
                    "ExpressionAttributeValues": {":at": at},
                }
            }
        values: dict[str, Any] = {
            ":status": {"S": event.status.value},
            ":rank": {"N": str(EVENT_STATUS_RANK[event.status])},
            ":at": at,
            ":bounce_type": {"S": event.bounce_type},
            ":bounce_subtype": {"S": event.bounce_subtype},
            ":diagnostic": {"S": event.diagnostic[:DIAGNOSTIC_LENGTH]},
        }
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": key,
                "UpdateExpression": (
                    "SET ses_status = :status, ses_rank = :rank, ses_at = :at, bounce_type = :bounce_type, "
                    "bounce_subtype = :bounce_subtype, diagnostic = :diagnostic"
                ),
                "ConditionExpression": "attribute_exists(#pk) AND (attribute_not_exists(ses_rank) OR ses_rank < :rank)",
                "ExpressionAttributeNames": {"#pk": PARTITION_KEY},
                "ExpressionAttributeValues": values,
            }
        }

    def _count(self, customer: str, event: SesEvent) -> TransactWriteItemTypeDef:
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": {
                    PARTITION_KEY: {"S": f"{COUNTER_PREFIX}{customer}"},
                    SORT_KEY: {"S": f"{DAY_PREFIX}{day_of(event.at)}"},
                },
                "UpdateExpression": (
                    "ADD #counter :one SET customer_code = :customer, #ttl = :ttl, group_pk = :month, group_sk = :day"
                ),
                "ExpressionAttributeNames": {
                    "#counter": counter_name(event.status, event.bounce_type),
                    "#ttl": TTL_ATTRIBUTE,
                },
                "ExpressionAttributeValues": {
                    ":one": {"N": "1"},
                    ":customer": {"S": customer},
                    ":ttl": {"N": str(int(event.at) + COUNTER_RETENTION_SECONDS)},
                    ":month": {"S": f"{MONTH_GROUP_PREFIX}{day_of(event.at)[:7]}"},
                    ":day": {"S": f"{day_of(event.at)}#{customer}"},
                },
            }
        }

    # -- reading ------------------------------------------------------------------------------------------

    def rows(self, object_id: str, customer: str | None = None) -> list[DeliveryRow]:
        condition = "group_pk = :pk"
        values: dict[str, Any] = {":pk": {"S": f"{GROUP_PREFIX}{object_id}"}}
        if customer is not None:
            condition += " AND begins_with(group_sk, :customer)"
            values[":customer"] = {"S": f"{customer}#"}
        paginator = self.ddb.get_paginator("query")
        pages = paginator.paginate(
            TableName=self.table_name,
            IndexName=INDEX,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            PaginationConfig={"PageSize": QUERY_PAGE_SIZE},
        )
        return [row_from_item(item) for page in pages for item in page.get("Items", [])]

    def daily(self, customer: str, first_day: date, last_day: date) -> list[DailyCounts]:
        paginator = self.ddb.get_paginator("query")
        pages = paginator.paginate(
            TableName=self.table_name,
            KeyConditionExpression="#pk = :pk AND #sk BETWEEN :first AND :last",
            ExpressionAttributeNames={"#pk": PARTITION_KEY, "#sk": SORT_KEY},
            ExpressionAttributeValues={
                ":pk": {"S": f"{COUNTER_PREFIX}{customer}"},
                ":first": {"S": f"{DAY_PREFIX}{first_day.isoformat()}"},
                ":last": {"S": f"{DAY_PREFIX}{last_day.isoformat()}"},
            },
        )
        return [
            DailyCounts(customer, _text(item, SORT_KEY).removeprefix(DAY_PREFIX), _counts(item))
            for page in pages
            for item in page.get("Items", [])
        ]

    def daily_all(self, first_day: date, last_day: date) -> list[DailyCounts]:
        days: list[DailyCounts] = []
        paginator = self.ddb.get_paginator("query")
        for month in months_between(first_day, last_day):
            pages = paginator.paginate(
                TableName=self.table_name,
                IndexName=INDEX,
                # "~" sorts after every customer code: the last day is included whole.
                KeyConditionExpression="group_pk = :month AND group_sk BETWEEN :first AND :last",
                ExpressionAttributeValues={
                    ":month": {"S": f"{MONTH_GROUP_PREFIX}{month}"},
                    ":first": {"S": f"{first_day.isoformat()}#"},
                    ":last": {"S": f"{last_day.isoformat()}#~"},
                },
                PaginationConfig={"PageSize": QUERY_PAGE_SIZE},
            )
            days.extend(
                DailyCounts(_text(item, "customer_code"), _text(item, SORT_KEY).removeprefix(DAY_PREFIX), _counts(item))
                for page in pages
                for item in page.get("Items", [])
            )
        return days


def _counts(item: dict[str, Any]) -> dict[str, int]:
    return {name: int(float(item[name]["N"])) for name in COUNTERS if name in item}


def _condition_failed(error: ClientError) -> bool:
    reasons = error.response.get("CancellationReasons", [])
    return any(reason.get("Code") == "ConditionalCheckFailed" for reason in reasons)


def days_back(today: date, days: int) -> tuple[date, date]:
    return today - timedelta(days=days - 1), today


def add_up(days: Iterable[DailyCounts]) -> dict[str, int]:
    total = dict.fromkeys(COUNTERS, 0)
    for day in days:
        for name, value in day.counts.items():
            total[name] = total.get(name, 0) + value
    return total
