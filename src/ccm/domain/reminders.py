"""When time-driven notices are due: reminders before a window starts, nudges after it ended.

Offsets are durations (:mod:`ccm.durations`). Pure functions of the window, the offsets and "now", so every
rule is tested without waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ccm.durations import format_duration

MIN_TOLERANCE = timedelta(minutes=15)
"""However short the offset, a reminder may be this late: the clock runs every 5 minutes and may run late."""
TOLERANCE_SHARE = 4
"""Without a configured tolerance, a reminder may be a quarter of its offset late ("in 1 day" sent 6 hours late)."""


def tolerance_for(offset: timedelta, configured: timedelta | None = None) -> timedelta:
    """How late a reminder at ``offset`` may still be sent."""
    if configured is not None:
        return configured
    return max(MIN_TOLERANCE, offset / TOLERANCE_SHARE)


@dataclass(frozen=True)
class Reminder:
    """A reminder of one window at one offset: when it is meant to go out."""

    offset: timedelta
    moment: datetime

    @property
    def label(self) -> str:
        return format_duration(self.offset)


@dataclass(frozen=True)
class ReminderPlan:
    due: list[Reminder]
    """Meant for now or a moment ago, within tolerance: send them."""
    late: list[Reminder]
    """Their moment passed by more than their tolerance (approved too late, or the clock was down): skip them."""


def reminders_for(
    start: datetime, offsets: list[timedelta], now: datetime, tolerance: timedelta | None = None
) -> ReminderPlan:
    """The reminders of a window starting at ``start`` that are due at ``now``; none once the window started."""
    due: list[Reminder] = []
    late: list[Reminder] = []
    if now >= start:
        return ReminderPlan(due, late)
    for offset in sorted(set(offsets), reverse=True):
        reminder = Reminder(offset, start - offset)
        if reminder.moment > now:
            continue
        (late if now - reminder.moment > tolerance_for(offset, tolerance) else due).append(reminder)
    return ReminderPlan(due, late)


@dataclass(frozen=True)
class NudgeRule:
    """Nudges to the requester after a window ended: the first ``first_after`` the end, then every ``every``."""

    first_after: timedelta = timedelta(hours=1)
    every: timedelta = timedelta(days=1)
    limit: int = 3

    def moment(self, end: datetime, number: int) -> datetime:
        return end + self.first_after + (number - 1) * self.every

    def due(self, end: datetime, now: datetime) -> int | None:
        """The number (1 to ``limit``) of the latest nudge due at ``now``; ``None`` before the first.

        A nudge missed while the clock was down is not sent late beside the next one: only the latest counts.
        """
        if now < self.moment(end, 1):
            return None
        passed = int((now - self.moment(end, 1)) / self.every) + 1
        return min(passed, self.limit)

    @property
    def last_after(self) -> timedelta:
        """How long after the end the last nudge is due."""
        return self.first_after + (self.limit - 1) * self.every
