"""What is due now: reminders of the windows starting soon, nudges about the windows that ended.

Read from the window index (never an archive scan): for reminders, the windows starting between now and the
longest reminder offset ahead; for nudges, the windows that ended between the last nudge's moment (and one period
more, for a clock that was down) and the first's. Only approved changes qualify; the backend checks again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from ccm.config import AppConfig
from ccm.domain.due_actions import NudgeAction, ReminderAction, reminder
from ccm.domain.reminders import NudgeRule, reminders_for, tolerance_for
from ccm.domain.status import Status
from ccm.domain.times import format_rfc3339, parse_datetime
from ccm.durations import format_duration, parse_duration
from ccm.storage.catalog import Summary

logger = logging.getLogger(__name__)

EDGE = timedelta(seconds=1)
"""The index reads half-open ranges [start, end); a window starting exactly at the horizon is still in it."""


class WindowSource(Protocol):
    """The window index as the clock reads it (:class:`ccm.storage.catalog.Catalog`)."""

    def starting(self, start: datetime, end: datetime) -> list[Summary]: ...

    def ending(self, start: datetime, end: datetime) -> list[Summary]: ...


@dataclass(frozen=True)
class DueItem:
    action: ReminderAction | NudgeAction
    skip: str | None = None
    """Why it is recorded as skipped instead of handed over (a reminder too late to be useful)."""


def nudge_rule(config: AppConfig) -> NudgeRule:
    nudges = config.nudges
    return NudgeRule(parse_duration(nudges.first_after), parse_duration(nudges.every), nudges.limit)


def _approved_change(summary: Summary) -> bool:
    return summary.kind == "change" and summary.status is Status.APPROVED


class DueWork:
    def __init__(self, config: AppConfig, windows: WindowSource) -> None:
        self.config = config
        self.windows = windows
        self.tolerance = parse_duration(config.reminder_tolerance) if config.reminder_tolerance else None
        self.rule = nudge_rule(config)

    def offsets(self, code: str) -> list[timedelta]:
        return [parse_duration(offset) for offset in self.config.reminders_for(code)]

    def horizon(self) -> timedelta | None:
        """The longest reminder offset of any customer: how far ahead a window may start and be reminded of."""
        offsets = [offset for code in self.config.customer_codes for offset in self.offsets(code)]
        return max(offsets, default=None)

    def all(self, now: datetime) -> list[DueItem]:
        return [*self.reminders(now), *self.nudges(now)]

    def reminders(self, now: datetime) -> list[DueItem]:
        horizon = self.horizon()
        if horizon is None:
            return []
        items: list[DueItem] = []
        for summary in self.windows.starting(now, now + horizon + EDGE):
            if not _approved_change(summary) or summary.window_start is None:
                continue
            start = parse_datetime(summary.window_start)
            for code in summary.customers:
                if code not in self.config.customer_mappings:
                    logger.warning("no reminders of %s for %s: not in config.json", summary.id, code)
                    continue
                plan = reminders_for(start, self.offsets(code), now, self.tolerance)
                for due in plan.due:
                    items.append(DueItem(reminder(summary.id, code, summary.version, due.label, start, due.moment)))
                for late in plan.late:
                    tolerance = tolerance_for(late.offset, self.tolerance)
                    why = (
                        f"the {late.label} reminder was due at {format_rfc3339(late.moment)}, more than "
                        f"{format_duration(tolerance)} before the clock saw it (approved late, or the clock was down)"
                    )
                    action = reminder(summary.id, code, summary.version, late.label, start, late.moment)
                    items.append(DueItem(action, skip=why))
        return items

    def nudges(self, now: datetime) -> list[DueItem]:
        rule = self.rule
        if rule.limit == 0:
            return []
        items: list[DueItem] = []
        since = now - rule.last_after - rule.every
        for summary in self.windows.ending(since, now - rule.first_after + EDGE):
            if not _approved_change(summary) or summary.window_end is None:
                continue
            end = parse_datetime(summary.window_end)
            number = rule.due(end, now)
            if number is None:
                continue
            requester = summary.created_by
            sender = self._sender_for(summary, requester)
            action = NudgeAction(
                object_id=summary.id,
                customer_code=sender or (summary.customers[0] if summary.customers else "none"),
                version=summary.version,
                number=number,
                limit=rule.limit,
                window_end=end,
                requester=requester or "unknown@invalid.example",
                due_at=rule.moment(end, number),
            )
            skip = None
            if sender is None:
                skip = f"no customer of {summary.id} may mail its requester {requester or '(unknown)'}"
            items.append(DueItem(action, skip=skip))
        return items

    def _sender_for(self, summary: Summary, requester: str) -> str | None:
        """The first of the change's customers whose SES account may mail the requester (allow-lists apply)."""
        if not requester or "@" not in requester:
            return None
        for code in sorted(summary.customers):
            mapping = self.config.customer_mappings.get(code)
            if mapping is not None and mapping.allows_recipient(requester):
                return code
        return None
