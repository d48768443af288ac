"""Fan-out: the events of one archive write, each claimed once, sent to every connection allowed to see it.

A connection whose session has ended is closed instead (and forgotten), so a socket never outlives the sign-in
that opened it; one that API Gateway reports gone is forgotten. Sends run in a small pool: a thousand connections
are a thousand management API calls.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ccm.domain.audit import AuditEvent
from ccm.domain.times import parse_datetime
from ccm.live.audience import Visibility
from ccm.live.events import LiveEvent, live_event
from ccm.live.gateway import Gateway
from ccm.storage.live_connections import LiveConnection, LiveConnections

logger = logging.getLogger(__name__)
SEND_THREADS = 16
STALE_AFTER_SECONDS = 15 * 60
"""An entry recorded longer ago than this is history, not news: a backlog the audit queue works off (the local
stack's first start seeds months of demo history; a redriven dead letter) tells no open page."""


@dataclass
class Published:
    counts: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class LivePublisher:
    connections: LiveConnections
    gateway: Gateway
    admin_group: str
    clock: Callable[[], float] = time.time
    threads: int = SEND_THREADS

    def publish(self, events: Iterable[AuditEvent], visibility: Visibility) -> Published:
        published = Published()
        for audit_event in events:
            event = live_event(audit_event)
            if event is None:
                continue
            now = int(self.clock())
            if parse_datetime(event.at).timestamp() < now - STALE_AFTER_SECONDS:
                published.counts["LiveEventsTooOld"] += 1
                continue
            if not self.connections.claim_event(event.object_id, event.version, event.event, now):
                published.counts["LiveEventsAlreadyPublished"] += 1
                continue
            published.counts["LiveEventsPublished"] += 1
            published.counts.update(self._fan_out(event, visibility, now))
        return published

    def _fan_out(self, event: LiveEvent, visibility: Visibility, now: int) -> Counter[str]:
        counts: Counter[str] = Counter()
        payload = event.payload()
        recipients: list[LiveConnection] = []
        for connection in self.connections.all():
            if connection.session_ends <= now:
                self.gateway.close(connection.connection_id)
                self.connections.remove(connection.connection_id)
                counts["LiveConnectionsExpired"] += 1
            elif visibility.allows(connection, self.admin_group):
                recipients.append(connection)
        if not recipients:
            return counts

        def send(connection: LiveConnection) -> bool:
            return self.gateway.post(connection.connection_id, payload)

        with ThreadPoolExecutor(max_workers=max(1, min(self.threads, len(recipients)))) as pool:
            outcomes = list(pool.map(send, recipients))
        for connection, delivered in zip(recipients, outcomes, strict=True):
            if delivered:
                counts["LiveMessagesSent"] += 1
            else:
                self.connections.remove(connection.connection_id)
                counts["LiveConnectionsGone"] += 1
        logger.info(
            "live %s %s v%d: %d sent, %d gone",
            event.type,
            event.object_id,
            event.version,
            counts["LiveMessagesSent"],
            counts["LiveConnectionsGone"],
        )
        return counts
