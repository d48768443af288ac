"""Meeting claims: each meeting action (create, one update, cancel) is done by exactly one worker.

Every affected customer's message about an object runs the meeting step, often at the same moment. Before
touching the calendar a worker takes the action's claim, a conditional write in the one table that only one
worker wins; the winner does the work and stores its result on the claim; the others wait for that result and
use it. A claim whose holder died is taken over once its lease has run out (the new holder first looks for what
the dead one may have created, see :meth:`ccm.meetings.port.MeetingService.find`). A holder that fails releases
its claim, so the next delivery tries again.

Rows: ``pk = MEETING#<object id>``, ``sk = <action>`` (``CREATE#<generation>``,
``UPDATE#<meeting>#v<version>#<revision>``, ``CANCEL#<meeting>``), ``state`` (``claimed``/``done``),
``claim_token``, ``claimed_at``, ``result`` (JSON), ``expires_at`` for DynamoDB's TTL.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ccm.errors import CcmError
from ccm.storage.leases import Lease, LeasedRows

logger = logging.getLogger(__name__)

MEETING_PREFIX = "MEETING#"
CLAIM_LEASE_SECONDS = 300.0
"""Longer than a Graph call with all its retries; far shorter than the queue's visibility timeout."""
RETENTION_SECONDS = 3 * 365 * 24 * 3600
"""Meetings may lie two years ahead and objects stay editable until then."""
WAIT_SECONDS = 30.0
POLL_SECONDS = 0.25
DONE = "done"

Result = dict[str, Any]


@dataclass(frozen=True)
class ActionClaim:
    object_id: str
    action: str
    token: str


@dataclass(frozen=True)
class Completed:
    """The action was done already; ``result`` is what its worker stored."""

    result: Result


class ActionInProgress(CcmError):
    """Another worker holds a live claim on the action: this message must be retried later."""

    def __init__(self, object_id: str, action: str) -> None:
        super().__init__(f"meeting action {action} of {object_id} is in progress in another worker")
        self.object_id = object_id
        self.action = action


class MeetingClaims(Protocol):
    def claim(self, object_id: str, action: str) -> ActionClaim | Completed:
        """The right to do ``action``, or its stored result; :class:`ActionInProgress` if someone holds it."""
        ...

    def complete(self, claim: ActionClaim, result: Result) -> None: ...

    def release(self, claim: ActionClaim) -> None: ...

    def result(self, object_id: str, action: str) -> Result | None:
        """The stored result of a completed action, if any."""
        ...


@dataclass(frozen=True)
class Once:
    """What :func:`run_once` found: the result and whether this worker did the work."""

    result: Result | None
    performed: bool


def run_once(
    claims: MeetingClaims,
    object_id: str,
    action: str,
    work: Callable[[], Result | None],
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    wait_seconds: float = WAIT_SECONDS,
    poll_seconds: float = POLL_SECONDS,
) -> Once:
    """Do ``work`` under the action's claim, or wait for whoever is doing it and return their result.

    ``work`` returning ``None`` means "nothing to do now": the claim is released, so a later delivery may try
    again. ``work`` raising releases the claim too, and the error propagates.
    """
    give_up = clock() + wait_seconds
    while True:
        try:
            found = claims.claim(object_id, action)
        except ActionInProgress:
            if clock() >= give_up:
                raise
            sleep(poll_seconds)
            continue
        if isinstance(found, Completed):
            return Once(found.result, performed=False)
        try:
            result = work()
        except BaseException:
            claims.release(found)
            raise
        if result is None:
            claims.release(found)
            return Once(None, performed=False)
        claims.complete(found, result)
        return Once(result, performed=True)


class DynamoMeetingClaims(LeasedRows):
    LEASE_SECONDS = CLAIM_LEASE_SECONDS
    RETENTION_SECONDS = RETENTION_SECONDS

    @staticmethod
    def _lease(claim: ActionClaim) -> Lease:
        return Lease(f"{MEETING_PREFIX}{claim.object_id}", claim.action, claim.token)

    def claim(self, object_id: str, action: str) -> ActionClaim | Completed:
        lease = self.leases.take(f"{MEETING_PREFIX}{object_id}", action, {"object_id": {"S": object_id}})
        if lease is None:
            stored = self.result(object_id, action)
            if stored is not None:
                return Completed(stored)
            raise ActionInProgress(object_id, action)
        return ActionClaim(object_id, action, lease.token)

    def complete(self, claim: ActionClaim, result: Result) -> None:
        values = {
            "result": {"S": json.dumps(result, sort_keys=True)},
            "completed_at": {"N": f"{self.leases.clock():.3f}"},
        }
        if not self.leases.finish(self._lease(claim), DONE, values):
            # Our lease ran out and someone took the action over; what they store wins.
            logger.warning("the claim on %s of %s expired before its result was stored", claim.action, claim.object_id)

    def release(self, claim: ActionClaim) -> None:
        self.leases.release(self._lease(claim))

    def result(self, object_id: str, action: str) -> Result | None:
        item = self.leases.read(f"{MEETING_PREFIX}{object_id}", action)
        if item.get("state", {}).get("S") != DONE:
            return None
        loaded: Result = json.loads(item.get("result", {}).get("S", "{}"))
        return loaded
