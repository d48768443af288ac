"""Durations as config.json writes them: ISO 8601 in weeks, days, hours, minutes and seconds (``P1D``, ``PT1H``).

Months and years have no fixed length, so a reminder "one month before" would mean different things from one
month to the next: they are refused.
"""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def parse_duration(text: str) -> timedelta:
    """``P1D`` -> one day; :class:`ValueError` naming the text for anything else, zero included."""
    match = _DURATION.match(text.strip().upper()) if isinstance(text, str) else None
    if match is None or not any(match.groups()):
        raise ValueError(f"{text!r} is not an ISO 8601 duration of weeks, days, hours, minutes or seconds (e.g. P1D)")
    weeks, days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    duration = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
    if duration <= timedelta(0):
        raise ValueError(f"{text!r} is no time at all; a duration must be positive")
    return duration


def format_duration(duration: timedelta) -> str:
    """The canonical ISO 8601 text of a duration (``P1DT2H``), the same for every way of writing it."""
    days, rest = divmod(int(duration.total_seconds()), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    if not days and not clock:
        return "PT0S"
    return "P" + (f"{days}D" if days else "") + (f"T{clock}" if clock else "")


def in_words(duration: timedelta) -> str:
    """``1 day``, ``3 hours``, ``1 day 12 hours``: how a reminder names its offset to a reader."""
    rest = int(duration.total_seconds())
    parts = []
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    return " ".join(parts) or "no time"
