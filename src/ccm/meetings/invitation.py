"""The iCalendar invitation of an object's meeting, as the invitations by email, the CLI and the download share it."""

from __future__ import annotations

from datetime import datetime

from ccm.domain.objects import AnyObject, MeetingMetadata
from ccm.meetings.content import MeetingContent
from ccm.meetings.ics import Invite, Method
from ccm.meetings.plan import meeting_zone


def invite_for(
    obj: AnyObject,
    meeting: MeetingMetadata,
    *,
    method: Method,
    content: MeetingContent,
    organizer: str,
    attendees: tuple[str, ...],
    now: datetime,
    customer_code: str | None = None,
) -> Invite:
    """The invitation; ``customer_code``: the customer whose invitees get it, which its description names."""
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
        description=content.description(obj, start, end, zone, now, customer_code),
        location=(obj.meeting_location or "").strip() or None,
        join_url=meeting.join_url or None,
        url=content.views.view_url(obj),
        attendees=attendees,
        cancelled=method == "CANCEL",
    )
