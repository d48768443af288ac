"""The operator actions' rows: one per customer whose SES contact list a command changed (``ccm ses ...``, the
subscription file, the contact import), for the audit log.

Row: ``pk = OPERATOR#<YYYY-MM-DD>``, ``sk = <written at>#<id>``, the action, customer, actor, details (JSON
text: DynamoDB holds no floats) and a version (milliseconds since 1970), written once (conditionally) and expiring
after :data:`KEPT_DAYS`: the table's stream hands each new row to the audit function (``ccm.audit.stream_records``),
which keeps the event for years in the audit bucket; the row itself is only the way there. Nothing reads it back.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ccm.aws.clients import error_code
from ccm.domain.operator_audit import OperatorAction, version_of
from ccm.storage.dynamo import LazyDynamoDB, to_item
from ccm.storage.table import PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

OPERATOR_PREFIX = "OPERATOR#"
KEPT_DAYS = 7
"""Long enough for the stream (24 hours) and the audit function's retries (one day) to have carried the row."""
DETAILS_LIMIT = 64_000
"""Bytes of details one row keeps (DynamoDB allows 400 KB an item): longer lists are cut, with their full length."""
LIST_SAMPLE = 200


@dataclass(frozen=True)
class OperatorRecord:
    action: OperatorAction
    customer: str
    actor: str
    at: datetime
    details: dict[str, Any] = field(default_factory=dict)
    status: str = "done"
    comment: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


def bounded(details: dict[str, Any]) -> dict[str, Any]:
    """``details`` small enough for one row: each list longer than :data:`LIST_SAMPLE` cut to that many entries
    and its full length given beside it (``<name>_count``) when the whole does not fit."""
    if len(json.dumps(details, default=str)) <= DETAILS_LIMIT:
        return details
    cut: dict[str, Any] = {}
    for name, value in details.items():
        if isinstance(value, list) and len(value) > LIST_SAMPLE:
            cut[name] = value[:LIST_SAMPLE]
            cut[f"{name}_count"] = len(value)
        elif isinstance(value, dict):
            cut[name] = bounded(value)
        else:
            cut[name] = value
    return cut


def operator_row(record: OperatorRecord) -> dict[str, Any]:
    written = record.at.astimezone(UTC)
    stamp = written.strftime("%Y-%m-%dT%H:%M:%S.%fZ")  # fixed width, so that rows sort in the order written
    values: dict[str, Any] = {
        PARTITION_KEY: f"{OPERATOR_PREFIX}{written:%Y-%m-%d}",
        SORT_KEY: f"{stamp}#{record.id}",
        "id": record.id,
        "action": record.action.value,
        "customer": record.customer,
        "actor": record.actor,
        "at": stamp,
        "version": version_of(written),
        "status": record.status,
        "details": json.dumps(bounded(record.details), sort_keys=True, default=str),
        TTL_ATTRIBUTE: int((written + timedelta(days=KEPT_DAYS)).timestamp()),
    }
    if record.comment:
        values["comment"] = record.comment
    return values


class OperatorActionLog:
    def __init__(self, table_name: str, dynamodb: DynamoDBClient | None = None) -> None:
        self.table_name = table_name
        self._ddb = dynamodb

    ddb = LazyDynamoDB()

    def record(self, record: OperatorRecord) -> None:
        """Write the row once; a retried write of the same record (same id) finds it there and changes nothing."""
        try:
            self.ddb.put_item(
                TableName=self.table_name,
                Item=to_item(operator_row(record)),
                ConditionExpression="attribute_not_exists(#pk)",
                ExpressionAttributeNames={"#pk": PARTITION_KEY},
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
