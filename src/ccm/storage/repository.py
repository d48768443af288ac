"""Archive and catalog written in one code path: every archive write is followed by its catalog row."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from ccm.domain.objects import AnyObject
from ccm.errors import ObjectNotFound
from ccm.storage.archive import ArchiveStore, Location, Stored, Update
from ccm.storage.catalog import Catalog, CatalogDrift, Summary

logger = logging.getLogger(__name__)


def _summary(stored: Stored | None) -> Summary | None:
    return Summary.from_stored(stored) if stored is not None else None


class Repository:
    def __init__(self, archive: ArchiveStore, catalog: Catalog) -> None:
        self.archive = archive
        self.catalog = catalog

    def get(self, object_id: str) -> Stored:
        return self.archive.read(object_id)

    def get_if_changed(self, object_id: str, etag: str | None) -> Stored | None:
        return self.archive.read_if_changed(object_id, etag)

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
            self.catalog.apply(_summary(before), _summary(after))
        except CatalogDrift:
            logger.warning("catalog row of %s was stale; re-synchronising from the archive", subject.obj.id)
            try:
                self.resync(subject.obj.id)
            except Exception:
                # Concurrent writers of one object (each customer's backend run annotates it) can keep the
                # row moving; the last of them leaves it right, and the archive write stands either way.
                logger.exception("catalog re-synchronisation of %s failed; run `ccm catalog rebuild`", subject.obj.id)
        except Exception:
            # The archive write has landed and is the truth; a failed index write must not report it failed.
            logger.exception("catalog update failed for %s; run `ccm catalog rebuild`", subject.obj.id)

    def resync(self, object_id: str) -> None:
        try:
            current: Summary | None = Summary.from_stored(self.archive.read(object_id))
        except ObjectNotFound:
            current = None
        self.catalog.resync(object_id, current)
