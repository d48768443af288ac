"""Audit events: what one write of an archived object did, told as events of the append-only audit log.

An event is derived from two consecutive stored versions of an object's document (the one before a write and the
one it wrote) and nothing else, so the audit function and ``ccm audit verify`` compute the same events from the
same versions. Each history entry the write appended becomes one event (a transition, a decision, an edit, a
delivery summary, a deletion); the fields the write changed, before and after, go with them. A write that changed
fields without appending an entry (nothing in the workflow does, but a hand-made write could) still becomes an
event, ``fields_changed``, so no change of an object escapes the log.

An event is identified by (object, version, event): ``event`` is the entry's type, with the customer for the
per-customer entries of the backend (``processed.alpha``) and a counter when an object's history holds the same
name twice at one version (``meeting_updated.2``), so a redelivered write names the same events again.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ccm.domain.times import format_rfc3339, parse_datetime

FIELDS_CHANGED = "fields_changed"
"""The event of a write that changed fields without a history entry of its own."""

BOOKKEEPING_KEYS = frozenset(
    {"modifications", "version", "modifiedAt", "modifiedBy", "modified_at", "modified_by", "prior_status"}
)
"""Keys every write touches: they are in the event itself (version, actor, time), not in its field changes."""

VALUE_LIMIT = 2_000
"""Characters of one before or after value kept in an event; longer texts are cut and marked."""

COMMENT_KEYS = ("comment", "reason", "note")
ON_BEHALF_KEYS = ("on_behalf_of", "onBehalfOf")


class FieldChange(BaseModel):
    """One field a write changed; the values as JSON text, so that every query engine reads them as strings."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    field: str
    before: str | None = None
    after: str | None = None


