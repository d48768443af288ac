"""The date and time rules a change or announcement must meet when it is saved.

* every datetime is RFC 3339 (an offset-less one is wall-clock time in the change's own zone)
* the implementation window starts before it ends and spans at most 365 days
* no date lies more than 50 years back or 10 years ahead
* a meeting, when it is set or moved, is no more than 5 minutes in the past and at most 2 years ahead

The error types are the ones the original API reported, so existing clients keep understanding them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from ccm.domain.objects import Announcement, AnyObject, Change
from ccm.domain.times import parse_datetime
from ccm.workflow.errors import InvalidInput, Problem

INVALID_FORMAT = "INVALID_FORMAT"
INVALID_RANGE = "INVALID_RANGE"
PAST_DATE = "PAST_DATE"
FUTURE_DATE = "FUTURE_DATE"

MAX_WINDOW = timedelta(days=365)
MEETING_GRACE = timedelta(minutes=5)
MEETING_HORIZON = timedelta(days=2 * 365)
OLDEST = timedelta(days=50 * 365)
FURTHEST = timedelta(days=10 * 365)

DATETIME_KEYS = (
    "implementationStart",
    "implementationEnd",
    "meetingTime",
    "meetingDate",
    "meeting_date",
    "posted_date",
)


def check_formats(fields: Mapping[str, Any]) -> None:
    """Report every unreadable datetime the client sent, before anything else looks at the document."""
    problems = []
    for key in DATETIME_KEYS:
        value = fields.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            problems.append(Problem(key, "must be an RFC 3339 datetime string", INVALID_FORMAT))
            continue
        try:
            parse_datetime(value, "UTC")
        except ValueError:
            problems.append(Problem(key, f"{value!r} is not an RFC 3339 datetime", INVALID_FORMAT))
    if problems:
        raise InvalidInput(problems)


def meeting_time(obj: AnyObject) -> datetime | None:
    if isinstance(obj, Change):
        return obj.meeting_time
    assert isinstance(obj, Announcement)
    return obj.meeting_date


def _meeting_key(obj: AnyObject) -> str:
    return "meetingTime" if isinstance(obj, Change) else "meeting_date"


def check_schedule(obj: AnyObject, now: datetime, *, meeting_moved: bool) -> None:
    """Raise :class:`InvalidInput` naming every rule ``obj`` breaks; the meeting rule only if it moved."""
    problems: list[Problem] = []
    dated: list[tuple[str, datetime | None]] = [(_meeting_key(obj), meeting_time(obj))]
    if isinstance(obj, Change):
        start, end = obj.implementation_start, obj.implementation_end
        dated += [("implementationStart", start), ("implementationEnd", end)]
        if start is not None and end is not None:
            if start >= end:
                problems.append(Problem("implementationEnd", "must be after implementationStart", INVALID_RANGE))
            elif end - start > MAX_WINDOW:
                problems.append(Problem("implementationEnd", "the window may span at most 365 days", INVALID_RANGE))
    for key, value in dated:
        if value is None:
            continue
        if value < now - OLDEST:
            problems.append(Problem(key, "lies more than 50 years in the past", PAST_DATE))
        elif value > now + FURTHEST:
            problems.append(Problem(key, "lies more than 10 years in the future", FUTURE_DATE))
    when = meeting_time(obj)
    if meeting_moved and when is not None:
        key = _meeting_key(obj)
        if when < now - MEETING_GRACE:
            problems.append(Problem(key, "the meeting may not be in the past", PAST_DATE))
        elif when > now + MEETING_HORIZON:
            problems.append(Problem(key, "the meeting may be at most 2 years ahead", FUTURE_DATE))
    if problems:
        raise InvalidInput(_unique(problems))


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    kept = []
    for problem in problems:
        if (problem.field, problem.message) not in seen:
            seen.add((problem.field, problem.message))
            kept.append(problem)
    return kept
