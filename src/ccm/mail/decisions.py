"""Which email an object's status calls for, and which SES topic's subscribers receive it.

The event is derived only from the archived object's ``status`` (never from the trigger's body or metadata).
A cancellation goes to the people who already heard of the object: the announcement topic once it was
approved, otherwise the approvers' topic that received the approval request.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ccm.config import SesConfig
from ccm.domain.ids import AnnouncementType
from ccm.domain.objects import Announcement, AnyObject
from ccm.domain.status import Status


class EmailEvent(StrEnum):
    APPROVAL_REQUEST = "approval_request"
    APPROVED = "approved"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    """To the requester only (internal mail): the approval was refused, with the reason."""
    UPDATED = "updated"
    """An approved object changed and was approved again: what changed since the customer was last told."""
    RESCHEDULED = "rescheduled"
    """The same, when its window (an announcement's meeting) moved."""
    REMINDER = "reminder"
    """Before an approved change's window starts, at the configured offsets."""
    OVERDUE = "overdue"
    """To the requester, after an approved change's window ended and it is still open."""


CUSTOMER_NOTICES = frozenset({EmailEvent.APPROVED, EmailEvent.UPDATED, EmailEvent.RESCHEDULED, EmailEvent.REMINDER})
"""Notices to the customers about an approved object (sent to the announcement topic)."""


EVENT_FOR_STATUS: dict[Status, EmailEvent] = {
    Status.SUBMITTED: EmailEvent.APPROVAL_REQUEST,
    Status.APPROVED: EmailEvent.APPROVED,
    Status.COMPLETED: EmailEvent.COMPLETED,
    Status.CANCELLED: EmailEvent.CANCELLED,
}

CHANGE_APPROVAL_MEMBER = "approval"
CHANGE_ANNOUNCE_MEMBER = "announce"
CHANGE_CALENDAR_MEMBER = "calendar"
DEFAULT_CHANGE_PREFIX = "aws"
INTERNAL = ""
"""No topic: an internal email to one person (the requester), outside every contact list."""
ANNOUNCEMENT_APPROVAL_TOPIC = "announce-approval"
ANNOUNCEMENT_TOPICS: dict[AnnouncementType, str] = {
    AnnouncementType.CIC: "cic-announce",
    AnnouncementType.FINOPS: "finops-announce",
    AnnouncementType.INNERSOURCE: "inner-announce",
    AnnouncementType.GENERAL: "general-updates",
}


@dataclass(frozen=True)
class Topics:
    """The topic names the decisions use, with the change topics under SESConfig's first group prefix."""

    change_approval: str
    change_announce: str
    announcement_approval: str = ANNOUNCEMENT_APPROVAL_TOPIC
    change_calendar: str = f"{DEFAULT_CHANGE_PREFIX}-{CHANGE_CALENDAR_MEMBER}"

    @classmethod
    def from_ses_config(cls, ses_config: SesConfig) -> Topics:
        # Group members are expanded per prefix (``aws`` x ``approval`` -> ``aws-approval``); changes are the
        # first group's (the original's hard-coded ``aws-``), named the same way the contact lists were built.
        prefix = ses_config.topic_group_prefix[0].lower() if ses_config.topic_group_prefix else DEFAULT_CHANGE_PREFIX
        return cls(
            change_approval=f"{prefix}-{CHANGE_APPROVAL_MEMBER}",
            change_announce=f"{prefix}-{CHANGE_ANNOUNCE_MEMBER}",
            change_calendar=f"{prefix}-{CHANGE_CALENDAR_MEMBER}",
        )

    def announcement(self, kind: AnnouncementType) -> str:
        return ANNOUNCEMENT_TOPICS[kind]


@dataclass(frozen=True)
class Notice:
    """One email to send for an object in its current status: what it says and who may receive it."""

    event: EmailEvent
    topic: str


def decide(obj: AnyObject, topics: Topics) -> Notice | None:
    """The notice for ``obj``'s status, or ``None`` when the status calls for no email (drafts)."""
    event = EVENT_FOR_STATUS.get(obj.status)
    if event is None:
        return None
    return Notice(event, topic_for(obj, event, topics))


def internal_notice(obj: AnyObject, topics: Topics) -> Notice | None:
    """A notice to our own people rather than the customers' subscribers: a rejection tells its requester.

    Its topic only names the audience that asked for the decision; it is sent outside every topic."""
    if obj.status is not Status.REJECTED:
        return None
    return Notice(EmailEvent.REJECTED, topic_for(obj, EmailEvent.APPROVAL_REQUEST, topics))


def topic_for(obj: AnyObject, event: EmailEvent, topics: Topics) -> str:
    """The topic whose subscribers receive ``event`` about ``obj``."""
    if isinstance(obj, Announcement):
        approval, announce = topics.announcement_approval, topics.announcement(obj.announcement_type)
    else:
        approval, announce = topics.change_approval, topics.change_announce
    if event is EmailEvent.APPROVAL_REQUEST:
        return approval
    if event is EmailEvent.CANCELLED and not obj.ever_approved:
        return approval
    if event is EmailEvent.OVERDUE:
        return INTERNAL
    return announce
