"""The last error of each trigger that failed, so that a dead letter can say why it is there.

SQS keeps no reason with a message it moves to a dead-letter queue; the backend writes one row per customer and
object when processing a trigger fails (``TRIGGERFAIL#<customer>`` / ``<object id>``: ``error``, ``failed_at``),
overwritten by each later failure and left to expire after the dead-letter queue's retention.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ccm.storage.dynamo import LazyDynamoDB
from ccm.storage.table import PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PREFIX = "TRIGGERFAIL#"
RETENTION_SECONDS = 15 * 24 * 3600
"""A day past the dead-letter queue's 14 days."""
ERROR_LENGTH = 1000


@dataclass(frozen=True)
class TriggerFailure:
    object_id: str
    error: str
    failed_at: float


class TriggerFailures:
    def __init__(self, table_name: str, dynamodb: DynamoDBClient | None = None) -> None:
        self.table_name = table_name
        self._ddb = dynamodb

    ddb = LazyDynamoDB()

    def record(self, customer: str, object_id: str, error: str, at: float | None = None) -> None:
        when = time.time() if at is None else at
        self.ddb.put_item(
            TableName=self.table_name,
            Item={
                PARTITION_KEY: {"S": f"{PREFIX}{customer}"},
                SORT_KEY: {"S": object_id},
                "error": {"S": error[:ERROR_LENGTH] or "failed"},
                "failed_at": {"N": f"{when:.3f}"},
                TTL_ATTRIBUTE: {"N": str(int(when) + RETENTION_SECONDS)},
            },
        )

    def for_customer(self, customer: str) -> dict[str, TriggerFailure]:
        paginator = self.ddb.get_paginator("query")
        pages = paginator.paginate(
            TableName=self.table_name,
            KeyConditionExpression="#pk = :pk",
            ExpressionAttributeNames={"#pk": PARTITION_KEY},
            ExpressionAttributeValues={":pk": {"S": f"{PREFIX}{customer}"}},
        )
        found = {}
        for page in pages:
            for item in page.get("Items", []):
                object_id = item[SORT_KEY]["S"]
                found[object_id] = TriggerFailure(object_id, item["error"]["S"], float(item["failed_at"]["N"]))
        return found
