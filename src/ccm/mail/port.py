"""The email port: one customer's SES, as the backend needs it. Small on purpose, so a fake is easy.

The real adapter is :mod:`ccm.mail.ses`; tests and benchmarks use an in-memory fake.
"""

from __future__ import annotations

from typing import Protocol

from ccm.config import CustomerMapping
from ccm.errors import CcmError


class Throttled(CcmError):
    """SES refused a send for rate; the same send may be tried again after a pause."""


class AccountRefused(CcmError):
    """SES refuses every send of the account for now (sending paused, credentials refused, daily quota reached).

    Trying the next address cannot help: a delivery stops starting sends, and the message is retried later.
    """


class AddressRejected(CcmError):
    """SES refused this one address for good (e.g. ``MessageRejected`` for it): that recipient's outcome, recorded
    in the ledger, not a reason to retry the message."""


class AudienceUnavailable(CcmError):
    """The customer's contact list, or the topic on it, does not exist: provisioning is incomplete.

    Raised rather than treated as "no subscribers", so the message is retried and ends in the dead-letter
    queue, where it can be replayed once the list is fixed, instead of being silently dropped.
    """


class Mailbox(Protocol):
    """One customer's own SES account."""

    def subscribers(self, topic: str) -> list[str]:
        """Every contact of the account's contact list that is subscribed to ``topic`` (paged to the end)."""
        ...

    def suppressed(self) -> frozenset[str]:
        """Lower-cased addresses on the account's suppression list."""
        ...

    def max_send_rate(self) -> float:
        """Messages per second the account may send."""
        ...

    def send(self, recipient: str, raw: bytes, topic: str) -> str:
        """Send one raw MIME message to one recipient, with list management for ``topic`` (an empty topic: an
        internal email to one person, outside the contact list); the SES message id.

        Raises :class:`Throttled` (try again shortly), :class:`AccountRefused` (no send of the account can succeed
        now), :class:`AddressRejected` (never this address); anything else is a transient failure of this send.
        """
        ...

    def send_outside_topics(self, recipient: str, raw: bytes, sender: str | None = None) -> str:
        """Like :meth:`send`, for a message that belongs to no topic (to our own people): no list management."""
        ...


class Mailboxes(Protocol):
    def for_customer(self, customer: CustomerMapping) -> Mailbox: ...
