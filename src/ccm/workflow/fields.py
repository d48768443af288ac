"""Turning what a client sends into a stored object without trusting it with the workflow.

Clients send whole documents (the portal always did); the keys the server owns (status, version, history,
meeting details written by the backend, who-and-when stamps) are ignored, so a client can neither forge an
approval nor erase the history by sending an old copy back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from ccm.config import AppConfig
from ccm.domain.ids import ANNOUNCEMENT_PREFIXES, AnnouncementType, is_announcement_id, is_change_id, validate_id
from ccm.domain.objects import Announcement, AnyObject, Change, InvalidDocument, parse_document
from ccm.domain.times import format_rfc3339
from ccm.errors import AnnouncementNotFound, ChangeNotFound, InvalidId
from ccm.workflow.errors import InvalidInput, Problem

Kind = Literal["change", "announcement"]

SERVER_KEYS = frozenset(
    {
        "status",
        "prior_status",
        "version",
        "modifications",
        "meeting_metadata",
        "createdAt",
        "createdBy",
        "modifiedAt",
        "modifiedBy",
        "submittedAt",
        "submittedBy",
        "approvedAt",
        "approvedBy",
        "completedAt",
        "completedBy",
        "cancelledAt",
        "cancelledBy",
        "created_at",
        "created_by",
        "modified_at",
        "modified_by",
        "deletedAt",
        "deletedBy",
        "deletionReason",
        "originalPath",
        "meeting_id",
        "join_url",
        "lastModified",
        "size",
        "previous_version",
        "customer_changes",
        "customer_operations",
        "action",
        "modification",
        "survey_id",
        "survey_url",
        "survey_created_at",
    }
)
"""Owned by the server or the backend; whatever a client sends under these keys is ignored."""

MEETING_KEYS = frozenset({"meetingTime", "meetingDate", "meeting_date", "meeting_metadata", "meeting_id", "join_url"})
"""Not copied into a clone: a clone schedules its own meeting."""

ID_KEYS: dict[Kind, str] = {"change": "changeId", "announcement": "announcement_id"}
TITLE_KEYS: dict[Kind, str] = {"change": "changeTitle", "announcement": "title"}
TITLE_LIMIT = 300


def kind_of(fields: Mapping[str, Any]) -> Kind:
    object_type = str(fields.get("object_type") or "")
    if object_type.startswith("announcement_") or "announcement_type" in fields:
        return "announcement"
    if not object_type and is_announcement_id(str(fields.get("announcement_id") or "")):
        return "announcement"
    return "change"


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


def given_id(fields: Mapping[str, Any], kind: Kind) -> str | None:
    """The id the client chose for a new object, checked; ``None`` lets the server choose."""
    key = ID_KEYS[kind]
    value = fields.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput.one(key, "must be a string")
    try:
        validate_id(value)
    except InvalidId as error:
        raise InvalidInput.one(key, error.reason) from None
    if (kind == "change") != is_change_id(value):
        wanted = "CHG-" if kind == "change" else "/".join(f"{p}-" for p in ANNOUNCEMENT_PREFIXES.values())
        raise InvalidInput.one(key, f"must start with {wanted}")
    return value


def announcement_type(fields: Mapping[str, Any]) -> AnnouncementType:
    raw = fields.get("announcement_type") or str(fields.get("object_type") or "").removeprefix("announcement_")
    try:
        return AnnouncementType(str(raw))
    except ValueError:
        allowed = ", ".join(kind.value for kind in AnnouncementType)
        raise InvalidInput.one("announcement_type", f"must be one of {allowed}") from None


def client_fields(fields: Mapping[str, Any], kind: Kind, object_id: str | None = None) -> dict[str, Any]:
    """The keys a client may set, normalized; the id must match ``object_id`` when one is given."""
    problems: list[Problem] = []
    if fields.get("metadata") not in (None, {}, ""):
        problems.append(Problem("metadata", "is not accepted on changes or announcements"))
    if fields.get("source") not in (None, ""):
        problems.append(Problem("source", "is not accepted on changes or announcements"))
    id_key = ID_KEYS[kind]
    if object_id is not None and fields.get(id_key) not in (None, "", object_id):
        problems.append(Problem(id_key, f"does not match the id in the path ({object_id})"))
    if problems:
        raise InvalidInput(problems)
    cleaned = {key: value for key, value in fields.items() if key not in SERVER_KEYS and key != id_key}
    if kind == "change":
        # The form sends the meeting as ``meetingDate``; the backend reads ``meetingTime`` and ``include_meeting``.
        if cleaned.get("meetingDate") and "meetingTime" not in cleaned:
            cleaned["meetingTime"] = cleaned["meetingDate"]
        if "meetingRequired" in cleaned and "include_meeting" not in cleaned:
            cleaned["include_meeting"] = cleaned["meetingRequired"] == "yes"
    return cleaned


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
    if len(obj.title) > TITLE_LIMIT:
        raise InvalidInput.one(TITLE_KEYS[kind], f"must be at most {TITLE_LIMIT} characters")
    if not obj.title.strip():
        raise InvalidInput.one(TITLE_KEYS[kind], "must not be empty")
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