class AuditEvent(BaseModel):
    """One event of the audit log, as stored (one JSON document per event) and as Athena and DuckDB read it."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    object_id: str
    object_kind: str
    object_type: str
    title: str
    version: int
    event: str
    """The event's name, unique within the object's version: the entry type, ``.customer``, ``.n``."""
    event_type: str
    """The history entry's type (``approved``, ``processed``...) or ``fields_changed``."""
    actor: str
    on_behalf_of: str | None = None
    time: str
    """RFC 3339, UTC: when the entry was recorded."""
    customers: list[str] = Field(default_factory=list)
    customer: str | None = None
    """The customer a per-customer entry (a delivery summary) is about."""
    status: str
    comment: str | None = None
    outcome: str | None = None
    changes: list[FieldChange] = Field(default_factory=list)
    request_id: str | None = None
    source_version_id: str | None = None
    """The S3 version of the archive write the event was read from."""

    @property
    def moment(self) -> datetime:
        return parse_datetime(self.time)

    @property
    def identity(self) -> tuple[str, int, str]:
        return (self.object_id, self.version, self.event)

    def key(self) -> str:
        return event_key(self.object_id, self.version, self.event, self.moment)

    def to_line(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def event_key(object_id: str, version: int, event: str, at: datetime) -> str:
    """Where an event lives in the audit bucket: partitioned by the day it happened (UTC), as Athena reads it."""
    day = at.astimezone(UTC)
    return f"events/year={day:%Y}/month={day:%m}/day={day:%d}/{object_id}.v{version}.{event}.json"


def day_prefix(day: datetime) -> str:
    return f"events/year={day:%Y}/month={day:%m}/day={day:%d}/"


def _json(value: Any) -> str | None:
    if value is None:
        return None
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if len(text) > VALUE_LIMIT:
        return text[:VALUE_LIMIT] + f"… ({len(text)} characters)"
    return text


def field_changes(before: dict[str, Any] | None, after: dict[str, Any]) -> list[FieldChange]:
    """The keys whose values differ between two documents, bookkeeping left out, in key order."""
    old = before or {}
    keys = (set(old) | set(after)) - BOOKKEEPING_KEYS
    return [
        FieldChange(field=key, before=_json(old.get(key)), after=_json(after.get(key)))
        for key in sorted(keys)
        if old.get(key) != after.get(key)
    ]


def _first(entry: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def event_names(entries: list[dict[str, Any]]) -> list[str]:
    """The event name of every entry of a history: its type, ``.customer`` for a per-customer entry, and ``.n``
    for the n-th entry of that name in the history (from the second on). History is only ever appended to, so an
    entry keeps its name in every later version."""
    seen: Counter[str] = Counter()
    names: list[str] = []
    for entry in entries:
        base = str(entry.get("modification_type") or "unknown")
        customer = entry.get("customer_code")
        if customer:
            base = f"{base}.{customer}"
        seen[base] += 1
        names.append(base if seen[base] == 1 else f"{base}.{seen[base]}")
    return names


def _object_facts(document: dict[str, Any]) -> dict[str, Any]:
    announcement_id = document.get("announcement_id")
    if announcement_id:
        return {
            "object_id": str(announcement_id),
            "object_kind": "announcement",
            "object_type": str(document.get("object_type") or "announcement"),
            "title": str(document.get("title") or ""),
        }
    return {
        "object_id": str(document.get("changeId") or ""),
        "object_kind": "change",
        "object_type": "change",
        "title": str(document.get("changeTitle") or ""),
    }


def new_entries(before: dict[str, Any] | None, after: dict[str, Any]) -> int:
    """Where the entries a write appended begin in ``after``'s history (history is only ever appended to)."""
    old = (before or {}).get("modifications") or []
    new = after.get("modifications") or []
    if new[: len(old)] == old:
        return len(old)
    # A history that is not an extension of the previous one (a restore, a hand edit): every entry not found
    # in the previous version is new; they are the tail after the longest common prefix.
    common = 0
    for left, right in zip(old, new, strict=False):
        if left != right:
            break
        common += 1
    return common


def events_of_write(
    before: dict[str, Any] | None, after: dict[str, Any], *, source_version_id: str | None = None
) -> list[AuditEvent]:
    """The events of the write that turned ``before`` (``None`` for a first write) into ``after``."""
    version = int(after.get("version") or 1)
    entries: list[dict[str, Any]] = list(after.get("modifications") or [])
    first_new = new_entries(before, after)
    names = event_names(entries)
    facts = _object_facts(after)
    changes = field_changes(before, after)
    customers = sorted(str(code) for code in after.get("customers") or [])
    status = str(after.get("status") or "")
    events = [
        AuditEvent(
            **facts,
            version=version,
            event=name,
            event_type=str(entry.get("modification_type") or "unknown"),
            actor=str(entry.get("user_id") or "unknown"),
            on_behalf_of=_first(entry, ON_BEHALF_KEYS),
            time=format_rfc3339(parse_datetime(str(entry.get("timestamp")))),
            customers=customers,
            customer=entry.get("customer_code") or None,
            status=status,
            comment=_first(entry, COMMENT_KEYS),
            outcome=entry.get("outcome") or None,
            changes=changes,
            request_id=entry.get("request_id") or None,
            source_version_id=source_version_id,
        )
        for entry, name in zip(entries[first_new:], names[first_new:], strict=True)
    ]
    if not events and changes:
        when = after.get("modifiedAt") or after.get("modified_at") or after.get("deletedAt")
        events.append(
            AuditEvent(
                **facts,
                version=version,
                # Two such writes at one version differ in content: the content names the event.
                event=f"{FIELDS_CHANGED}.{_digest(after)}",
                event_type=FIELDS_CHANGED,
                actor=str(after.get("modifiedBy") or after.get("modified_by") or "unknown"),
                time=format_rfc3339(parse_datetime(str(when))) if when else _epoch(),
                customers=customers,
                status=status,
                changes=changes,
                source_version_id=source_version_id,
            )
        )
    return events


def _digest(document: dict[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def _epoch() -> str:
    # A write without any time of its own still needs a stable key: redelivery must name the same event.
    return "1970-01-01T00:00:00Z"
