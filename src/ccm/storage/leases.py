"""Claims with a lease on rows of the one table: the one way work is done once across concurrent workers.

A worker *takes* a row with a conditional write that only one can win: the row must not exist, or hold a claim
whose lease ran out (its holder died). The winner does the work, then *finishes* the row (its final state and
values, only while the claim is still its own) or *releases* it (deletes it, so the next attempt may try again).
The delivery ledger (:mod:`ccm.storage.ledger`) and the meeting claims (:mod:`ccm.storage.meeting_claims`) both
stand on this; each decides what a row that could not be taken means.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ccm.aws.clients import error_code
from ccm.storage.dynamo import LazyDynamoDB
from ccm.storage.table import PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

logger = logging.getLogger(__name__)

CLAIMED = "claimed"
Item = dict[str, Any]


@dataclass(frozen=True)
class Lease:
    """A row this worker holds: its key and the token that proves the claim is still this worker's."""

    partition: str
    sort: str
    token: str


def row_key(partition: str, sort: str) -> Item:
    return {PARTITION_KEY: {"S": partition}, SORT_KEY: {"S": sort}}


def _is_condition_failure(error: ClientError) -> bool:
    return error_code(error) == "ConditionalCheckFailedException"


class Leases:
    def __init__(
        self,
        table_name: str,
        dynamodb: DynamoDBClient | None = None,
        *,
        lease_seconds: float,
        retention_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table_name = table_name
        self._ddb = dynamodb
        self.lease_seconds = lease_seconds
        self.retention_seconds = retention_seconds
        self.clock = clock

    ddb = LazyDynamoDB()

    def take(self, partition: str, sort: str, attributes: Item) -> Lease | None:
        """Claim the row (with ``attributes`` beside the claim); ``None`` when it is finished or held by a live
        claim: :meth:`read` tells which."""
        now = self.clock()
        token = uuid.uuid4().hex
        item = {
            **row_key(partition, sort),
            **attributes,
            "state": {"S": CLAIMED},
            "claim_token": {"S": token},
            "claimed_at": {"N": f"{now:.3f}"},
            TTL_ATTRIBUTE: {"N": str(int(now) + self.retention_seconds)},
        }
        try:
            self.ddb.put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression="attribute_not_exists(#pk) OR (#state = :claimed AND claimed_at < :stale)",
                ExpressionAttributeNames={"#pk": PARTITION_KEY, "#state": "state"},
                ExpressionAttributeValues={
                    ":claimed": {"S": CLAIMED},
                    ":stale": {"N": f"{now - self.lease_seconds:.3f}"},
                },
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            return None
        return Lease(partition, sort, token)

    def read(self, partition: str, sort: str) -> Item:
        """The row as it is now (empty when there is none), read consistently."""
        response = self.ddb.get_item(TableName=self.table_name, Key=row_key(partition, sort), ConsistentRead=True)
        return response.get("Item", {})

    def finish(self, lease: Lease, state: str, values: Item) -> bool:
        """Set the row's final ``state`` and ``values`` and drop the claim, if it is still this worker's; ``False``
        when its lease ran out and another worker took the row over (what that one writes wins)."""
        names = {"#state": "state", **{f"#v{i}": name for i, name in enumerate(values)}}
        assignments = ", ".join(f"#v{i} = :v{i}" for i in range(len(values)))
        try:
            self.ddb.update_item(
                TableName=self.table_name,
                Key=row_key(lease.partition, lease.sort),
                UpdateExpression=f"SET #state = :state{', ' if values else ''}{assignments} REMOVE claim_token",
                ConditionExpression="claim_token = :token",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={
                    ":state": {"S": state},
                    ":token": {"S": lease.token},
                    **{f":v{i}": value for i, value in enumerate(values.values())},
                },
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            return False
        return True

    def release(self, lease: Lease) -> None:
        """Delete the row if the claim is still this worker's, so that the next attempt may take it at once."""
        try:
            self.ddb.delete_item(
                TableName=self.table_name,
                Key=row_key(lease.partition, lease.sort),
                ConditionExpression="claim_token = :token",
                ExpressionAttributeValues={":token": {"S": lease.token}},
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise


class LeasedRows:
    """A family of rows claimed through :class:`Leases`: the delivery ledger's, the meeting claims'.

    Subclasses name their lease (longer than the work it covers, far shorter than the queue's visibility timeout)
    and how long DynamoDB keeps a row (its time to live).
    """

    LEASE_SECONDS: float
    RETENTION_SECONDS: int

    def __init__(
        self,
        table_name: str,
        dynamodb: DynamoDBClient | None = None,
        *,
        lease_seconds: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table_name = table_name
        self.leases = Leases(
            table_name,
            dynamodb,
            lease_seconds=self.LEASE_SECONDS if lease_seconds is None else lease_seconds,
            retention_seconds=self.RETENTION_SECONDS,
            clock=clock,
        )

    @property
    def lease_seconds(self) -> float:
        return self.leases.lease_seconds

    @property
    def clock(self) -> Callable[[], float]:
        return self.leases.clock

    @property
    def ddb(self) -> DynamoDBClient:
        return self.leases.ddb
