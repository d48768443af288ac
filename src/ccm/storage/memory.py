"""The object store in memory: :class:`ccm.storage.port.ObjectRepository` for tests of the workflow.

It keeps what the S3 archive and the DynamoDB catalog keep (objects by location with content ETags, snapshots of
replaced versions, soft-deleted copies, triggers, summary rows) and answers listings with the catalog's rules,
which the contract tests in ``tests/storage`` hold it to.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ccm.domain.objects import AnyObject, parse_document
from ccm.domain.status import Status
from ccm.domain.times import format_rfc3339
from ccm.errors import AlreadyExists, InvalidCursor, ObjectNotFound, VersionConflict
from ccm.storage.archive import (
    UPDATE_ATTEMPTS,
    Location,
    Stored,
    Update,
    VersionEntry,
    location_for,
    location_key,
    normalize_etag,
    snapshot_key,
    trigger_key,
)
from ccm.storage.catalog import MAX_PAGE, Page, Query, Summary, customer_rows_serve
from ccm.storage.port import TriggerNotWritten
from ccm.storage.window_index import feed_visible

LOCATIONS: tuple[Location, Location] = ("archive", "drafts")


def _etag(document: dict[str, Any]) -> str:
    text = json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
    return f'"{hashlib.md5(text, usedforsecurity=False).hexdigest()}"'


@dataclass
class _Snapshot:
    document: dict[str, Any]
    at: datetime
    size: int


@dataclass
class InMemoryRepository:
    """``refuse_triggers_for``: customer codes whose trigger writes fail, as a throttled S3 would make them."""

    refuse_triggers_for: set[str] = field(default_factory=set)
    objects: dict[tuple[Location, str], dict[str, Any]] = field(default_factory=dict)
    snapshots: dict[str, dict[int, _Snapshot]] = field(default_factory=dict)
    deleted: dict[str, dict[str, Any]] = field(default_factory=dict)
    triggers: dict[str, dict[str, Any]] = field(default_factory=dict)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    # -- reading -------------------------------------------------------------------------------------------------

    def _stored(self, location: Location, object_id: str) -> Stored | None:
        document = self.objects.get((location, object_id))
        if document is None:
            return None
        return Stored(parse_document(json.loads(json.dumps(document))), _etag(document), location)

    def get_at(self, location: Location, object_id: str) -> Stored:
        location_key(location, object_id)  # the id is checked as the archive checks it
        found = self._stored(location, object_id)
        if found is None:
            raise ObjectNotFound(object_id)
        return found

    def get(self, object_id: str) -> Stored:
        location_key("archive", object_id)
        for location in LOCATIONS:
            found = self._stored(location, object_id)
            if found is not None:
                return found
        raise ObjectNotFound(object_id)

    def get_if_changed(self, object_id: str, etag: str | None) -> Stored | None:
        current = self.get(object_id)
        return None if current.etag == normalize_etag(etag) else current

    # -- writing -------------------------------------------------------------------------------------------------

    def create(self, obj: AnyObject, location: Location | None = None) -> Stored:
        where = location or location_for(obj.status)
        with self._lock:
            location_key(where, obj.id)
            if (where, obj.id) in self.objects:
                raise AlreadyExists(obj.id)
            document = obj.to_document()
            self.objects[(where, obj.id)] = document
            return Stored(obj, _etag(document), where)

    def _replace(self, before: Stored, obj: AnyObject, *, snapshot: bool) -> Stored:
        current = self._stored(before.location, before.obj.id)
        if current is None or current.etag != before.etag:
            raise VersionConflict(obj.id, current.etag if current else None, current.document if current else None)
        if snapshot:
            text = json.dumps(before.document, indent=2).encode()
            kept = self.snapshots.setdefault(obj.id, {})
            kept.setdefault(before.obj.version, _Snapshot(before.document, self.clock(), len(text)))
        document = obj.to_document()
        self.objects[(before.location, obj.id)] = document
        return Stored(obj, _etag(document), before.location)

    def update(
        self,
        object_id: str,
        change: Callable[[AnyObject], object],
        *,
        expected_etag: str | None = None,
        bump_version: bool = True,
        location: Location | None = None,
    ) -> Update:
        wanted = normalize_etag(expected_etag)
        for _ in range(UPDATE_ATTEMPTS):
            before = self.get_at(location, object_id) if location else self.get(object_id)
            if wanted is not None and before.etag != wanted:
                raise VersionConflict(object_id, before.etag, before.document)
            obj = before.obj.model_copy(deep=True)
            change(obj)
            if bump_version:
                obj.version = before.obj.version + 1
            with self._lock:
                current = self._stored(before.location, object_id)
                if current is not None and current.etag == before.etag:
                    return Update(before, self._replace(before, obj, snapshot=bump_version))
            if wanted is not None:
                raise VersionConflict(object_id, current.etag if current else None, None)
        raise VersionConflict(object_id, None, None)

    def move(self, before: Stored, obj: AnyObject, to: Location, *, reason: str, by: str, at: datetime) -> Update:
        after = self.create(obj, to)
        self.retire(before, reason=reason, by=by, at=at)
        return Update(before, after)

    def retire(self, stored: Stored, *, reason: str, by: str, at: datetime) -> str:
        with self._lock:
            current = self._stored(stored.location, stored.obj.id)
            if current is None or current.etag != stored.etag:
                raise VersionConflict(
                    stored.obj.id, current.etag if current else None, current.document if current else None
                )
            document = stored.document
            document.update(
                {"deletedAt": format_rfc3339(at), "deletedBy": by, "deletionReason": reason, "originalPath": stored.key}
            )
            key = f"deleted/{stored.key}"
            self.deleted[key] = document
            del self.objects[(stored.location, stored.obj.id)]
            return key

    def versions(self, object_id: str) -> list[VersionEntry]:
        kept = self.snapshots.get(object_id, {})
        entries = [
            VersionEntry(version, snapshot_key(object_id, version), snapshot.at, snapshot.size)
            for version, snapshot in kept.items()
        ]
        return sorted(entries, key=lambda entry: entry.version, reverse=True)

    def version(self, object_id: str, version: int) -> dict[str, Any]:
        snapshot = self.snapshots.get(object_id, {}).get(version)
        if snapshot is None:
            raise ObjectNotFound(f"{object_id} v{version}", "version")
        return dict(snapshot.document)

    def put_trigger(self, customer_code: str, obj: AnyObject, request_type: str) -> str:
        key = trigger_key(customer_code, obj.id)
        if customer_code in self.refuse_triggers_for:
            raise TriggerNotWritten(f"the trigger {key} was refused: SlowDown")
        self.triggers[key] = {**obj.to_document(), "request-type": request_type}
        return key

    def put_notice(self, customer_code: str, notice_id: str, body: dict[str, Any]) -> str:
        key = trigger_key(customer_code, notice_id)
        if customer_code in self.refuse_triggers_for:
            raise TriggerNotWritten(f"the trigger {key} was refused: SlowDown")
        self.triggers[key] = dict(body)
        return key

    # -- the catalog ---------------------------------------------------------------------------------------------

    def review_due(self, until: str | None = None) -> list[Summary]:
        due = [s for s in self._summaries() if s.review_due_by and (until is None or s.review_due_by <= until)]
        return sorted(due, key=lambda summary: (summary.review_due_by or "", summary.id))

    def _summaries(self) -> list[Summary]:
        found: dict[str, Summary] = {}
        for location, object_id in list(self.objects):
            stored = self._stored(location, object_id)
            if stored is not None and (object_id not in found or location == "archive"):
                found[object_id] = Summary.from_stored(stored)
        return list(found.values())

    def query(self, query: Query) -> Page:
        limit = max(1, min(query.limit, MAX_PAGE))
        listing = _listing(query)
        rows = sorted((s for s in self._summaries() if _matches(s, query)), key=lambda s: s.order, reverse=True)
        if query.cursor:
            after = _decode(query.cursor, listing)
            rows = [summary for summary in rows if summary.order < after]
        page = rows[:limit]
        cursor = _encode(listing, page[-1].order) if len(rows) > limit else None
        return Page(page, cursor)

    def windows(self, start: datetime, end: datetime) -> list[Summary]:
        begin, finish = format_rfc3339(start), format_rfc3339(end)
        found = [
            summary
            for summary in self._summaries()
            if summary.window_start is not None
            and summary.window_end is not None
            and summary.window_start < finish
            and summary.window_end > begin
        ]
        return sorted(found, key=lambda summary: (summary.window_start or "", summary.id))

    def feed(self, customer_code: str, since: datetime) -> list[Summary]:
        after = format_rfc3339(since)
        found = [
            summary
            for summary in self._summaries()
            if customer_code in summary.customers
            and feed_visible(summary)
            and summary.window_end is not None
            and summary.window_end > after
        ]
        return sorted(found, key=lambda summary: (summary.window_start or "", summary.id))

    def counts(self, kind: str, creator: str | None = None) -> dict[str, int]:
        counts = {status.value: 0 for status in Status}
        for summary in self._summaries():
            if summary.kind == kind and (creator is None or summary.created_by == creator.lower()):
                counts[summary.status.value] += 1
        return counts


def _listing(query: Query) -> str:
    """Which listing a cursor belongs to: the catalog index and partition the query reads."""
    if query.creator:
        return f"creator:{query.kind}#{query.creator.lower()}"
    if query.status:
        return f"status:{query.kind}#{query.status.value}"
    if customer_rows_serve(query):
        return f"customer:{query.kind}#{query.customer}"
    return f"kind:{query.kind}"


def _matches(summary: Summary, query: Query) -> bool:
    checks = [
        summary.kind == query.kind,
        query.status is None or summary.status is query.status,
        query.creator is None or summary.created_by == query.creator.lower(),
        query.customer is None or query.customer in summary.customers,
        query.object_type is None or summary.object_type == query.object_type,
        query.outcome is None or summary.outcome == query.outcome,
        query.change_type is None or summary.change_type == query.change_type,
        query.risk is None or summary.risk == query.risk,
        not query.text or query.text.strip().lower() in summary.search_text,
        not query.creator_contains or query.creator_contains.strip().lower() in summary.created_by,
        not query.customers_any or any(code in summary.customers for code in query.customers_any),
        query.modified_from is None or summary.order >= query.modified_from,
        query.modified_to is None or summary.order <= query.modified_to + "~",
        # Drafts are their owner's; a listing by creator is that creator's own already.
        query.viewer is None
        or query.creator is not None
        or summary.status is not Status.DRAFT
        or summary.created_by == query.viewer.lower(),
    ]
    return all(checks)


def _encode(listing: str, order: str) -> str:
    raw = json.dumps({"l": listing, "o": order}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, listing: str) -> str:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidCursor() from None
    if not isinstance(data, dict) or data.get("l") != listing or not isinstance(data.get("o"), str):
        raise InvalidCursor()
    return str(data["o"])
