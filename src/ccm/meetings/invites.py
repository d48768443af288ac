"""Invitations by email, for customers whose people do not use Teams (``uses_teams: false``).

Each such customer's subscribers of the meeting's topic get an email through the customer's own SES carrying the
iCalendar invitation: ``METHOD:REQUEST`` while the meeting stands (again, with a higher SEQUENCE, after each
update), ``METHOD:CANCEL`` once it is cancelled. They are delivered under their own ledger event names
(``meeting_request``, ``meeting_cancel``), so nobody gets the same invitation twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from ccm.config import CustomerMapping
from ccm.domain.objects import USER_TRANSITIONS, AnyObject, MeetingMetadata, ModificationType
from ccm.mail.decisions import Topics
from ccm.mail.mime import RenderedEmail
from ccm.mail.recipients import RecipientDirectory
from ccm.meetings.content import INVITE_EVENTS, MeetingContent
from ccm.meetings.ics import Method
from ccm.meetings.invitation import invite_for
from ccm.meetings.plan import active_meeting, cancelled_meeting, meeting_topic

logger = logging.getLogger(__name__)


def _cancelled_since_last_user_change(obj: AnyObject, meeting_id: str) -> bool:
    """A cancellation is announced by the object version that made it, not again by every later edit."""
    for entry in reversed(obj.modifications):
        if entry.modification_type in USER_TRANSITIONS:
            return False
        if (
            entry.modification_type is ModificationType.MEETING_CANCELLED
            and entry.meeting_metadata is not None
            and entry.meeting_metadata.meeting_id == meeting_id
        ):
            return True
    return False


def rescheduled(obj: AnyObject, meeting: MeetingMetadata) -> bool:
    """Whether the meeting's latest recorded version moved it in time (start or end) from the one before.

    Such an update is headed "Rescheduled:" rather than "Updated:", so a reader sees from the subject alone that
    the meeting's time changed; the version before is the meeting's previous entry in the history.
    """
    windows = [
        (entry.meeting_metadata.start_time, entry.meeting_metadata.end_time)
        for entry in obj.modifications
        if entry.modification_type in (ModificationType.MEETING_SCHEDULED, ModificationType.MEETING_UPDATED)
        and entry.meeting_metadata is not None
        and entry.meeting_metadata.meeting_id == meeting.meeting_id
    ]
    return len(windows) >= 2 and windows[-2] != (meeting.start_time, meeting.end_time)


def invitation_state(obj: AnyObject) -> tuple[MeetingMetadata, Method] | None:
    """What an invitation about ``obj`` says now: the meeting stands (REQUEST) or was just cancelled (CANCEL)."""
    active = active_meeting(obj)
    if active is not None:
        return active, "REQUEST"
    cancelled = cancelled_meeting(obj)
    if cancelled is not None and _cancelled_since_last_user_change(obj, cancelled.meeting_id):
        return cancelled, "CANCEL"
    return None


@dataclass(frozen=True)
class InvitationEmail:
    """One customer's invitation email: the ledger event it is delivered under, to whom, on which topic."""

    event: str
    email: RenderedEmail
    recipients: list[str]
    topic: str


class CalendarInvites:
    def __init__(self, topics: Topics, directory: RecipientDirectory, content: MeetingContent, organizer: str) -> None:
        self.topics = topics
        self.directory = directory
        self.content = content
        self.organizer = organizer

    def prepare(
        self, obj: AnyObject, customer: CustomerMapping, now: datetime, *, withdrawn: bool = False
    ) -> InvitationEmail | None:
        """The invitation the object calls for at this customer, if it gets invitations by email and anyone
        subscribes; ``None`` otherwise. ``withdrawn``: the customer was removed from the object, so its people are
        taken off the meeting (a cancellation for them) while it stands for the others."""
        state = invitation_state(obj)
        if state is None:
            return None
        meeting, method = state
        if withdrawn:
            method = "CANCEL"
        if customer.uses_teams and meeting.provider != "ics":
            return None
        topic = meeting_topic(obj, self.topics)
        recipients = self.directory.recipients(customer.customer_code, topic)
        if not recipients:
            logger.info("no invitation of %s for %s: nobody subscribes to %s", obj.id, customer.customer_code, topic)
            return None
        invite = invite_for(
            obj,
            meeting,
            method=method,
            content=self.content,
            organizer=self.organizer,
            attendees=tuple(recipients),
            now=now,
            customer_code=customer.customer_code,
        )
        email = self.content.invitation_email(
            obj, invite, method, customer.customer_code, topic, now, rescheduled=rescheduled(obj, meeting)
        )
        return InvitationEmail(INVITE_EVENTS[method], email, recipients, topic)
