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
could come. Each row also carries ``group_pk = DELIVERY#<object id>`` and ``group_sk =
<customer>#<event>#v<version>#<recipient>`` (the shared ``by_group`` index), so that every delivery of one object
is one query, and SES's later events about the email are recorded on it (:mod:`ccm.storage.delivery_records`),
found through the ``SESMSG#<message id>`` pointer written when the send is recorded.

A channel post (:mod:`ccm.channels.delivery`) has a row too, with ``channel:<name>`` as its recipient. It carries
neither the group keys nor a pointer: SES never reports on it, and the object's Delivery section counts who was
emailed; the posts have their own log (:mod:`ccm.storage.channel_log`). A ServiceNow or Jira update
(:mod:`ccm.integrations.follow`) is keyed the same way, with ``ticket-<event>`` as its event, the change's first
customer as its customer and ``channel:servicenow`` / ``channel:jira`` as its recipient.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from ccm.errors import CcmError
from ccm.storage.delivery_records import group_keys, message_pointer_item
from ccm.storage.leases import Lease, LeasedRows
from ccm.storage.table import PARTITION_KEY, SORT_KEY

logger = logging.getLogger(__name__)

LEDGER_PREFIX = "LEDGER#"
CLAIM_LEASE_SECONDS = 300.0
"""Longer than any single send with its retries, far shorter than the queue's visibility timeout (900 s)."""
RETENTION_SECONDS = 180 * 24 * 3600
QUERY_PAGE_SIZE = 1000
SENT = "sent"
REJECTED = "rejected"
SETTLED = frozenset({SENT, REJECTED})
"""Final states: a recipient in either is never mailed again under the same key."""
REASON_LENGTH = 1000
CHANNEL_RECIPIENT_PREFIX = "channel:"
"""The recipient of a channel post's row: ``channel:<name>``, which no email address can be."""


def is_channel(recipient: str) -> bool:
    return recipient.startswith(CHANNEL_RECIPIENT_PREFIX)


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


class DynamoLedger(LeasedRows):
    LEASE_SECONDS = CLAIM_LEASE_SECONDS
    RETENTION_SECONDS = RETENTION_SECONDS

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
        attributes = {
            "recipient": {"S": recipient},
            "object_id": {"S": key.object_id},
            "object_version": {"N": str(key.version)},
            "event": {"S": key.event},
            "customer_code": {"S": key.customer_code},
        }
        if not is_channel(recipient):
            attributes.update(group_keys(key.object_id, key.customer_code, key.event, key.version, recipient))
        lease = self.leases.take(key.partition, _sort_key(recipient), attributes)
        if lease is None:
            if self.leases.read(key.partition, _sort_key(recipient)).get("state", {}).get("S") in SETTLED:
                return None
            raise DeliveryInProgress(key, recipient)
        return Claim(key, recipient, lease.token)

    @staticmethod
    def _lease(claim: Claim) -> Lease:
        return Lease(claim.key.partition, _sort_key(claim.recipient), claim.token)

    def mark_sent(self, claim: Claim, message_id: str) -> None:
        if not is_channel(claim.recipient):
            self._point(claim, message_id)
        values = {"message_id": {"S": message_id}, "sent_at": {"N": f"{self.leases.clock():.3f}"}}
        if not self.leases.finish(self._lease(claim), SENT, values):
            logger.warning("the claim on %s for %s expired before the send was recorded", claim.recipient, claim.key)

    def _point(self, claim: Claim, message_id: str) -> None:
        # The pointer first: SES's first event about the message may come before the row says sent. Losing it
        # loses only the message's later events, never the record that it was sent.
        pointer = message_pointer_item(
            message_id, claim.key.partition, _sort_key(claim.recipient), claim.key.customer_code, self.leases.clock()
        )
        try:
            self.ddb.put_item(TableName=self.table_name, Item=pointer)
        except Exception:
            logger.exception("could not record the SES message id of %s for %s", claim.recipient, claim.key)

    def mark_rejected(self, claim: Claim, reason: str) -> None:
        values = {
            "reason": {"S": reason[:REASON_LENGTH] or "rejected"},
            "rejected_at": {"N": f"{self.leases.clock():.3f}"},
        }
        if not self.leases.finish(self._lease(claim), REJECTED, values):
            logger.warning(
                "the claim on %s for %s expired before its rejection was recorded", claim.recipient, claim.key
            )

    def release(self, claim: Claim) -> None:
        self.leases.release(self._lease(claim))
