"""Each customer's own maintenance calendar: what its emails already told it, behind a per-customer secret.

The feed lists the approved, completed, and (after approval) cancelled changes and announcements with a window that
concern the customer, whose window ended at most 30 days ago or lies ahead; an approved change that an edit sent back
for approval stays, marked as awaiting re-approval (``STATUS:TENTATIVE``). An entry carries only what the customer's
emails show (title, window, reason, customer impact, status): never plans, tickets, people or other customers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from ccm.config import CustomerMapping
from ccm.domain.status import Status
from ccm.domain.times import parse_datetime
from ccm.storage.catalog import Summary
from ccm.storage.feed_tokens import token_matches
from ccm.workflow.errors import FeedNotFound
from ccm.workflow.services import Services

PAST = timedelta(days=30)
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,128}$")


@dataclass(frozen=True)
class FeedEntry:
    """One event of a customer's feed, with nothing its emails do not already show."""

    object_id: str
    kind: str
    title: str
    status: Status
    start: datetime
    end: datetime
    timezone: str
    reason: str
    customer_impact: str
    version: int
    updated: datetime

    @classmethod
    def of(cls, summary: Summary) -> FeedEntry:
        assert summary.window_start is not None and summary.window_end is not None
        return cls(
            object_id=summary.id,
            kind=summary.kind,
            title=summary.title,
            status=summary.status,
            start=parse_datetime(summary.window_start),
            end=parse_datetime(summary.window_end),
            timezone=summary.window_timezone or "UTC",
            reason=summary.reason_excerpt,
            customer_impact=summary.impact_excerpt,
            version=summary.version,
            updated=parse_datetime(summary.modified_at),
        )

    @property
    def cancelled(self) -> bool:
        return self.status is Status.CANCELLED

    @property
    def awaiting_reapproval(self) -> bool:
        """Approved before, edited since and back for approval (the feed lists no other submitted object)."""
        return self.status is Status.SUBMITTED

    @property
    def status_words(self) -> str:
        return "awaiting re-approval" if self.awaiting_reapproval else self.status.value


@dataclass(frozen=True)
class CustomerFeed:
    customer: CustomerMapping
    entries: list[FeedEntry]
    generated_at: datetime
    since: datetime

    def upcoming(self) -> list[FeedEntry]:
        return [entry for entry in self.entries if entry.end > self.generated_at]

    def recent(self) -> list[FeedEntry]:
        return [entry for entry in self.entries if entry.end <= self.generated_at]


def customer_feed(services: Services, customer_code: str, token: str) -> CustomerFeed:
    """The feed of ``customer_code`` if ``token`` is its current token; :class:`FeedNotFound` otherwise, the same
    way for an unknown customer, a malformed token and a wrong one."""
    customer = services.config.customer_mappings.get(customer_code)
    stored = services.feed_tokens.current(customer_code) if customer is not None else None
    well_formed = bool(_TOKEN_SHAPE.match(token))
    if not token_matches(token if well_formed else "", stored) or customer is None:
        raise FeedNotFound()
    now = services.clock()
    since = now - PAST
    entries = [FeedEntry.of(summary) for summary in services.repository.feed(customer_code, since)]
    return CustomerFeed(customer, entries, now, since)


def feed_path(customer_code: str, token: str, *, ics: bool = True) -> str:
    return f"/feeds/{customer_code}/{token}" + (".ics" if ics else "")
