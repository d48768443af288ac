"""Delegations in the one table: one row per approver, found by approver (GetItem) or by delegate (``by_group``).

Row: ``pk = DELEGATION#<approver>``, ``sk = CURRENT``, the delegation's fields, and ``group_pk = DELEGATE#<delegate>``
/ ``group_sk = <last day>#<approver>`` so that "who stands in for whom" is one Query of the shared index. The row
names who set it (``set_by``); ending it stamps ``removed_by``/``removed_at`` before deleting it, so that the
table's stream, from which the audit function tells these actions, names who ended it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError

from ccm.aws.clients import error_code
from ccm.domain.delegation import Delegation
from ccm.domain.times import format_rfc3339
from ccm.storage.dynamo import LazyDynamoDB, from_item, to_item
from ccm.storage.table import PARTITION_KEY, SORT_KEY

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

DELEGATION_PREFIX = "DELEGATION#"
DELEGATE_GROUP_PREFIX = "DELEGATE#"
CURRENT = "CURRENT"
_FIELDS = ("approver", "delegate", "starts", "ends", "approver_groups", "set_at", "set_by")


class DelegationStore(Protocol):
    def get(self, approver: str) -> Delegation | None:
        """The approver's delegation (past, running or planned), if any."""
        ...

    def put(self, delegation: Delegation) -> None:
        """Set the approver's delegation, replacing any earlier one."""
        ...

    def delete(self, approver: str, *, by: str, at: datetime) -> bool:
        """Remove it (``by`` whom, ``at`` when, for the audit log); ``False`` if there was none."""
        ...

    def delegated_to(self, delegate: str) -> list[Delegation]:
        """Every delegation naming ``delegate``, whatever its period."""
        ...


def _key(approver: str) -> dict[str, Any]:
    return to_item({PARTITION_KEY: f"{DELEGATION_PREFIX}{approver.lower()}", SORT_KEY: CURRENT})


class DynamoDelegations:
    def __init__(self, table_name: str, dynamodb: DynamoDBClient | None = None) -> None:
        self.table_name = table_name
        self._ddb = dynamodb

    ddb = LazyDynamoDB()

    @staticmethod
    def _delegation(item: dict[str, Any]) -> Delegation:
        values = from_item(item)
        return Delegation.model_validate({name: values.get(name) for name in _FIELDS})

    def get(self, approver: str) -> Delegation | None:
        item = self.ddb.get_item(TableName=self.table_name, Key=_key(approver), ConsistentRead=True).get("Item")
        return self._delegation(item) if item else None

    def put(self, delegation: Delegation) -> None:
        values = delegation.model_dump(mode="json")
        values.update(
            {
                PARTITION_KEY: f"{DELEGATION_PREFIX}{delegation.approver}",
                SORT_KEY: CURRENT,
                "group_pk": f"{DELEGATE_GROUP_PREFIX}{delegation.delegate}",
                "group_sk": f"{delegation.ends.isoformat()}#{delegation.approver}",
            }
        )
        self.ddb.put_item(TableName=self.table_name, Item=to_item(values))

    def delete(self, approver: str, *, by: str, at: datetime) -> bool:
        # The table's stream tells the audit function of the deletion with the row as it was: stamped first, that
        # row names who removed it and when.
        try:
            self.ddb.update_item(
                TableName=self.table_name,
                Key=_key(approver),
                UpdateExpression="SET removed_by = :by, removed_at = :at",
                ConditionExpression=f"attribute_exists({PARTITION_KEY})",
                ExpressionAttributeValues={":by": {"S": by}, ":at": {"S": format_rfc3339(at)}},
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        response = self.ddb.delete_item(TableName=self.table_name, Key=_key(approver), ReturnValues="ALL_OLD")
        return bool(response.get("Attributes"))

    def delegated_to(self, delegate: str) -> list[Delegation]:
        found: list[Delegation] = []
        paginator = self.ddb.get_paginator("query")
        pages = paginator.paginate(
            TableName=self.table_name,
            IndexName="by_group",
            KeyConditionExpression="group_pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"{DELEGATE_GROUP_PREFIX}{delegate.lower()}"}},
        )
        for page in pages:
            found.extend(self._delegation(item) for item in page.get("Items", []))
        return found


@dataclass
class InMemoryDelegations:
    rows: dict[str, Delegation] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def get(self, approver: str) -> Delegation | None:
        return self.rows.get(approver.lower())

    def put(self, delegation: Delegation) -> None:
        with self._lock:
            self.rows[delegation.approver] = delegation

    def delete(self, approver: str, *, by: str, at: datetime) -> bool:
        with self._lock:
            return self.rows.pop(approver.lower(), None) is not None

    def delegated_to(self, delegate: str) -> list[Delegation]:
        wanted = delegate.lower()
        return [row for row in self.rows.values() if row.delegate == wanted]
