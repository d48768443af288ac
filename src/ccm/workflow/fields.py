"""Turning what a command carries into a stored object without trusting it with the workflow.

The keys the server owns (status, version, history, meeting details written by the backend, who-and-when stamps)
never reach here (:mod:`ccm.workflow.commands` leaves them out), so a client can neither forge an approval nor
erase the history by sending an old copy back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ccm.config import AppConfig
from ccm.domain.ids import is_announcement_id, is_change_id, validate_id
from ccm.domain.objects import TITLE_LIMIT, Announcement, AnyObject, Change, InvalidDocument, parse_document
from ccm.domain.times import format_rfc3339
from ccm.errors import AnnouncementNotFound, ChangeNotFound
from ccm.workflow.commands import ID_KEYS, SERVER_KEYS, TITLE_KEYS, Kind
from ccm.workflow.errors import InvalidInput

MEETING_KEYS = frozenset({"meetingTime", "meetingDate", "meeting_date", "meeting_metadata", "meeting_id", "join_url"})
"""Not copied into a clone: a clone schedules its own meeting."""


def kind_of_id(object_id: str) -> Kind:
    validate_id(object_id)
    return "change" if is_change_id(object_id) else "announcement"


def require_id(object_id: str, kind: Kind) -> str:
    """A valid id of the given kind; an id of the other kind names nothing under this resource."""
    validate_id(object_id)
    if kind == "change" and not is_change_id(object_id):
        raise ChangeNotFound(object_id)
    if kind == "announcement" and not is_announcement_id(object_id):
        raise AnnouncementNotFound(object_id)
    return object_id


def build(document: Mapping[str, Any], kind: Kind) -> AnyObject:
    try:
        obj = parse_document(dict(document))
    except InvalidDocument as error:
        raise InvalidInput.from_document(error) from None
    if obj.kind != kind:
        raise InvalidInput.one("object_type", f"this endpoint takes a {kind}")
    extra = obj.__pydantic_extra__
    if isinstance(obj, Change) and extra and "meetingDate" in extra and obj.meeting_time is not None:
        # Keep the form's echo in step with the meeting time it was derived from (RFC 3339, UTC).
        extra["meetingDate"] = format_rfc3339(obj.meeting_time)
    return obj


def merge(obj: AnyObject, fields: Mapping[str, Any]) -> AnyObject:
    """``obj`` with the given fields replaced (``null`` clears one); every other key is kept as stored."""
    document = obj.to_document()
    for key in ("object_type", "announcement_type"):
        if key in fields and fields[key] not in (None, document.get(key)):
            raise InvalidInput.one(key, "the type of an existing object cannot change; clone it instead")
    document.update({key: value for key, value in fields.items() if key not in ("object_type", "announcement_type")})
    return build(document, obj.kind)


def assign(target: AnyObject, source: AnyObject) -> None:
    """Make ``target`` (the copy a storage update hands out) hold exactly what ``source`` holds."""
    for name in type(source).model_fields:
        setattr(target, name, getattr(source, name))
    target.__pydantic_extra__ = dict(source.__pydantic_extra__ or {})


def check_customers(obj: AnyObject, config: AppConfig, *, required: bool) -> None:
    unknown = config.unknown_customers(obj.customers)
    if unknown:
        raise InvalidInput.one("customers", f"unknown customer code(s): {', '.join(unknown)}")
    if required and not obj.customers:
        raise InvalidInput.one("customers", "at least one customer is required")


def clone_document(obj: AnyObject) -> dict[str, Any]:
    """The content of ``obj`` for a new object: no id, history, workflow stamps or meeting."""
    document = {
        key: value
        for key, value in obj.to_document().items()
        if key not in SERVER_KEYS and key not in MEETING_KEYS and key != ID_KEYS[obj.kind]
    }
    title_key = TITLE_KEYS[obj.kind]
    document[title_key] = f"Copy of {obj.title}"[:TITLE_LIMIT]
    if isinstance(obj, Announcement):
        document.pop("posted_date", None)
    return document
