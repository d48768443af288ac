"""Audit events of administrative rows: standard change templates and delegations, told from the row before and
after one write of it, as the table's stream hands them over.

Those rows are not archived objects with a history, so the row itself says who wrote it (templates carry
``modifiedBy``, delegations ``set_by`` and, in the write that precedes their deletion, ``removed_by``) and which
version it is: a template's ``version``; a delegation's ``set_at`` in whole seconds since 1970, which every new
setting changes and which its removal keeps, so (object, version, event) names each setting and its end once.
The event's object is the template's id (``T-3``) or ``delegation-<approver>``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from ccm.domain.audit import AuditEvent, field_changes
from ccm.domain.times import format_rfc3339, parse_datetime

DELEGATION_OBJECT_PREFIX = "delegation-"
TEMPLATE_BOOKKEEPING = frozenset({"id", "createdBy", "createdAt"})
"""Fields of a template told by the event itself (object, actor, time) rather than among its changes."""
DELEGATION_FIELDS = ("approver", "delegate", "starts", "ends", "approver_groups", "set_at", "set_by")
REMOVAL_STAMP = ("removed_by", "removed_at")
"""What the write before a delegation's deletion adds, so the deletion's old image names who ended it."""
UNKNOWN_ACTOR = "unknown"


class AdminEvent(StrEnum):
    TEMPLATE_CREATED = "template_created"
    TEMPLATE_UPDATED = "template_updated"
    TEMPLATE_RETIRED = "template_retired"
    TEMPLATE_DELETED = "template_deleted"
    DELEGATION_SET = "delegation_set"
    DELEGATION_REMOVED = "delegation_removed"


def _event(
    *,
    object_id: str,
    object_kind: str,
    title: str,
    version: int,
    event: AdminEvent,
    actor: str,
    time: str,
    status: str,
    changes: Any,
) -> AuditEvent:
    return AuditEvent(
        object_id=object_id,
        object_kind=object_kind,
        object_type=object_kind,
        title=title,
        version=version,
        event=event.value,
        event_type=event.value,
        actor=actor or UNKNOWN_ACTOR,
        time=time,
        status=status,
        changes=changes,
    )


def _stamp(value: Any, fallback: datetime) -> str:
    return format_rfc3339(parse_datetime(str(value))) if value else format_rfc3339(fallback)


def template_events(before: dict[str, Any] | None, after: dict[str, Any] | None, at: datetime) -> list[AuditEvent]:
    """The event of one write of a template's document (``None`` before its creation, after its deletion);
    ``at`` is when the table recorded the write, the time of a deletion."""
    current = after if after is not None else before
    if current is None:
        return []
    old = {k: v for k, v in (before or {}).items() if k not in TEMPLATE_BOOKKEEPING}
    new = {k: v for k, v in (after or {}).items() if k not in TEMPLATE_BOOKKEEPING}
    changes = field_changes(old, new)
    if after is None:
        kind, actor, time = AdminEvent.TEMPLATE_DELETED, UNKNOWN_ACTOR, format_rfc3339(at)
    elif before is None:
        kind, actor = AdminEvent.TEMPLATE_CREATED, str(after.get("createdBy") or "")
        time = _stamp(after.get("createdAt"), at)
    else:
        if not changes and before.get("version") == after.get("version"):
            return []  # the same document written again: nothing happened
        retiring = bool(after.get("retired")) and not before.get("retired")
        kind = AdminEvent.TEMPLATE_RETIRED if retiring else AdminEvent.TEMPLATE_UPDATED
        actor, time = str(after.get("modifiedBy") or ""), _stamp(after.get("modifiedAt"), at)
    status = "deleted" if after is None else ("retired" if current.get("retired") else "active")
    return [
        _event(
            object_id=str(current.get("id") or ""),
            object_kind="template",
            title=str(current.get("name") or ""),
            version=int(current.get("version") or 1),
            event=kind,
            actor=actor,
            time=time,
            status=status,
            changes=changes,
        )
    ]


def delegation_version(row: dict[str, Any]) -> int:
    """A delegation's version: when it was set, in seconds since 1970 (what the row carries that each setting
    changes)."""
    return int(parse_datetime(str(row["set_at"])).timestamp())


def _delegation_fields(row: dict[str, Any] | None) -> dict[str, Any]:
    return {name: row[name] for name in DELEGATION_FIELDS if row is not None and row.get(name) is not None}


def delegation_events(before: dict[str, Any] | None, after: dict[str, Any] | None, at: datetime) -> list[AuditEvent]:
    """The event of one write of an approver's delegation row (``None`` before it was set, after its removal)."""
    current = after if after is not None else before
    if current is None or not current.get("set_at"):
        return []
    approver = str(current.get("approver") or "")
    title = f"{approver} delegates to {current.get('delegate') or ''}"
    if after is None:
        assert before is not None
        return [
            _event(
                object_id=f"{DELEGATION_OBJECT_PREFIX}{approver}",
                object_kind="delegation",
                title=title,
                version=delegation_version(before),
                event=AdminEvent.DELEGATION_REMOVED,
                actor=str(before.get("removed_by") or UNKNOWN_ACTOR),
                time=_stamp(before.get("removed_at"), at),
                status="removed",
                changes=field_changes(_delegation_fields(before), {}),
            )
        ]
    changes = field_changes(_delegation_fields(before), _delegation_fields(after))
    if not changes:
        return []  # the removal stamp, or the same delegation written again: the deletion tells the rest
    return [
        _event(
            object_id=f"{DELEGATION_OBJECT_PREFIX}{approver}",
            object_kind="delegation",
            title=title,
            version=delegation_version(after),
            event=AdminEvent.DELEGATION_SET,
            # Rows written before set_by existed were set by their approver: nobody else can set one.
            actor=str(after.get("set_by") or approver),
            time=_stamp(after.get("set_at"), at),
            status="set",
            changes=changes,
        )
    ]
