"""Every topic's recipients of a customer, read from the customer's own SES and kept for a minute.

The portal asks "whom does this reach?" for every pending item it shows; items share customers, so one reading
of a customer's contact list (all topics at once, :meth:`ccm.mail.ses.SesMailbox.topic_subscribers`) answers every
item of that customer for a minute. SES lists contacts at one request per second per account: without the cache
an approvals page of twenty items would queue behind that limit.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from ccm.config import AppConfig, CustomerMapping
from ccm.domain.times import utc_now
from ccm.mail.recipients import screen

TTL = timedelta(minutes=1)

READ_ONLY_SESSION_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CountContactsOnly",
                "Effect": "Allow",
                "Action": [
                    "ses:ListContactLists",
                    "ses:GetContactList",
                    "ses:ListContacts",
                    "ses:ListSuppressedDestinations",
                ],
                "Resource": "*",
            }
        ],
    },
    separators=(",", ":"),
)
"""The session policy of the sessions that count audiences in a customer's account: the customer's role also
sends mail, and counting must not be able to."""


class ContactSource(Protocol):
    """What the count needs of one customer's SES (:class:`ccm.mail.ses.SesMailbox` is one)."""

    def topic_subscribers(self) -> dict[str, list[str]]: ...

    def suppressed(self) -> frozenset[str]: ...


class ContactSources(Protocol):
    def for_customer(self, customer: CustomerMapping) -> ContactSource: ...


@dataclass(frozen=True)
class CustomerTopics:
    """One reading of a customer's audience: each topic of its contact list with its recipients."""

    customer_code: str
    recipients: dict[str, list[str]]
    read_at: datetime


class CustomerAudiences:
    """Each customer's recipients per topic, read at most once per ``ttl`` (one reader at a time per customer)."""

    def __init__(
        self,
        config: AppConfig,
        sources: ContactSources,
        *,
        ttl: timedelta = TTL,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.config = config
        self.sources = sources
        self.ttl = ttl
        self.clock = clock
        self._read: dict[str, CustomerTopics] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def topics_of(self, customer_code: str) -> CustomerTopics:
        """Raises what reading the customer's SES raised (no contact list, access refused); failures are not kept."""
        with self._guard:
            lock = self._locks.setdefault(customer_code, threading.Lock())
        with lock:
            cached = self._read.get(customer_code)
            if cached is not None and self.clock() - cached.read_at < self.ttl:
                return cached
            read = self._read_now(self.config.customer(customer_code))
            self._read[customer_code] = read
            return read

    def _read_now(self, customer: CustomerMapping) -> CustomerTopics:
        source = self.sources.for_customer(customer)
        subscribed = source.topic_subscribers()
        recipients = {
            topic: screen(customer, topic, addresses, source.suppressed).recipients
            for topic, addresses in subscribed.items()
        }
        return CustomerTopics(customer.customer_code, recipients, self.clock())
