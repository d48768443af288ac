"""How long a meeting lasts, from the free-form ``meetingDuration``/``meeting_duration`` a form or client sent."""

from __future__ import annotations

import re
from datetime import timedelta

DEFAULT_DURATION = timedelta(hours=1)
MAX_DURATION = timedelta(hours=24)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|mins|minute|minutes|h|hr|hrs|hour|hours)?\s*$", re.IGNORECASE)


def meeting_length(value: int | str | None) -> timedelta:
    """Minutes as a number or text ("90", "90 minutes", "2 hours"); anything else is the default hour."""
    if value is None or isinstance(value, bool):
        return DEFAULT_DURATION
    match = _DURATION.match(str(value))
    if match is None:
        return DEFAULT_DURATION
    amount, unit = float(match.group(1)), (match.group(2) or "m").lower()
    duration = timedelta(hours=amount) if unit.startswith("h") else timedelta(minutes=amount)
    return duration if timedelta(0) < duration <= MAX_DURATION else DEFAULT_DURATION
