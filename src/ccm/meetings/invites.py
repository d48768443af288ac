"""Invitations by email, for customers whose people do not use Teams (``uses_teams: false``).

Each such customer's subscribers of the meeting's topic get an email through the customer's own SES carrying the
iCalendar invitation: ``METHOD:REQUEST`` while the meeting stands (again, with a higher SEQUENCE, after each
update), ``METHOD:CANCEL`` once it is cancelled. Deliveries go through the delivery ledger under their own event
names (``meeting_request``, ``meeting_cancel``), so nobody gets the same invitation twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from ccm.backend.decisions import Topics
from ccm.backend.delivery import DeliveryReport
from ccm.backend.processor import USER_TRANSITIONS
from ccm.backend.recipients import RecipientDirectory
from ccm.backend.steps import Notifier, TriggerContext
from ccm.domain.objects import AnyObject, MeetingMetadata, ModificationType
from ccm.meetings.content import INVITE_EVENTS, MeetingContent
from ccm.meetings.ics import Invite, Method
from ccm.meetings.plan import active_meeting, cancelled_meeting, meeting_topic, meeting_zone

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


def invitation_state(obj: AnyObject) -> tuple[MeetingMetadata, Method] | None:
    """What an invitation about ``obj`` says now: the meeting stands (REQUEST) or was just cancelled (CANCEL)."""
    active = active_meeting(obj)
    if active is not None:
        return active, "REQUEST"
    cancelled = cancelled_meeting(obj)
    if cancelled is not None and _cancelled_since_last_user_change(obj, cancelled.meeting_id):
        return cancelled, "CANCEL"
    return None


def invite_for(
    obj: AnyObject,
    meeting: MeetingMetadata,
    *,
    method: Method,
    content: MeetingContent,
    organizer: str,
    attendees: tuple[str, ...],
    now: datetime,
) -> Invite:
    zone = meeting_zone(obj)
    start, end = meeting.start_time, meeting.end_time
    return Invite(
        uid=meeting.ical_uid or meeting.meeting_id,
        sequence=meeting.sequence,
        subject=meeting.subject,
        start=start,
        end=end,
        timezone=zone,
        organizer=meeting.organizer or organizer,
        description=content.description(obj, start, end, zone, now),
        location=(obj.meeting_location or "").strip() or None,
        join_url=meeting.join_url or None,
        url=content.views.view_url(obj),
        attendees=attendees,
        cancelled=method == "CANCEL",
    )


class CalendarInvites:
    def __init__(
        self,
        topics: Topics,
        directory: RecipientDirectory,
        notifier: Notifier,
        content: MeetingContent,
        organizer: str,
    ) -> None:
        self.topics = topics
        self.directory = directory
        self.notifier = notifier
        self.content = content
        self.organizer = organizer

    def send(self, context: TriggerContext, *, to: list[str] | None = None) -> DeliveryReport | None:
        """Mail this trigger's customer the invitation the object calls for, if it gets invitations by email.

        ``to`` replaces the customer's subscribers (still through the customer's SES and the ledger).
        """
        obj, customer = context.obj, context.customer
        state = invitation_state(obj)
        if state is None:
            return None
        meeting, method = state
        if customer.uses_teams and meeting.provider != "ics":
            return None
        topic = meeting_topic(obj, self.topics)
        recipients = to if to is not None else self.directory.recipients(customer.customer_code, topic)
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
            now=context.now,
        )
        email = self.content.invitation_email(obj, invite, method, customer.customer_code, topic, context.now)
        return self.notifier.send(context, INVITE_EVENTS[method], email, recipients, topic)
