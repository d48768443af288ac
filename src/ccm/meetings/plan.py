"""What an object's meeting should be: subject, window in the object's own timezone, who is invited.

* Change: ``meetingTitle`` or "Change Implementation: <title>"; from ``meetingTime`` for ``meetingDuration``
  (default one hour) when a meeting time is set, else the implementation window (one hour when it has no end).
  Invited: every affected customer's subscribers of the change calendar topic (``aws-calendar``).
* Announcement: ``meeting_title`` or "<TYPE> Event: <title>"; from ``meeting_date`` for ``meeting_duration``
  minutes in ``meeting_timezone``. Invited: every affected customer's subscribers of the announcement's own type
  topic (``cic-announce``, ...): the people the announcement is for; there is no separate calendar topic for
  announcements, and ``aws-calendar`` is about change windows. Attendees are hidden from each other.
* Both: the comma-separated ``attendees`` field adds people by address.

The plan's ``revision`` fingerprints what, when changed, needs the calendar event updated.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime

from ccm.domain.meeting_length import DEFAULT_DURATION, meeting_length
from ccm.domain.objects import Announcement, AnyObject, Change, MeetingMetadata, ModificationType
from ccm.domain.times import DEFAULT_TIMEZONE, is_timezone
from ccm.mail.decisions import Topics
from ccm.mail.mime import valid_address
from ccm.mail.views import clean_subject

_SEPARATORS = re.compile(r"[,;\s]+")
parse_duration = meeting_length
"""Minutes as a number or text ("90", "90 minutes", "2 hours"); anything else is the default hour."""


def listed_attendees(value: str | None) -> tuple[str, ...]:
    """The addresses of a free-text attendee list, each once (case-insensitively), malformed ones dropped."""
    found: dict[str, str] = {}
    for candidate in _SEPARATORS.split(value or ""):
        address = candidate.strip().strip("<>")
        if address and valid_address(address):
            found.setdefault(address.lower(), address)
    return tuple(found.values())


def generation(obj: AnyObject) -> int:
    """How many meetings of this object were cancelled: a meeting scheduled again is a new one."""
    return sum(1 for entry in obj.modifications if entry.modification_type is ModificationType.MEETING_CANCELLED)


def _cancelled_ids(obj: AnyObject) -> set[str]:
    return {
        entry.meeting_metadata.meeting_id
        for entry in obj.modifications
        if entry.modification_type is ModificationType.MEETING_CANCELLED and entry.meeting_metadata is not None
    }


def active_meeting(obj: AnyObject) -> MeetingMetadata | None:
    """The object's recorded meeting, unless it was cancelled."""
    meeting = obj.meeting_metadata
    if meeting is None or meeting.meeting_id in _cancelled_ids(obj):
        return None
    return meeting


def cancelled_meeting(obj: AnyObject) -> MeetingMetadata | None:
    """The object's recorded meeting if it was cancelled, as the cancellation recorded it."""
    meeting = obj.meeting_metadata
    if meeting is None:
        return None
    for entry in reversed(obj.modifications):
        if (
            entry.modification_type is ModificationType.MEETING_CANCELLED
            and entry.meeting_metadata is not None
            and entry.meeting_metadata.meeting_id == meeting.meeting_id
        ):
            return entry.meeting_metadata
    return None


@dataclass(frozen=True)
class MeetingPlan:
    object_id: str
    kind: str
    generation: int
    subject: str
    start: datetime
    end: datetime
    timezone: str
    location: str | None
    customers: tuple[str, ...]
    listed_attendees: tuple[str, ...]
    topic: str
    hide_attendees: bool

    @property
    def key(self) -> str:
        """The meeting's identity in the calendar: one per object and generation."""
        return f"{self.object_id}#{self.generation}"

    @property
    def revision(self) -> str:
        fingerprint = {
            "subject": self.subject,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "timezone": self.timezone,
            "location": self.location,
            "customers": sorted(self.customers),
            "attendees": sorted(address.lower() for address in self.listed_attendees),
            "hidden": self.hide_attendees,
        }
        return hashlib.sha256(json.dumps(fingerprint, sort_keys=True).encode()).hexdigest()[:20]


def meeting_zone(obj: AnyObject) -> str:
    """The IANA zone the meeting is shown in: the change's own, or the announcement's meeting zone."""
    if isinstance(obj, Change):
        return obj.timezone
    zone_name = obj.meeting_timezone
    return zone_name if zone_name and is_timezone(zone_name) else DEFAULT_TIMEZONE


def meeting_topic(obj: AnyObject, topics: Topics) -> str:
    """Whose subscribers are invited: the change calendar topic, or the announcement's own type topic."""
    if isinstance(obj, Change):
        return topics.change_calendar
    assert isinstance(obj, Announcement)
    return topics.announcement(obj.announcement_type)


def _change_window(change: Change) -> tuple[datetime, datetime] | None:
    if change.meeting_time is not None:
        return change.meeting_time, change.meeting_time + parse_duration(change.meeting_duration)
    start, end = change.implementation_start, change.implementation_end
    if start is None:
        return None
    if end is None or end <= start:
        end = start + DEFAULT_DURATION
    return start, end


def meeting_plan(obj: AnyObject, topics: Topics) -> MeetingPlan | None:
    """The meeting ``obj`` describes, whether or not it asks for one; ``None`` when it names no time."""
    if isinstance(obj, Change):
        window = _change_window(obj)
        subject = obj.meeting_title or f"Change Implementation: {obj.title}"
        hidden = False
    else:
        assert isinstance(obj, Announcement)
        start = obj.meeting_date
        window = (start, start + parse_duration(obj.meeting_duration)) if start is not None else None
        subject = obj.meeting_title or f"{obj.announcement_type.value.upper()} Event: {obj.title}"
        hidden = True
    if window is None:
        return None
    return MeetingPlan(
        object_id=obj.id,
        kind=obj.kind,
        generation=generation(obj),
        subject=clean_subject(subject) or obj.id,
        start=window[0],
        end=window[1],
        timezone=meeting_zone(obj),
        location=(obj.meeting_location or "").strip() or None,
        customers=tuple(obj.customers),
        listed_attendees=listed_attendees(obj.attendees),
        topic=meeting_topic(obj, topics),
        hide_attendees=hidden,
    )


def completed_before_meeting(obj: AnyObject, topics: Topics) -> bool:
    """Whether ``obj`` was completed before its meeting (made, or still to be made) started.

    Judged by the completion's own time, not by when a message is processed, so every customer's message and every
    redelivery decides the same.
    """
    entry = obj.latest(ModificationType.COMPLETED)
    completed = obj.completed_at or (entry.timestamp if entry else None)
    if completed is None:
        return False
    meeting = active_meeting(obj)
    if meeting is not None:
        return completed < meeting.start_time
    plan = meeting_plan(obj, topics) if obj.include_meeting else None
    return plan is not None and completed < plan.start
