"""Meeting details written back to the archive: ``meeting_metadata`` and the ``meeting_*`` modifications.

Conditional writes without a version bump (system annotations), re-read and re-applied on conflict, and
idempotent: an entry already recorded for the same meeting is not recorded again, so every customer's message
and every redelivery may apply the same result. An update is recorded only onto the version it was computed
from; a user's newer edit is the next message's to apply.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from datetime import datetime

from ccm.domain.objects import NOBODY_INVITED, USER_TRANSITIONS, AnyObject, MeetingMetadata, ModificationType
from ccm.domain.times import utc_now
from ccm.errors import VersionConflict
from ccm.meetings.plan import active_meeting
from ccm.storage.archive import Stored
from ccm.storage.repository import Repository

logger = logging.getLogger(__name__)

WRITE_ATTEMPTS = 5
Entry = tuple[ModificationType, MeetingMetadata]


class _Unchanged(Exception):
    """Raised inside the archive update when everything was recorded already: nothing to write."""


def _recorded(obj: AnyObject, kind: ModificationType, meeting_id: str) -> bool:
    return any(
        entry.modification_type is kind
        and entry.meeting_metadata is not None
        and entry.meeting_metadata.meeting_id == meeting_id
        for entry in obj.modifications
    )


def _applies(obj: AnyObject, kind: ModificationType, meeting: MeetingMetadata, seen_version: int) -> bool:
    active = active_meeting(obj)
    if kind is ModificationType.MEETING_UPDATED:
        return (
            obj.version == seen_version
            and active is not None
            and active.meeting_id == meeting.meeting_id
            and active.revision != meeting.revision
        )
    if _recorded(obj, kind, meeting.meeting_id):
        return False
    return kind is ModificationType.MEETING_CANCELLED or active is None or active.meeting_id == meeting.meeting_id


def apply_entries(
    obj: AnyObject,
    entries: Sequence[Entry],
    seen_version: int,
    user: str,
    at: datetime,
    *,
    cancel_detail: str | None = None,
) -> bool:
    """Record what is not recorded yet onto ``obj``; ``True`` if anything changed. ``cancel_detail`` says why, on
    a cancellation that is no user's cancel (a change completed before its meeting)."""
    changed = False
    for kind, meeting in entries:
        if not _applies(obj, kind, meeting, seen_version):
            continue
        shown = obj.meeting_metadata
        # A cancellation of an older meeting is history; it must not hide the meeting that replaced it.
        if kind is not ModificationType.MEETING_CANCELLED or shown is None or shown.meeting_id == meeting.meeting_id:
            obj.meeting_metadata = meeting
        detail = cancel_detail if kind is ModificationType.MEETING_CANCELLED else None
        obj.record(kind, user, at, meeting=meeting, detail=detail)
        changed = True
    return changed


def skipped_since_last_user_change(obj: AnyObject) -> bool:
    """Whether the version the users made last was already recorded as getting no meeting."""
    for entry in reversed(obj.modifications):
        if entry.modification_type in USER_TRANSITIONS:
            return False
        if entry.modification_type is ModificationType.MEETING_SKIPPED:
            return True
    return False


class MeetingRecorder:
    def __init__(
        self,
        repository: Repository,
        user: Callable[[], str],
        *,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.repository = repository
        self.user = user
        self.clock = clock
        self.sleep = sleep

    def record(
        self, object_id: str, seen_version: int, entries: Sequence[Entry], *, cancel_detail: str | None = None
    ) -> Stored | None:
        """Write ``entries`` into ``archive/{object_id}.json`` unless they are there; the object as stored now.

        ``None`` only when there was nothing to record.
        """
        if not entries:
            return None
        user, at = self.user(), self.clock()

        def annotate(obj: AnyObject) -> None:
            if not apply_entries(obj, entries, seen_version, user, at, cancel_detail=cancel_detail):
                raise _Unchanged()

        return self._write(object_id, annotate)

    def record_skipped(self, object_id: str, seen_version: int, topic: str) -> Stored:
        """Record that the version ``seen_version`` gets no meeting because nobody is invited, once per version.

        The page that waits for the meeting reads it and says so instead of waiting; a later edit (a new version,
        once someone subscribes) may still get a meeting, and is recorded again if it does not.
        """
        user, at = self.user(), self.clock()

        def annotate(obj: AnyObject) -> None:
            if obj.version != seen_version or active_meeting(obj) is not None or skipped_since_last_user_change(obj):
                raise _Unchanged()
            obj.record(ModificationType.MEETING_SKIPPED, user, at, topic=topic, detail=NOBODY_INVITED)

        return self._write(object_id, annotate)

    def _write(self, object_id: str, annotate: Callable[[AnyObject], None]) -> Stored:
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                return self.repository.update(object_id, annotate, bump_version=False, location="archive").after
            except _Unchanged:
                # Another worker recorded it first: what it wrote (the join link) is what later steps need.
                return self.repository.archive.read_at("archive", object_id)
            except VersionConflict:
                # Every customer's message may be annotating the same object right now.
                if attempt == WRITE_ATTEMPTS:
                    raise
                self.sleep(random.uniform(0.05, 0.3) * attempt)
        raise AssertionError("unreachable: the last attempt returns or raises")
