"""The event the live portal sends: which object changed, to which version, by whom, into which status."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ccm.domain.audit import FIELDS_CHANGED, AuditEvent


@dataclass(frozen=True)
class LiveEvent:
    type: str
    """The history entry's type: a transition (``submitted``, ``approved``...), a decision (``approval_decision``),
    a meeting (``meeting_scheduled``...) or a delivery summary (``processed``)."""
    object_id: str
    version: int
    status: str
    actor: str
    at: str
    event: str
    """The audit event's name within the version (``processed.CUST``, ``approval_decision.2``): with the object and
    the version it names the event once, so a redelivered write publishes nothing twice."""

    def message(self) -> dict[str, Any]:
        """The six fields the browser receives, and nothing else."""
        return {
            "type": self.type,
            "objectId": self.object_id,
            "version": self.version,
            "status": self.status,
            "actor": self.actor,
            "at": self.at,
        }

    def payload(self) -> bytes:
        return json.dumps(self.message(), separators=(",", ":")).encode("utf-8")


def live_event(event: AuditEvent) -> LiveEvent | None:
    """The live event of an audit event written from a history entry; ``None`` for a write without one (a bare
    field change has no entry, so no code path announced it)."""
    if event.event_type == FIELDS_CHANGED:
        return None
    return LiveEvent(
        type=event.event_type,
        object_id=event.object_id,
        version=event.version,
        status=event.status,
        actor=event.actor,
        at=event.time,
        event=event.event,
    )
