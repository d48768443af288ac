"""Builders of realistic documents for tests and benchmarks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ccm.domain.ids import AnnouncementType, new_announcement_id, new_change_id
from ccm.domain.objects import Announcement, Change, parse_document


def change_document(**overrides: Any) -> dict[str, Any]:
    start = datetime(2030, 1, 7, 15, 0, tzinfo=UTC)
    document: dict[str, Any] = {
        "object_type": "change",
        "changeId": new_change_id(),
        "changeTitle": "Rotate load balancer certificates",
        "customers": ["alpha", "bravo"],
        "changeReason": "Certificates expire next month",
        "implementationPlan": "Upload new certificates, switch listeners",
        "testPlan": "Check the TLS handshake",
        "customerImpact": "None expected",
        "rollbackPlan": "Switch listeners back",
        "snowTicket": "CHG0012345",
        "jiraTicket": "OPS-42",
        "implementationStart": start.isoformat(),
        "implementationEnd": (start + timedelta(hours=2)).isoformat(),
        "timezone": "America/New_York",
        "status": "draft",
        "version": 1,
        "createdBy": "requester@example.com",
        "createdAt": "2029-12-01T10:00:00Z",
        "modifiedAt": "2029-12-01T10:00:00Z",
        "modifiedBy": "requester@example.com",
    }
    document.update(overrides)
    return document


def make_change(**overrides: Any) -> Change:
    obj = parse_document(change_document(**overrides))
    assert isinstance(obj, Change)
    return obj


def announcement_document(kind: AnnouncementType = AnnouncementType.CIC, **overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "object_type": f"announcement_{kind.value}",
        "announcement_id": new_announcement_id(kind),
        "announcement_type": kind.value,
        "title": "Community day",
        "summary": "Join the community day",
        "content": "Talks and demos all afternoon",
        "customers": ["alpha"],
        "status": "draft",
        "created_by": "requester@example.com",
        "created_at": "2029-12-01T10:00:00Z",
        "createdBy": "requester@example.com",
        "modifiedAt": "2029-12-01T10:00:00Z",
    }
    document.update(overrides)
    return document


def make_announcement(kind: AnnouncementType = AnnouncementType.CIC, **overrides: Any) -> Announcement:
    obj = parse_document(announcement_document(kind, **overrides))
    assert isinstance(obj, Announcement)
    return obj
