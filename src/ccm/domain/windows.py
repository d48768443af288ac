"""When an object happens: a change's implementation window, an announcement's meeting.

The calendar, the conflict warnings, the freeze check and the customers' feeds all read windows through here,
so they agree on what a window is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ccm.domain.objects import Announcement, AnyObject, Change
from ccm.domain.times import DEFAULT_TIMEZONE, is_timezone

DEFAULT_MEETING_MINUTES = 60


@dataclass(frozen=True, order=True)
class Window:
    """A half-open interval [start, end) in UTC, with the zone its owner thinks in."""

    start: datetime
    end: datetime
    timezone: str

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end

    def overlap(self, other: Window) -> tuple[datetime, datetime] | None:
        start, end = max(self.start, other.start), min(self.end, other.end)
        return (start, end) if start < end else None


def _minutes(value: int | str | None) -> int:
    try:
        minutes = int(str(value).strip()) if value not in (None, "") else DEFAULT_MEETING_MINUTES
    except ValueError:
        return DEFAULT_MEETING_MINUTES
    return minutes if minutes > 0 else DEFAULT_MEETING_MINUTES


def object_window(obj: AnyObject) -> Window | None:
    """A change's implementation window; an announcement's meeting when it has one; otherwise ``None``."""
    if isinstance(obj, Change):
        start, end = obj.implementation_start, obj.implementation_end
        if start is None or end is None or start >= end:
            return None
        return Window(start, end, obj.timezone)
    assert isinstance(obj, Announcement)
    if not obj.include_meeting or obj.meeting_date is None:
        return None
    zone = obj.meeting_timezone if obj.meeting_timezone and is_timezone(obj.meeting_timezone) else DEFAULT_TIMEZONE
    return Window(obj.meeting_date, obj.meeting_date + timedelta(minutes=_minutes(obj.meeting_duration)), zone)
