"""The audit function's composition root: clients created on first use, from the environment's settings."""

from __future__ import annotations

from ccm.audit.archive_versions import ArchiveVersions
from ccm.audit.recorder import AuditRecorder
from ccm.live.gateway import ManagementApiGateway
from ccm.live.publisher import LivePublisher
from ccm.settings import Settings
from ccm.storage.audit_index import AuditIndex
from ccm.storage.audit_log import AuditLog
from ccm.storage.live_connections import DynamoLiveConnections
from ccm.storage.report_store import ReportStore


def build_recorder(settings: Settings) -> AuditRecorder:
    return AuditRecorder(
        archive=ArchiveVersions(settings.bucket),
        log=AuditLog(settings.audit_bucket),
        index=AuditIndex(settings.table),
        reports=ReportStore(settings.table),
        live=build_live_publisher(settings),
    )


def build_live_publisher(settings: Settings) -> LivePublisher | None:
    if settings.live_endpoint is None:
        return None
    return LivePublisher(
        connections=DynamoLiveConnections(settings.table),
        gateway=ManagementApiGateway(settings.live_endpoint),
        admin_group=settings.config.authorization.admin_group,
    )
