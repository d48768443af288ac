"""The delivery ledger: one row per (object id, version, event, customer, recipient) in the one table.

Claim before send, mark after send. A recipient is *sent* only once its row says so; a redelivered or
retried message skips every sent recipient, and every recipient SES *rejected* for good (an address it refuses,
recorded with SES's reason). Before each send the sender takes a claim, a conditional write that
only one worker can win, so two concurrent deliveries of the same message never mail the same person. A claim
that was never marked sent is either released (the send failed: retry it) or left behind by a crash; once its
lease has run out the next delivery takes it over and sends again. So after a crash exactly one message per
in-flight send may arrive twice, and none is ever lost; every other recipient is mailed exactly once.

Rows: ``pk = LEDGER#<object id>#v<version>#<event>#<customer>``, ``sk = TO#<lower-cased recipient>``,
``state`` (``claimed``/``sent``/``rejected``), ``claim_token``, ``claimed_at``, ``sent_at``, ``message_id``,
``rejected_at``, ``reason``, and ``expires_at`` so that DynamoDB's TTL removes rows long after any redelivery
could come.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import boto3
from botocore.exceptions import ClientError

from ccm.aws.clients import RETRY_CONFIG, error_code
from ccm.errors import CcmError
from ccm.storage.table import PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

logger = logging.getLogger(__name__)

LEDGER_PREFIX = "LEDGER#"
CLAIM_LEASE_SECONDS = 300.0
"""Longer than any single send with its retries, far shorter than the queue's visibility timeout (900 s)."""
RETENTION_SECONDS = 180 * 24 * 3600
QUERY_PAGE_SIZE = 1000
SENT = "sent"
REJECTED = "rejected"
CLAIMED = "claimed"
SETTLED = frozenset({SENT, REJECTED})
REASON_LENGTH = 1000


@dataclass(frozen=True)
class DeliveryKey:
    """One email event of one object version for one customer."""

    object_id: str
    version: int
    event: str
    customer_code: str

    @property
    def partition(self) -> str:
        return f"{LEDGER_PREFIX}{self.object_id}#v{self.version}#{self.event}#{self.customer_code}"


@dataclass(frozen=True)
class Claim:
    key: DeliveryKey
    recipient: str
    token: str


class DeliveryInProgress(CcmError):
    """Another worker holds a live claim on a recipient: this delivery must be retried later, not succeed."""

    def __init__(self, key: DeliveryKey, recipient: str) -> None:
        super().__init__(f"{recipient} of {key.partition} is being mailed by another worker")
        self.key = key
        self.recipient = recipient


class DeliveryLedger(Protocol):
    def settled(self, key: DeliveryKey) -> dict[str, str]:
        """Each lower-cased recipient whose delivery is over, with how it ended: ``sent`` or ``rejected``."""
        ...

    def delivered(self, key: DeliveryKey) -> set[str]:
        """Lower-cased recipients already marked sent."""
        ...

    def claim(self, key: DeliveryKey, recipient: str) -> Claim | None:
        """The right to send to ``recipient``; ``None`` if settled; :class:`DeliveryInProgress` if held."""
        ...

    def mark_sent(self, claim: Claim, message_id: str) -> None: ...

    def mark_rejected(self, claim: Claim, reason: str) -> None:
        """SES refused the address for good: no later delivery under the same key tries it again."""
        ...

    def release(self, claim: Claim) -> None: ...


def _sort_key(recipient: str) -> str:
    return f"TO#{recipient.strip().lower()}"


