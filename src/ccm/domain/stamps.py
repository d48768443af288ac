"""Datetimes as stored documents carry them: read from RFC 3339 text (or a datetime), written back as RFC 3339 UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

from ccm.domain.times import format_rfc3339, parse_datetime


def _to_datetime(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, str | datetime):
        return parse_datetime(value)
    return value


Timestamp = Annotated[datetime, BeforeValidator(_to_datetime), PlainSerializer(format_rfc3339, return_type=str)]
OptionalTimestamp = Annotated[
    datetime | None,
    BeforeValidator(_to_datetime),
    PlainSerializer(lambda v: None if v is None else format_rfc3339(v), return_type=str | None),
]
