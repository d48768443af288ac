"""One run of the clock: find what is due, claim each action once, hand it over, and say what happened.

A run may come late, twice, or beside another one: every action is claimed in the table before it is handed over
(:mod:`ccm.storage.clock_claims`), so only one run hands it over. A hand-over that fails frees its claim for the
next run, and the run reports failure (the function's error alarm tells the operators).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ccm.clock.due import DueItem, DueWork
from ccm.clock.handover import Handover
from ccm.domain.times import format_rfc3339, utc_now
from ccm.errors import CcmError
from ccm.storage.clock_claims import HANDED, SKIPPED
from ccm.storage.leases import Lease

logger = logging.getLogger(__name__)

FINISHED = frozenset({HANDED, SKIPPED})


class Claims(Protocol):
    """:class:`ccm.storage.clock_claims.DynamoClockClaims`."""

    def state(self, object_id: str, action: str) -> str | None: ...

    def claim(self, object_id: str, action: str) -> Lease | None: ...

    def handed(self, lease: Lease) -> None: ...

    def skipped(self, lease: Lease, reason: str) -> None: ...

    def release(self, lease: Lease) -> None: ...


@dataclass
class ClockReport:
    now: datetime
    due: int = 0
    handed: Counter[str] = field(default_factory=Counter)
    skipped: int = 0
    already: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        return {
            "now": format_rfc3339(self.now),
            "due": self.due,
            "handed": dict(self.handed),
            "skipped": self.skipped,
            "already": self.already,
            "failed": self.failed,
            "errors": self.errors[:10],
        }


class ClockFailed(CcmError):
    """Some actions could not be handed over; their claims were freed for the next run."""

    def __init__(self, report: ClockReport) -> None:
        super().__init__(f"{report.failed} of {report.due} due action(s) could not be handed over: {report.errors[:3]}")
        self.report = report


class Clock:
    def __init__(
        self, due: DueWork, claims: Claims, handover: Handover, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.due = due
        self.claims = claims
        self.handover = handover
        self.clock = clock

    def run(self, now: datetime | None = None) -> ClockReport:
        """Hand over everything due at ``now`` (default: the clock's time); :class:`ClockFailed` if some failed."""
        report = ClockReport(now or self.clock())
        items = self.due.all(report.now)
        report.due = len(items)
        for item in items:
            self._one(item, report)
        logger.info("clock at %s: %s", format_rfc3339(report.now), report.public())
        if report.failed:
            raise ClockFailed(report)
        return report

    def _one(self, item: DueItem, report: ClockReport) -> None:
        action = item.action
        # Most due actions were handed over by an earlier run: a read is cheaper than a refused conditional write.
        if self.claims.state(action.object_id, action.key) in FINISHED:
            report.already += 1
            return
        lease = self.claims.claim(action.object_id, action.key)
        if lease is None:
            report.already += 1
            return
        if item.skip is not None:
            self.claims.skipped(lease, item.skip)
            logger.info("skipped %s of %s: %s", action.action, action.object_id, item.skip)
            report.skipped += 1
            return
        try:
            self.handover.send(action)
        except Exception as error:
            self.claims.release(lease)
            logger.exception(
                "could not hand %s of %s to %s's queue", action.action, action.object_id, action.customer_code
            )
            report.failed += 1
            report.errors.append(f"{action.action} {action.object_id} ({action.customer_code}): {error}")
            return
        self.claims.handed(lease)
        report.handed[action.action] += 1
