"""Whom an object reaches once approved, as counts: per customer, the recipients of its notification and of its
meeting, and whether a meeting will be made at all. Addresses never leave the server; only how many there are.

An approver reads this before approving ("Alpha Retail: 4 recipients on aws-announce"; "Bravo Media: nobody
subscribes to finops-announce"; "no meeting: nobody is invited"), so nobody waits for a meeting that cannot come.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from ccm.domain.times import format_rfc3339

InvitedBy = Literal["teams", "email"]


@dataclass(frozen=True)
class TopicReach:
    """How many people of one customer receive what is sent on ``topic`` (after its allow-list and suppression)."""

    topic: str
    recipients: int

    def to_document(self) -> dict[str, Any]:
        return {"topic": self.topic, "recipients": self.recipients}


@dataclass(frozen=True)
class CustomerReach:
    """One customer: its notification's reach, its meeting invitation's reach and how it is invited, or why its
    audience could not be read (``problem``, a sentence about the customer: "its contact list has no topic ...")."""

    code: str
    name: str
    notification: TopicReach | None = None
    meeting: TopicReach | None = None
    invited_by: InvitedBy | None = None
    problem: str | None = None

    def to_document(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "notification": self.notification.to_document() if self.notification else None,
            "meeting": self.meeting.to_document() if self.meeting else None,
            "invitedBy": self.invited_by,
            "problem": self.problem,
        }


@dataclass(frozen=True)
class MeetingReach:
    """The object's one meeting: how many people it invites (Teams attendees and invitations by email, each address
    once), how many of them were listed by hand, and ``unknown`` when some customer's audience could not be read."""

    topic: str
    invited: int
    listed: int = 0
    unknown: bool = False

    @property
    def nobody_invited(self) -> bool:
        return not self.unknown and self.invited == 0

    def to_document(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "invited": self.invited,
            "listedAttendees": self.listed,
            "unknown": self.unknown,
            "nobodyInvited": self.nobody_invited,
        }


@dataclass(frozen=True)
class ObjectAudience:
    """``counted_at``: when the oldest of the customers' counts was read (they are kept for a minute)."""

    object_id: str
    counted_at: datetime
    customers: list[CustomerReach] = field(default_factory=list)
    meeting: MeetingReach | None = None

    def to_document(self) -> dict[str, Any]:
        return {
            "id": self.object_id,
            "countedAt": format_rfc3339(self.counted_at),
            "customers": [customer.to_document() for customer in self.customers],
            "meeting": self.meeting.to_document() if self.meeting else None,
        }
