"""RFC 3339 datetimes: stored in UTC with seconds, read with or without an offset."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_TIMEZONE = "America/New_York"
"""The original read offset-less inputs in this zone; kept so old documents mean what they meant."""


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def format_rfc3339(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("refusing to format a naive datetime")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone") from None


def is_timezone(name: str) -> bool:
    return name in _zones()


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES


def parse_datetime(value: str | datetime, default_zone: str = DEFAULT_TIMEZONE) -> datetime:
    """Parse an RFC 3339 string; without an offset it is wall-clock time in ``default_zone``."""
    if isinstance(value, datetime):
        parsed = value
    else:
        text = value.strip()
        if not text:
            raise ValueError("empty datetime")
        try:
            parsed = datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise ValueError(f"{value!r} is not an RFC 3339 datetime") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone(default_zone))
    return parsed.astimezone(UTC)
