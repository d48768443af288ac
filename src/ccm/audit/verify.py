"""``ccm audit verify``: every archive write in a period has its audit events in the audit bucket.

For each version of ``archive/*.json`` (and each copy a deletion left under ``deleted/archive/``) written in the
period, the events are computed again from that version and the one before it, exactly as the audit function
computes them, and looked up in the bucket. A missing event is a gap: its key, the write it belongs to and why.
Superseded archive versions expire after 90 days (the bucket's lifecycle), so a period further back can only
be checked for the writes that are still kept.

Standard change templates live in the table, which keeps only each template's current version: for every
template last written in the period, that version's event (created, updated or retired) must be there.
Delegations cannot be listed without scanning the table, so their events are not checked here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from ccm.audit.archive_versions import ARCHIVE_PREFIX, DELETED_ARCHIVE_PREFIX, ArchiveVersion, ArchiveVersions
from ccm.domain.admin_audit import AdminEvent
from ccm.domain.audit import event_key, events_of_write
from ccm.domain.templates import ChangeTemplate
from ccm.storage.audit_log import AuditLog
from ccm.storage.templates import TemplateStore

TEMPLATE_WRITE_EVENTS = (AdminEvent.TEMPLATE_UPDATED, AdminEvent.TEMPLATE_RETIRED)
"""What a template's later version can be: which one it is depends on the version before, which is gone."""


@dataclass(frozen=True)
class Gap:
    key: str
    version_id: str
    written_at: datetime
    event_key: str


@dataclass
class Verification:
    writes: int = 0
    events: int = 0
    gaps: list[Gap] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.gaps


def _pairs(versions: Iterator[ArchiveVersion]) -> Iterator[tuple[ArchiveVersion | None, ArchiveVersion]]:
    previous: ArchiveVersion | None = None
    for version in versions:
        yield (previous if previous is not None and previous.key == version.key else None), version
        previous = version


def verify(
    archive: ArchiveVersions,
    log: AuditLog,
    first: date,
    last: date,
    *,
    templates: TemplateStore | None = None,
    progress: Callable[[], None] = lambda: None,
) -> Verification:
    result = Verification()
    known_days: dict[date, set[str]] = {}
    last_archive_version: dict[str, ArchiveVersion] = {}

    def check(before: ArchiveVersion | None, version: ArchiveVersion) -> None:
        if not first <= version.last_modified.date() <= last:
            return
        progress()
        result.writes += 1
        after = archive.document(version.key, version.version_id)
        if after is None:
            return
        previous = archive.document(before.key, before.version_id) if before else None
        for event in events_of_write(previous, after, source_version_id=version.version_id):
            result.events += 1
            day = event.moment.date()
            if day not in known_days:
                known_days[day] = log.keys_of_day(day)
            if event.key() not in known_days[day]:
                result.gaps.append(Gap(version.key, version.version_id, version.last_modified, event.key()))

    for before, version in _pairs(archive.all_versions(ARCHIVE_PREFIX)):
        last_archive_version[version.key] = version
        check(before, version)
    for version in archive.all_versions(DELETED_ARCHIVE_PREFIX):
        check(last_archive_version.get(version.key.removeprefix("deleted/")), version)
    for template in templates.every() if templates is not None else []:
        if not first <= template.modified_at.date() <= last:
            continue
        progress()
        result.writes += 1
        result.events += 1
        day = template.modified_at.date()
        if day not in known_days:
            known_days[day] = log.keys_of_day(day)
        candidates = _template_event_keys(template)
        if not known_days[day] & set(candidates):
            gap = Gap(f"template {template.id}", str(template.version), template.modified_at, candidates[0])
            result.gaps.append(gap)
    return result


def _template_event_keys(template: ChangeTemplate) -> list[str]:
    names = (AdminEvent.TEMPLATE_CREATED,) if template.version == 1 else TEMPLATE_WRITE_EVENTS
    return [event_key(template.id, template.version, name.value, template.modified_at) for name in names]
