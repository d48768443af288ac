"""The object store on AWS: the S3 archive and the DynamoDB catalog written in one code path, every archive write
followed by its catalog row. It implements :class:`ccm.storage.port.ObjectRepository`; SDK errors become the
port's errors here."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ccm.domain.objects import AnyObject
from ccm.errors import ObjectNotFound
from ccm.storage.archive import ArchiveStore, Location, Stored, Update, VersionEntry
from ccm.storage.catalog import Catalog, CatalogDrift, Page, Query, Summary
from ccm.storage.port import TriggerNotWritten

logger = logging.getLogger(__name__)


def _summary(stored: Stored | None) -> Summary | None:
    return Summary.from_stored(stored) if stored is not None else None


class Repository:
    def __init__(self, archive: ArchiveStore, catalog: Catalog) -> None:
        self.archive = archive
        self.catalog = catalog

    def get(self, object_id: str) -> Stored:
        return self.archive.read(object_id)

    def get_at(self, location: Location, object_id: str) -> Stored:
        return self.archive.read_at(location, object_id)

    def get_if_changed(self, object_id: str, etag: str | None) -> Stored | None:
        return self.archive.read_if_changed(object_id, etag)

    def versions(self, object_id: str) -> list[VersionEntry]:
        return self.archive.list_versions(object_id)

    def version(self, object_id: str, version: int) -> dict[str, Any]:
        return self.archive.read_version(object_id, version)

    def put_trigger(self, customer_code: str, obj: AnyObject, request_type: str) -> str:
        try:
            return self.archive.put_trigger(customer_code, obj, request_type)
        except (ClientError, BotoCoreError) as error:
            raise TriggerNotWritten(str(error)) from error

    def put_notice(self, customer_code: str, notice_id: str, body: dict[str, Any]) -> str:
        try:
            return self.archive.put_notice(customer_code, notice_id, body)
        except (ClientError, BotoCoreError) as error:
            raise TriggerNotWritten(str(error)) from error

    def review_due(self, until: str | None = None) -> list[Summary]:
        return self.catalog.review_due(until)

    def query(self, query: Query) -> Page:
        return self.catalog.query(query)

    def counts(self, kind: str, creator: str | None = None) -> dict[str, int]:
        return self.catalog.counts(kind, creator)

    def windows(self, start: datetime, end: datetime) -> list[Summary]:
        return self.catalog.meeting(start, end)

    def feed(self, customer_code: str, since: datetime) -> list[Summary]:
        return self.catalog.feed(customer_code, since)

    def create(self, obj: AnyObject, location: Location | None = None) -> Stored:
        stored = self.archive.create(obj, location)
        self._index(None, stored)
        return stored

    def update(
        self,
        object_id: str,
        change: Callable[[AnyObject], object],
        *,
        expected_etag: str | None = None,
        bump_version: bool = True,
        location: Location | None = None,
    ) -> Update:
        update = self.archive.update(
            object_id, change, expected_etag=expected_etag, bump_version=bump_version, location=location
        )
        self._index(update.before, update.after)
        return update

    def move(self, before: Stored, obj: AnyObject, to: Location, *, reason: str, by: str, at: datetime) -> Update:
        update = self.archive.move(before, obj, to, reason, by, at)
        self._index(update.before, update.after)
        return update

    def retire(self, stored: Stored, *, reason: str, by: str, at: datetime) -> str:
        key = self.archive.retire(stored, reason=reason, by=by, at=at)
        self._index(stored, None)
        return key

    def _index(self, before: Stored | None, after: Stored | None) -> None:
        subject = after or before
        assert subject is not None
        try:
            try:
                self.catalog.apply(_summary(before), _summary(after))
            except CatalogDrift:
                logger.info("catalog row of %s was stale; re-synchronising from the archive", subject.obj.id)
                self.resync(subject.obj.id)
        except Exception:
            # The archive write has landed and is the truth; a failed index write must not report it failed.
            logger.exception("catalog update failed for %s; run `ccm catalog rebuild`", subject.obj.id)

    def resync(self, object_id: str) -> None:
        def current() -> Summary | None:
            try:
                return Summary.from_stored(self.archive.read(object_id))
            except ObjectNotFound:
                return None

        self.catalog.resync(object_id, current)