class DynamoLedger:
    def __init__(
        self,
        table_name: str,
        dynamodb: DynamoDBClient | None = None,
        *,
        lease_seconds: float = CLAIM_LEASE_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.table_name = table_name
        self._ddb = dynamodb
        self._lock = threading.Lock()
        self.lease_seconds = lease_seconds
        self.clock = clock

    @property
    def ddb(self) -> DynamoDBClient:
        with self._lock:
            if self._ddb is None:
                self._ddb = boto3.client("dynamodb", config=RETRY_CONFIG)
            return self._ddb

    def _key(self, key: DeliveryKey, recipient: str) -> dict[str, Any]:
        return {PARTITION_KEY: {"S": key.partition}, SORT_KEY: {"S": _sort_key(recipient)}}

    def delivered(self, key: DeliveryKey) -> set[str]:
        return {recipient for recipient, state in self.settled(key).items() if state == SENT}

    def settled(self, key: DeliveryKey) -> dict[str, str]:
        settled: dict[str, str] = {}
        paginator = self.ddb.get_paginator("query")
        pages = paginator.paginate(
            TableName=self.table_name,
            KeyConditionExpression="#pk = :pk",
            ExpressionAttributeNames={"#pk": PARTITION_KEY, "#sk": SORT_KEY, "#state": "state"},
            ExpressionAttributeValues={":pk": {"S": key.partition}},
            ProjectionExpression="#sk, #state",
            ConsistentRead=True,
            PaginationConfig={"PageSize": QUERY_PAGE_SIZE},
        )
        for page in pages:
            for item in page.get("Items", []):
                state = item.get("state", {}).get("S", "")
                if state in SETTLED:
                    settled[item[SORT_KEY]["S"].removeprefix("TO#")] = state
        return settled

    def claim(self, key: DeliveryKey, recipient: str) -> Claim | None:
        now = self.clock()
        token = uuid.uuid4().hex
        item = {
            **self._key(key, recipient),
            "state": {"S": CLAIMED},
            "claim_token": {"S": token},
            "claimed_at": {"N": f"{now:.3f}"},
            "recipient": {"S": recipient},
            "object_id": {"S": key.object_id},
            "object_version": {"N": str(key.version)},
            "event": {"S": key.event},
            "customer_code": {"S": key.customer_code},
            TTL_ATTRIBUTE: {"N": str(int(now) + RETENTION_SECONDS)},
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
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            current = self.ddb.get_item(TableName=self.table_name, Key=self._key(key, recipient), ConsistentRead=True)
            if current.get("Item", {}).get("state", {}).get("S") in SETTLED:
                return None
            raise DeliveryInProgress(key, recipient) from None
        return Claim(key, recipient, token)

    def mark_sent(self, claim: Claim, message_id: str) -> None:
        try:
            self.ddb.update_item(
                TableName=self.table_name,
                Key=self._key(claim.key, claim.recipient),
                UpdateExpression="SET #state = :sent, message_id = :message, sent_at = :now REMOVE claim_token",
                ConditionExpression="claim_token = :token",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":sent": {"S": SENT},
                    ":message": {"S": message_id},
                    ":now": {"N": f"{self.clock():.3f}"},
                    ":token": {"S": claim.token},
                },
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            logger.warning("the claim on %s for %s expired before the send was recorded", claim.recipient, claim.key)

    def mark_rejected(self, claim: Claim, reason: str) -> None:
        try:
            self.ddb.update_item(
                TableName=self.table_name,
                Key=self._key(claim.key, claim.recipient),
                UpdateExpression="SET #state = :rejected, reason = :reason, rejected_at = :now REMOVE claim_token",
                ConditionExpression="claim_token = :token",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={
                    ":rejected": {"S": REJECTED},
                    ":reason": {"S": reason[:REASON_LENGTH] or "rejected"},
                    ":now": {"N": f"{self.clock():.3f}"},
                    ":token": {"S": claim.token},
                },
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            logger.warning(
                "the claim on %s for %s expired before its rejection was recorded", claim.recipient, claim.key
            )

    def release(self, claim: Claim) -> None:
        try:
            self.ddb.delete_item(
                TableName=self.table_name,
                Key=self._key(claim.key, claim.recipient),
                ConditionExpression="claim_token = :token",
                ExpressionAttributeValues={":token": {"S": claim.token}},
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
