"""One archive write -> its audit events (bucket + index) -> the change's report sums refreshed; one write of an
administrative row (from the table's stream) -> its audit event.

Idempotent: events are written under a key that names (object, version, event), only if the key is free, and
index rows only if absent; report sums move only when a change's facts differ from those recorded. A
redelivered notification therefore writes nothing twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from ccm.audit.archive_versions import ArchiveVersions, archive_key_of, is_audited, object_id_of
from ccm.audit.reports import refresh_reports
from ccm.audit.stream_records import RowWrite
from ccm.domain.audit import AuditEvent, events_of_write
from ccm.live.audience import Visibility
from ccm.live.publisher import LivePublisher
from ccm.storage.audit_index import AuditIndex
from ccm.storage.audit_log import AuditLog
from ccm.storage.report_store import ReportStore

logger = logging.getLogger(__name__)


@dataclass
class Recorded:
    events: list[AuditEvent] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class AuditRecorder:
    archive: ArchiveVersions
    log: AuditLog
    index: AuditIndex
    reports: ReportStore
    live: LivePublisher | None = None
    """Tells the portal's open pages of each event (issue 26); ``None`` where no live API is deployed."""

    def record(self, key: str, version_id: str | None, etag: str | None = None) -> Recorded:
        """Audit the write of ``key`` at ``version_id`` (the notification's, else the version whose content has
        ``etag``) and refresh the reports."""
        recorded = Recorded()
        if not is_audited(key):
            recorded.counts["WritesIgnored"] += 1
            return recorded
        if version_id is None and etag:
            version_id = self.archive.version_with_etag(key, etag)
        after = self.archive.document(key, version_id)
        if after is None:
            # The version named is gone (expired) or the key never held it: nothing to read, nothing to tell.
            logger.warning("s3 %s version %s is not readable; no audit events", key, version_id)
            recorded.counts["WritesUnreadable"] += 1
            return recorded
        before = self.archive.previous(key, version_id)
        events = events_of_write(before, after, source_version_id=version_id)
        self._store(events, recorded)
        if self.live is not None:
            recorded.counts.update(self.live.publish(events, Visibility.of(after)).counts)
        object_id = object_id_of(key)
        current = self.archive.document(archive_key_of(key))
        if object_id.startswith("CHG-"):
            recorded.counts["ReportScopesRefreshed"] += refresh_reports(self.reports, object_id, current)
        return recorded

    def record_row(self, write: RowWrite) -> Recorded:
        """Audit one write of a template or delegation row, as the table's stream told it."""
        recorded = Recorded()
        self._store(write.events(), recorded)
        if not recorded.events:
            recorded.counts["RowWritesWithoutEvent"] += 1
        return recorded

    def _store(self, events: list[AuditEvent], recorded: Recorded) -> None:
        for event in events:
            written = self.log.write(event)
            self.index.add(event)
            recorded.events.append(event)
            recorded.counts["AuditEventsWritten" if written else "AuditEventsAlreadyThere"] += 1
