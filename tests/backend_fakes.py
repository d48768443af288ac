"""In-memory fakes of the backend's ports: a customer's SES (the email port) and the delivery ledger."""

from __future__ import annotations

import email
import email.policy
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import EmailMessage

from ccm.config import CustomerMapping
from ccm.mail.port import AudienceUnavailable, Throttled
from ccm.storage.ledger import CLAIM_LEASE_SECONDS, Claim, DeliveryInProgress, DeliveryKey


class SesOutage(Exception):
    """What a failing SES call raises in the fake."""


class SimulatedCrash(BaseException):
    """The process dies right after SES accepted a message: nothing after that point runs."""


@dataclass(frozen=True)
class SentMail:
    customer_code: str
    recipient: str
    topic: str | None
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def event(self) -> str:
        return str(self.message["X-CCM-Event"])

    @property
    def object_id(self) -> str:
        return str(self.message["X-CCM-Object-Id"])


@dataclass
class Outbox:
    """Every message every fake SES accepted, in order."""

    sent: list[SentMail] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def to(self, recipient: str) -> list[SentMail]:
        return [mail for mail in self.sent if mail.recipient == recipient]

    def recipients(self) -> Counter[str]:
        return Counter(mail.recipient for mail in self.sent)

    def clear(self) -> None:
        self.sent.clear()


class FakeMailbox:
    """One customer's SES: topic subscribers, a suppression list, a send rate, and failure switches."""

    def __init__(self, customer: CustomerMapping, outbox: Outbox, rate: float = 1000.0) -> None:
        self.customer = customer
        self.outbox = outbox
        self.rate = rate
        self.topics: dict[str, list[str]] = {}
        self.suppressed_addresses: set[str] = set()
        self.throttle_next = 0
        self.fail_after: int | None = None
        self.crash_after: int | None = None
        self.latency = 0.0
        self.accepted = 0
        self.throttles = 0
        self._lock = threading.Lock()

    def subscribe(self, topic: str, addresses: Iterable[str]) -> None:
        self.topics.setdefault(topic, []).extend(addresses)

    def subscribers(self, topic: str) -> list[str]:
        if topic not in self.topics:
            raise AudienceUnavailable(f"no topic {topic} for {self.customer.customer_code}")
        return list(self.topics[topic])

    def suppressed(self) -> frozenset[str]:
        return frozenset(address.lower() for address in self.suppressed_addresses)

    def max_send_rate(self) -> float:
        return self.rate

    def send(self, recipient: str, raw: bytes, topic: str) -> str:
        return self._accept(recipient, raw, topic)

    def send_outside_topics(self, recipient: str, raw: bytes, sender: str | None = None) -> str:
        return self._accept(recipient, raw, None)

    def _accept(self, recipient: str, raw: bytes, topic: str | None) -> str:
        if self.latency:
            time.sleep(self.latency)
        with self._lock:
            if self.throttle_next > 0:
                self.throttle_next -= 1
                self.throttles += 1
                raise Throttled("Maximum sending rate exceeded.")
            if self.fail_after is not None and self.accepted >= self.fail_after:
                raise SesOutage("SES is unavailable")
            self.accepted += 1
            crash = self.crash_after is not None and self.accepted > self.crash_after
            if crash:
                self.crash_after = None
        with self.outbox.lock:
            self.outbox.sent.append(SentMail(self.customer.customer_code, recipient, topic, raw))
        if crash:
            raise SimulatedCrash(f"crashed after SES accepted the message to {recipient}")
        return f"fake-{uuid.uuid4().hex}"


class FakeMailboxes:
    def __init__(self) -> None:
        self.outbox = Outbox()
        self.boxes: dict[str, FakeMailbox] = {}

    def for_customer(self, customer: CustomerMapping) -> FakeMailbox:
        box = self.boxes.get(customer.customer_code)
        if box is None:
            box = self.boxes[customer.customer_code] = FakeMailbox(customer, self.outbox)
        return box


@dataclass
class _Row:
    state: str
    token: str
    claimed_at: float


class MemoryLedger:
    """The delivery ledger's rules over a dict, for benchmarks and tests that run many workers at once."""

    def __init__(self, clock: Callable[[], float] = time.time, lease_seconds: float = CLAIM_LEASE_SECONDS) -> None:
        self.clock = clock
        self.lease_seconds = lease_seconds
        self.rows: dict[tuple[str, str], _Row] = {}
        self._lock = threading.Lock()

    def settled(self, key: DeliveryKey) -> dict[str, str]:
        with self._lock:
            return {
                sk: row.state
                for (pk, sk), row in self.rows.items()
                if pk == key.partition and row.state in {"sent", "rejected"}
            }

    def delivered(self, key: DeliveryKey) -> set[str]:
        return {recipient for recipient, state in self.settled(key).items() if state == "sent"}

    def claim(self, key: DeliveryKey, recipient: str) -> Claim | None:
        address = recipient.strip().lower()
        with self._lock:
            row = self.rows.get((key.partition, address))
            now = self.clock()
            if row is not None:
                if row.state in {"sent", "rejected"}:
                    return None
                if row.claimed_at >= now - self.lease_seconds:
                    raise DeliveryInProgress(key, recipient)
            token = uuid.uuid4().hex
            self.rows[(key.partition, address)] = _Row("claimed", token, now)
            return Claim(key, recipient, token)

    def mark_sent(self, claim: Claim, message_id: str) -> None:
        with self._lock:
            row = self.rows.get((claim.key.partition, claim.recipient.strip().lower()))
            if row is not None and row.token == claim.token:
                row.state = "sent"

    def mark_rejected(self, claim: Claim, reason: str) -> None:
        with self._lock:
            row = self.rows.get((claim.key.partition, claim.recipient.strip().lower()))
            if row is not None and row.token == claim.token:
                row.state = "rejected"

    def release(self, claim: Claim) -> None:
        with self._lock:
            address = claim.recipient.strip().lower()
            row = self.rows.get((claim.key.partition, address))
            if row is not None and row.token == claim.token and row.state == "claimed":
                del self.rows[(claim.key.partition, address)]
