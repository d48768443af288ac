"""The meetings port: an online meeting in the organizer's calendar, as the scheduler needs it.

The real adapter is :class:`ccm.meetings.graph.GraphMeetings` (Microsoft Graph); service tests use an in-memory
fake. Every meeting carries a ``key`` chosen by ccm (``<object id>#<generation>``), so it can be found again
after a crash between creating it and recording it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ccm.errors import CcmError


@dataclass(frozen=True)
class MeetingRequest:
    """What a meeting should look like; ``start``/``end`` are aware, shown in the IANA ``timezone``."""

    key: str
    subject: str
    body_html: str
    start: datetime
    end: datetime
    timezone: str
    location: str | None
    attendees: tuple[str, ...]
    hide_attendees: bool = False


@dataclass(frozen=True)
class OnlineMeeting:
    """A meeting as the calendar holds it."""

    meeting_id: str
    ical_uid: str
    join_url: str
    organizer: str


class MeetingError(CcmError):
    """The calendar refused or failed a request; retrying the message may succeed (see ``retryable``)."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = True) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class MeetingGone(MeetingError):
    """The meeting no longer exists in the organizer's calendar (deleted there by hand)."""


class MeetingService(Protocol):
    organizer: str

    def find(self, key: str) -> OnlineMeeting | None:
        """The live meeting created with ``key`` (the oldest if there are several), if any."""
        ...

    def create(self, request: MeetingRequest) -> OnlineMeeting: ...

    def update(self, meeting_id: str, request: MeetingRequest) -> OnlineMeeting:
        """Replace subject, body, window, location and attendees; :class:`MeetingGone` if it no longer exists."""
        ...

    def cancel(self, meeting_id: str, comment: str) -> bool:
        """Cancel and notify the attendees; ``False`` when the meeting was already gone."""
        ...
