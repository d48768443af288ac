"""Fan-out on the fakes: who hears of an object, what happens to gone and expired connections."""

from __future__ import annotations

import json

from ccm.domain.audit import AuditEvent
from ccm.live.audience import Visibility
from ccm.live.gateway import InMemoryGateway
from ccm.live.publisher import LivePublisher
from ccm.storage.live_connections import InMemoryLiveConnections, LiveConnection

NOW = 1_898_672_460
"""2030-03-02T09:01:00Z, a minute after the events below."""
ADMINS = "ccm-admins"


def event(event_type: str = "reopened", status: str = "draft", name: str | None = None) -> AuditEvent:
    return AuditEvent(
        object_id="CHG-1",
        object_kind="change",
        object_type="change",
        title="Rotate keys",
        version=3,
        event=name or event_type,
        event_type=event_type,
        actor="requester@example.com",
        time="2030-03-02T09:00:00Z",
        status=status,
        customers=["alpha"],
    )


def connection(connection_id: str, email: str, *groups: str, ends: int = NOW + 600) -> LiveConnection:
    return LiveConnection(connection_id, email, groups, ends, NOW - 60)


def publisher(*connections: LiveConnection) -> tuple[LivePublisher, InMemoryLiveConnections, InMemoryGateway]:
    store, gateway = InMemoryLiveConnections(), InMemoryGateway()
    for each in connections:
        store.add(each)
    return LivePublisher(store, gateway, ADMINS, clock=lambda: NOW), store, gateway


def test_an_object_back_in_draft_is_told_only_to_its_owner_and_the_administrators() -> None:
    live, _, gateway = publisher(
        connection("owner", "requester@example.com"),
        connection("other", "colleague@example.com", "ccm-approvers"),
        connection("admin", "admin@example.com", ADMINS),
    )

    live.publish([event()], Visibility("draft", "requester@example.com"))

    assert sorted(gateway.received) == ["admin", "owner"]
    assert json.loads(gateway.received["owner"][0]) == {
        "type": "reopened",
        "objectId": "CHG-1",
        "version": 3,
        "status": "draft",
        "actor": "requester@example.com",
        "at": "2030-03-02T09:00:00Z",
    }


def test_a_submitted_object_is_told_to_every_connection() -> None:
    people = [connection(f"c{n}", f"user{n}@example.com") for n in range(40)]
    live, _, gateway = publisher(*people)

    published = live.publish([event("submitted", "submitted")], Visibility("submitted", "requester@example.com"))

    assert sorted(gateway.received) == sorted(f"c{n}" for n in range(40))
    assert published.counts["LiveMessagesSent"] == 40


def test_a_connection_api_gateway_reports_gone_is_forgotten() -> None:
    live, store, gateway = publisher(connection("gone", "a@example.com"), connection("here", "b@example.com"))
    gateway.gone.add("gone")

    published = live.publish([event("submitted", "submitted")], Visibility("submitted", ""))

    assert [c.connection_id for c in store.all()] == ["here"]
    assert published.counts["LiveConnectionsGone"] == 1


def test_a_connection_past_its_session_is_closed_and_forgotten() -> None:
    live, store, gateway = publisher(connection("old", "a@example.com", ends=NOW), connection("new", "b@example.com"))

    live.publish([event("submitted", "submitted")], Visibility("submitted", ""))

    assert gateway.closed == ["old"]
    assert "old" not in gateway.received
    assert [c.connection_id for c in store.all()] == ["new"]


def test_an_event_is_published_once_and_a_write_without_history_not_at_all() -> None:
    live, _, gateway = publisher(connection("c", "a@example.com"))
    submitted = event("submitted", "submitted")

    live.publish(
        [submitted, event("fields_changed", "submitted", name="fields_changed.abc")], Visibility("submitted", "")
    )
    again = live.publish([submitted], Visibility("submitted", ""))

    assert len(gateway.received["c"]) == 1
    assert again.counts["LiveEventsAlreadyPublished"] == 1


def test_an_entry_recorded_long_ago_is_history_not_news() -> None:
    live, _, gateway = publisher(connection("c", "a@example.com"))
    later = LivePublisher(live.connections, gateway, ADMINS, clock=lambda: NOW + 3600)

    published = later.publish([event("submitted", "submitted")], Visibility("submitted", ""))

    assert gateway.received == {}
    assert published.counts["LiveEventsTooOld"] == 1


def test_an_unreadable_document_counts_as_a_draft_nobody_owns() -> None:
    visibility = Visibility.of({"changeId": "CHG-1", "status": "nonsense"})

    assert not visibility.allows(connection("c", "a@example.com"), ADMINS)
    assert visibility.allows(connection("c", "a@example.com", ADMINS), ADMINS)
