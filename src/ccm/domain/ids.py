"""Object ids: generated as ``<PREFIX>-<uuid4>``, validated before they ever reach a storage key."""

from __future__ import annotations

import re
import uuid
from enum import StrEnum

from ccm.errors import InvalidId


class AnnouncementType(StrEnum):
    CIC = "cic"
    FINOPS = "finops"
    INNERSOURCE = "innersource"
    GENERAL = "general"


CHANGE_PREFIX = "CHG"
ANNOUNCEMENT_PREFIXES: dict[AnnouncementType, str] = {
    AnnouncementType.CIC: "CIC",
    AnnouncementType.FINOPS: "FIN",
    AnnouncementType.INNERSOURCE: "INN",
    AnnouncementType.GENERAL: "GEN",
}

_ID = re.compile(r"^(CHG|CIC|FIN|INN|GEN)-[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")


def new_change_id() -> str:
    return f"{CHANGE_PREFIX}-{uuid.uuid4()}"


def new_announcement_id(kind: AnnouncementType) -> str:
    return f"{ANNOUNCEMENT_PREFIXES[kind]}-{uuid.uuid4()}"


def validate_id(value: str) -> str:
    """Accept only ids that are safe as one S3 key segment: no ``/``, no ``..``, nothing empty."""
    if not isinstance(value, str) or not value:
        raise InvalidId(str(value), "it is empty")
    if "/" in value or "\\" in value or ".." in value:
        raise InvalidId(value, "it contains a path separator")
    if not _ID.match(value):
        raise InvalidId(
            value,
            "expected CHG-, CIC-, FIN-, INN- or GEN- followed by letters, digits, '-' or '_' (at most 100)",
        )
    return value


NOTICE_PREFIX = "DLG"
FEEDBACK_NOTICE_PREFIX = "FBK"
_NOTICE_ID = re.compile(r"^(DLG|FBK)-[0-9a-f]{20}-[0-9]{8}T[0-9]{6}$")


def is_notice_id(value: str) -> bool:
    """A notice: a trigger that names no change or announcement; a delegation notice (``DLG-...``) or a low
    rating to tell the requester of (``FBK-...``)."""
    return bool(_NOTICE_ID.match(value))


def is_feedback_notice_id(value: str) -> bool:
    return is_notice_id(value) and value.startswith(f"{FEEDBACK_NOTICE_PREFIX}-")


def is_change_id(value: str) -> bool:
    return value.startswith(f"{CHANGE_PREFIX}-")


def is_announcement_id(value: str) -> bool:
    return value.split("-", 1)[0] in ANNOUNCEMENT_PREFIXES.values()
