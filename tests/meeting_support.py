"""Helpers for the meeting tests: in-memory fakes of the meeting ports, and the backend wired to the local Graph."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from icalendar import Calendar

from ccm.backend.principal import BackendPrincipal
from ccm.backend.wiring import build_backend
from ccm.config import AppConfig
from ccm.local.graph_server import GraphServer
from ccm.mail.delivery import Dispatcher
from ccm.meetings.graph import GraphMeetings
from ccm.meetings.graph_setup import build_graph_meetings
from ccm.meetings.port import MeetingGone, MeetingRequest, MeetingService, OnlineMeeting
from ccm.settings import Settings
from ccm.storage.archive import ArchiveStore
from ccm.storage.catalog import Catalog
from ccm.storage.meeting_claims import (
    CLAIM_LEASE_SECONDS,
    ActionClaim,
    ActionInProgress,
    Completed,
    DynamoMeetingClaims,
)
from ccm.storage.repository import Repository
from ccm.storage.table import create_table_arguments
from tests.backend_fakes import FakeMailboxes, MemoryLedger
from tests.backend_support import NOW, Clock, Harness
from tests.conftest import BUCKET, TABLE


class Serialized:
    """A boto3 client whose calls run one at a time.

    DynamoDB and S3 apply each conditional write atomically; moto checks and writes in two steps, so threads
    could both pass a condition. One lock over every call restores what the real services guarantee.
    """

    def __init__(self, client: Any, lock: threading.Lock) -> None:
        self._client = client
        self._lock = lock

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name.startswith("_") or name in {"meta", "exceptions", "get_paginator", "can_paginate"}:
            return attribute
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attribute(*args, **kwargs)

        return call


def serialized_store() -> tuple[Repository, Any]:
    """The versioned bucket and the table, reached through serialized clients; returns the DynamoDB client too."""
    lock = threading.Lock()
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(**create_table_arguments(TABLE))
    serial_dynamodb: Any = Serialized(dynamodb, lock)
    serial_s3: Any = Serialized(s3, lock)
    return Repository(ArchiveStore(BUCKET, serial_s3), Catalog(TABLE, serial_dynamodb)), serial_dynamodb


def local_graph(server: GraphServer, config: AppConfig, sleeps: list[float]) -> GraphMeetings:
    """The real Graph adapter (SSM, msal, requests) pointed at the local server; its pauses are only recorded."""
    ssm = boto3.client("ssm")
    assert config.graph_config is not None
    server.seed_parameters(config.graph_config, ssm)
    graph = build_graph_meetings(config, environ=server.environment(), session=server.session(), ssm=ssm)
    assert graph is not None
    graph.sleep = sleeps.append
    return graph


def meeting_harness(
    repository: Repository, dynamodb: Any, service: MeetingService | None, *, wait_seconds: float | None = None
) -> Harness:
    """The real backend with the meeting steps: moto storage, fake SES, the given calendar."""
    clock = Clock()
    mail = FakeMailboxes()
    ledger = MemoryLedger()
    backend = build_backend(
        Settings.from_env(),
        repository=repository,
        mailboxes=mail,
        ledger=ledger,
        principal=BackendPrincipal(),
        dispatcher=Dispatcher(ledger, backoff_base=0.0),
        clock=lambda: NOW,
        meeting_service=service,
        meeting_claims=DynamoMeetingClaims(TABLE, dynamodb),
    )
    assert backend.meetings is not None
    backend.meetings.scheduler.poll_seconds = 0.02
    if wait_seconds is not None:
        backend.meetings.scheduler.wait_seconds = wait_seconds
    return Harness(backend=backend, mail=mail, clock=clock, ledger=ledger)


@dataclass
class _ClaimRow:
    state: str
    token: str
    claimed_at: float
    result: dict[str, Any] | None = None


class MemoryMeetingClaims:
    """The claims' rules over a dict, with a clock the test moves."""

    def __init__(self, clock: Callable[[], float] = time.time, lease_seconds: float = CLAIM_LEASE_SECONDS) -> None:
        self.clock = clock
        self.lease_seconds = lease_seconds
        self.rows: dict[tuple[str, str], _ClaimRow] = {}
        self._lock = threading.Lock()

    def claim(self, object_id: str, action: str) -> ActionClaim | Completed:
        with self._lock:
            row = self.rows.get((object_id, action))
            now = self.clock()
            if row is not None:
                if row.state == "done":
                    assert row.result is not None
                    return Completed(dict(row.result))
                if row.claimed_at >= now - self.lease_seconds:
                    raise ActionInProgress(object_id, action)
            token = uuid.uuid4().hex
            self.rows[(object_id, action)] = _ClaimRow("claimed", token, now)
            return ActionClaim(object_id, action, token)

    def complete(self, claim: ActionClaim, result: dict[str, Any]) -> None:
        with self._lock:
            row = self.rows.get((claim.object_id, claim.action))
            if row is not None and row.token == claim.token:
                row.state, row.result = "done", dict(result)

    def release(self, claim: ActionClaim) -> None:
        with self._lock:
            row = self.rows.get((claim.object_id, claim.action))
            if row is not None and row.token == claim.token and row.state == "claimed":
                del self.rows[(claim.object_id, claim.action)]

    def result(self, object_id: str, action: str) -> dict[str, Any] | None:
        with self._lock:
            row = self.rows.get((object_id, action))
            return dict(row.result) if row is not None and row.result is not None else None


