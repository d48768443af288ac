"""Freeze windows expanded into occurrences, and which of them a change's window meets.

A recurring freeze is expanded in wall-clock time in its own zone (so "every Friday 16:00 Europe/Berlin" stays
16:00 across the DST changes), then each occurrence is placed on the UTC line. Its duration follows RFC 5545:
weeks and days are calendar days in that zone, hours and minutes exact time. A wall-clock start that does not
exist (inside a spring-forward gap) is read with the offset before the gap, so it moves forward by the gap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from ccm.config import ALL_CUSTOMERS, FreezeWindow, parse_freeze_duration
from ccm.domain.times import format_rfc3339
from ccm.domain.windows import Window


@dataclass(frozen=True, order=True)
class FreezeOccurrence:
    start: datetime
    end: datetime
    name: str
    reason: str
    customers: tuple[str, ...]
    """Codes, or ``("*",)`` for every customer."""
    timezone: str
    recurring: bool

    def applies_to(self, code: str) -> bool:
        return ALL_CUSTOMERS in self.customers or code in self.customers

    def affected(self, codes: Iterable[str]) -> list[str]:
        """Which of ``codes`` this freeze holds."""
        return sorted({code for code in codes if self.applies_to(code)})

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end

    def public(self) -> dict[str, object]:
        return {
            "name": self.name,
            "reason": self.reason,
            "customers": list(self.customers),
            "allCustomers": ALL_CUSTOMERS in self.customers,
            "start": format_rfc3339(self.start),
            "end": format_rfc3339(self.end),
            "timezone": self.timezone,
            "recurring": self.recurring,
        }


@dataclass(frozen=True)
class FreezeHit:
    """A freeze occurrence a window meets, and for which of the window's customers."""

    occurrence: FreezeOccurrence
    customers: list[str]


@lru_cache(maxsize=256)
def _rule(text: str, dtstart: datetime) -> rrule:
    parsed = rrulestr(text, dtstart=dtstart)
    assert isinstance(parsed, rrule)  # an RRULE alone (no RDATE/EXDATE) parses to one rule
    return parsed


def _place(local: datetime, zone: ZoneInfo) -> datetime:
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _occurrence(freeze: FreezeWindow, local_start: datetime, local_end: datetime | None) -> FreezeOccurrence:
    zone = ZoneInfo(freeze.timezone)
    start = _place(local_start, zone)
    if local_end is not None:
        end = _place(local_end, zone)
    else:
        assert freeze.duration is not None
        length = parse_freeze_duration(freeze.duration)
        end = _place(local_start + timedelta(days=length.days), zone) + timedelta(seconds=length.seconds)
    return FreezeOccurrence(
        start=start,
        end=end,
        name=freeze.name,
        reason=freeze.reason,
        customers=tuple(freeze.customers),
        timezone=freeze.timezone,
        recurring=freeze.recurring,
    )


def expand(freeze: FreezeWindow, start: datetime, end: datetime) -> list[FreezeOccurrence]:
    """The occurrences of ``freeze`` that meet [start, end) (aware datetimes), in order."""
    local_start = datetime.fromisoformat(freeze.start)
    if freeze.rrule is None:
        assert freeze.end is not None
        one = _occurrence(freeze, local_start, datetime.fromisoformat(freeze.end))
        return [one] if one.overlaps(start, end) else []
    assert freeze.duration is not None
    length = parse_freeze_duration(freeze.duration)
    zone = ZoneInfo(freeze.timezone)
    # Search in wall-clock time, widened by one occurrence's length and a day for the zone's offsets, then keep
    # exactly the occurrences that meet the range on the UTC line.
    reach = timedelta(days=length.days + 1, seconds=length.seconds)
    after = start.astimezone(zone).replace(tzinfo=None) - reach
    before = end.astimezone(zone).replace(tzinfo=None) + timedelta(days=1)
    found = []
    for local in _rule(freeze.rrule, local_start).between(after, before, inc=True):
        occurrence = _occurrence(freeze, local, None)
        if occurrence.overlaps(start, end):
            found.append(occurrence)
    return found


def occurrences(
    freezes: Sequence[FreezeWindow], start: datetime, end: datetime, customers: Iterable[str] | None = None
) -> list[FreezeOccurrence]:
    """Every occurrence meeting [start, end); with ``customers``, only those holding at least one of them."""
    wanted = list(customers) if customers is not None else None
    found = [
        occurrence
        for freeze in freezes
        for occurrence in expand(freeze, start, end)
        if wanted is None or occurrence.affected(wanted)
    ]
    return sorted(found)


def freezes_met(freezes: Sequence[FreezeWindow], window: Window, customers: Iterable[str]) -> list[FreezeHit]:
    """The freeze occurrences ``window`` meets for any of ``customers``, with the customers each one holds."""
    codes = list(customers)
    return [
        FreezeHit(occurrence, occurrence.affected(codes))
        for occurrence in occurrences(freezes, window.start, window.end, codes)
    ]
