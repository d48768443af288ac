"""The ``.ics`` of an object's meeting, to download from the portal and import into any calendar.

``METHOD:PUBLISH`` (RFC 5546: an event published to whoever imports it, with nobody to answer), with the same
UID and SEQUENCE as the invitations, so importing it updates the entry an invitation already made; a cancelled
meeting comes with ``STATUS:CANCELLED``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ccm.errors import CcmError, ObjectNotFound
from ccm.meetings.content import MeetingContent
from ccm.meetings.ics import render_ics
from ccm.meetings.invitation import invite_for
from ccm.meetings.plan import cancelled_meeting
from ccm.workflow import Actor, Services, get_object
from ccm.workflow.commands import Kind


class NoMeeting(ObjectNotFound):
    """The object exists but has no meeting (yet): nothing to download."""

    def __init__(self, object_id: str, kind: str) -> None:
        CcmError.__init__(self, f"{kind} {object_id} has no meeting")
        self.object_id = object_id


@dataclass(frozen=True)
class CalendarFile:
    filename: str
    text: str
    etag: str


def meeting_calendar(services: Services, actor: Actor, object_id: str, *, kind: Kind) -> CalendarFile:
    stored = get_object(services, actor, object_id, kind=kind)
    assert stored is not None
    obj = stored.obj
    meeting = obj.meeting_metadata
    if meeting is None:
        raise NoMeeting(object_id, kind)
    cancelled = cancelled_meeting(obj)
    now = services.clock()
    invite = invite_for(
        obj,
        cancelled or meeting,
        method="CANCEL" if cancelled else "PUBLISH",
        content=MeetingContent(services.config),
        organizer=services.config.email_config.meeting_organizer,
        attendees=(),
        now=now,
    )
    return CalendarFile(filename=f"{object_id}.ics", text=render_ics(invite, "PUBLISH", now), etag=stored.etag)
