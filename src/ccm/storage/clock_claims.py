"""Claims of the clock's actions: each reminder and each nudge is handed to the backend once, however many clocks run.

The clock runs every few minutes and may run late, twice, or twice at once. Before it hands an action to a
customer's queue it takes the action's claim, a conditional write in the one table that only one clock wins;
once the message is sent it marks the row ``handed``. A row that is finished (``handed``, or ``skipped`` for a
reminder whose moment passed too long ago) is never taken again. A clock that dies between the claim and the
send leaves a claim whose lease runs out, and the next run takes it over: the backend's delivery ledger then keeps
the second message from mailing anyone twice.

Rows: ``pk = CLOCK#<object id>``, ``sk = <action>`` (``REMINDER#<customer>#<offset>#<window start>``,
``NUDGE#<number>#<window end>``), ``state`` (``claimed``/``handed``/``skipped``), ``claim_token``,
``claimed_at``, ``finished_at``, ``reason``, ``expires_at`` for DynamoDB's TTL.
"""

from __future__ import annotations

import logging

from ccm.storage.leases import CLAIMED, Lease, LeasedRows

logger = logging.getLogger(__name__)

CLOCK_PREFIX = "CLOCK#"
CLAIM_LEASE_SECONDS = 120.0
"""Longer than a clock run's send of one message with its retries; shorter than the clock's period (5 minutes)."""
RETENTION_SECONDS = 400 * 24 * 3600
"""Longer than any window (365 days) plus the nudges after it: a finished action is never taken up again."""
HANDED = "handed"
SKIPPED = "skipped"
REASON_LENGTH = 500


class DynamoClockClaims(LeasedRows):
    LEASE_SECONDS = CLAIM_LEASE_SECONDS
    RETENTION_SECONDS = RETENTION_SECONDS

    @staticmethod
    def partition(object_id: str) -> str:
        return f"{CLOCK_PREFIX}{object_id}"

    def claim(self, object_id: str, action: str) -> Lease | None:
        """The right to hand ``action`` over; ``None`` when it was handed or skipped, or another clock holds it."""
        return self.leases.take(self.partition(object_id), action, {"object_id": {"S": object_id}})

    def state(self, object_id: str, action: str) -> str | None:
        """``handed``, ``skipped``, ``claimed`` or ``None`` (never claimed)."""
        state = self.leases.read(self.partition(object_id), action).get("state", {}).get("S")
        return str(state) if state else None

    def handed(self, lease: Lease) -> None:
        self._finish(lease, HANDED, "")

    def skipped(self, lease: Lease, reason: str) -> None:
        self._finish(lease, SKIPPED, reason)

    def release(self, lease: Lease) -> None:
        self.leases.release(lease)

    def _finish(self, lease: Lease, state: str, reason: str) -> None:
        values = {"finished_at": {"N": f"{self.leases.clock():.3f}"}}
        if reason:
            values["reason"] = {"S": reason[:REASON_LENGTH]}
        if not self.leases.finish(lease, state, values):
            logger.warning(
                "the clock's claim on %s %s expired before it was marked %s", lease.partition, lease.sort, state
            )


__all__ = ["CLAIMED", "CLOCK_PREFIX", "HANDED", "SKIPPED", "DynamoClockClaims"]