@dataclass
class FakeEvent:
    key: str
    request: MeetingRequest
    meeting: OnlineMeeting
    cancelled: bool = False


@dataclass
class FakeMeetings:
    """The meetings port in memory: every call is counted; ``fail_next`` makes the next call raise."""

    organizer: str = "change-calendar@example.com"
    events: dict[str, FakeEvent] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    fail_next: Exception | None = None

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if self.fail_next is not None:
            failure, self.fail_next = self.fail_next, None
            raise failure

    def find(self, key: str) -> OnlineMeeting | None:
        self._call("find")
        live = [event for event in self.events.values() if event.key == key and not event.cancelled]
        return live[0].meeting if live else None

    def create(self, request: MeetingRequest) -> OnlineMeeting:
        self._call("create")
        meeting_id = f"fake-{uuid.uuid4().hex}"
        meeting = OnlineMeeting(
            meeting_id, f"uid-{meeting_id}", f"https://teams.example.com/{meeting_id}", self.organizer
        )
        self.events[meeting_id] = FakeEvent(request.key, request, meeting)
        return meeting

    def update(self, meeting_id: str, request: MeetingRequest) -> OnlineMeeting:
        self._call("update")
        event = self.events.get(meeting_id)
        if event is None or event.cancelled:
            raise MeetingGone(f"{meeting_id} is gone")
        event.request = request
        return event.meeting

    def cancel(self, meeting_id: str, comment: str) -> bool:
        self._call("cancel")
        event = self.events.get(meeting_id)
        if event is None or event.cancelled:
            return False
        event.cancelled = True
        return True

    def count(self, name: str) -> int:
        return self.calls.count(name)


@dataclass(frozen=True)
class Invitation:
    """The parts of an iCalendar file the tests check, read back through icalendar."""

    method: str
    uid: str
    sequence: int
    status: str
    timezones: tuple[str, ...]
    attendees: tuple[str, ...]
    unfolded: str


def read_invitation(text: str) -> Invitation:
    calendar = Calendar.from_ical(text)
    assert isinstance(calendar, Calendar)
    (event,) = calendar.events
    return Invitation(
        method=str(calendar.method),
        uid=str(event.uid),
        sequence=event.sequence,
        status=str(event.status),
        timezones=tuple(zone.tz_name for zone in calendar.timezones),
        attendees=tuple(str(attendee).removeprefix("mailto:") for attendee in event.attendees),
        unfolded=text.replace("\r\n ", ""),
    )
