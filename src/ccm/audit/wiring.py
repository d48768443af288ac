"""The audit function's composition root: clients created on first use, from the environment's settings."""

from __future__ import annotations

from ccm.audit.archive_versions import ArchiveVersions
from ccm.audit.recorder import AuditRecorder
from ccm.settings import Settings
from ccm.storage.audit_index import AuditIndex
from ccm.storage.audit_log import AuditLog
from ccm.storage.report_store import ReportStore


def build_recorder(settings: Settings) -> AuditRecorder:
    return AuditRecorder(
        archive=ArchiveVersions(settings.bucket),
        log=AuditLog(settings.audit_bucket),
        index=AuditIndex(settings.table),
        reports=ReportStore(settings.table),
    )
