"""The object store as the workflow uses it: versioned reads and conditional writes, triggers, catalog listings.

:class:`ccm.storage.repository.Repository` is the real adapter (S3 archive + DynamoDB catalog);
:class:`ccm.storage.memory.InMemoryRepository` is the fake the workflow's tests run on. The same contract tests run
against both. Errors are the domain's (:class:`~ccm.errors.ObjectNotFound`, :class:`~ccm.errors.AlreadyExists`,
:class:`~ccm.errors.VersionConflict`, :class:`~ccm.errors.InvalidCursor`) or :class:`TriggerNotWritten`, never an
SDK's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from ccm.domain.objects import AnyObject
from ccm.errors import CcmError
from ccm.storage.archive import Location, Stored, Update, VersionEntry
from ccm.storage.catalog import Page, Query, Summary


class TriggerNotWritten(CcmError):
    """A customer's trigger could not be written (the store refused or could not be reached); it can be resent."""


class ObjectRepository(Protocol):
    def get(self, object_id: str) -> Stored:
        """The object wherever it lives now (the archive, else drafts); :class:`ObjectNotFound` if nowhere."""
        ...

    def get_at(self, location: Location, object_id: str) -> Stored: ...

    def get_if_changed(self, object_id: str, etag: str | None) -> Stored | None:
        """``None`` when the object still has ``etag``."""
        ...

    def create(self, obj: AnyObject, location: Location | None = None) -> Stored:
        """Store a new object (where its status says, unless ``location``); :class:`AlreadyExists` if taken."""
        ...

    def update(
        self,
        object_id: str,
        change: Callable[[AnyObject], object],
        *,
        expected_etag: str | None = None,
        bump_version: bool = True,
        location: Location | None = None,
    ) -> Update:
        """Apply ``change`` to a fresh copy and write it back if nobody wrote in between, re-applying otherwise;
        with ``expected_etag`` a different stored version is a :class:`VersionConflict` at once."""
        ...

    def move(self, before: Stored, obj: AnyObject, to: Location, *, reason: str, by: str, at: datetime) -> Update:
        """Store ``obj`` at ``to`` and retire ``before`` (a draft leaving ``drafts/``)."""
        ...

    def retire(self, stored: Stored, *, reason: str, by: str, at: datetime) -> str:
        """Soft-delete exactly the version ``stored``; the key it was kept under."""
        ...

    def versions(self, object_id: str) -> list[VersionEntry]:
        """The kept snapshots of earlier versions, newest first."""
        ...

    def version(self, object_id: str, version: int) -> dict[str, Any]: ...

    def put_trigger(self, customer_code: str, obj: AnyObject, request_type: str) -> str:
        """Write the customer's trigger for ``obj``; :class:`TriggerNotWritten` if it could not be."""
        ...

    def put_notice(self, customer_code: str, notice_id: str, body: dict[str, Any]) -> str:
        """Write a notice trigger (``DLG-...``) to the customer's queue; :class:`TriggerNotWritten` if it could not
        be."""
        ...

    def review_due(self, until: str | None = None) -> list[Summary]:
        """Approved emergency changes whose retrospective review is still open (due by ``until`` if given),
        earliest due first."""
        ...

    def query(self, query: Query) -> Page:
        """One page of the catalog; :class:`InvalidCursor` for a cursor that is not one of this listing's."""
        ...

    def counts(self, kind: str, creator: str | None = None) -> dict[str, int]:
        """Objects of ``kind`` by status, everybody's or one creator's."""
        ...

    def windows(self, start: datetime, end: datetime) -> list[Summary]:
        """Every object (drafts included) whose window meets [start, end), by window start."""
        ...

    def feed(self, customer_code: str, since: datetime) -> list[Summary]:
        """What the customer's feed lists (approved, completed, cancelled after approval) whose window ends after
        ``since``, by window start."""
        ...
