"""iCalendar invitations (RFC 5545/5546) made with icalendar.

One UID per meeting for its whole life (Graph's iCalUId for a Teams meeting, so a calendar that holds both
sees one event), a SEQUENCE that grows with each update and the cancellation, the window in the meeting's own
timezone with its VTIMEZONE, organizer and attendees. ``REQUEST`` invites, ``CANCEL`` withdraws, ``PUBLISH`` is a
copy to download and import (no attendees to answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, vCalAddress, vText

Method = Literal["REQUEST", "CANCEL", "PUBLISH"]
PRODUCT_ID = "-//Customer Contact Manager//Meetings//EN"
REMINDER = timedelta(minutes=15)


@dataclass(frozen=True)
class Invite:
    uid: str
    sequence: int
    subject: str
    start: datetime
    end: datetime
    timezone: str
    organizer: str
    description: str
    location: str | None = None
    join_url: str | None = None
    url: str | None = None
    attendees: tuple[str, ...] = ()
    cancelled: bool = False


def _address(email: str, **parameters: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(email)
    for name, value in parameters.items():
        address.params[name.replace("_", "-").upper()] = vText(value)
    return address


def _event(invite: Invite, method: Method, stamp: datetime) -> Event:
    zone = ZoneInfo(invite.timezone)
    cancelled = invite.cancelled or method == "CANCEL"
    event = Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", invite.start.astimezone(zone))
    event.add("dtend", invite.end.astimezone(zone))
    event.add("summary", invite.subject)
    event.add("description", invite.description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("class", "PUBLIC")
    location = invite.location or invite.join_url
    if location:
        event.add("location", location)
    if invite.url:
        event.add("url", invite.url)
    if invite.join_url:
        # Outlook and Teams show a "Join" button for this property.
        event.add("x-microsoft-skypeteamsmeetingurl", invite.join_url)
    event.add("organizer", _address(invite.organizer))
    if method != "PUBLISH":
        for attendee in invite.attendees:
            parameters = {"role": "REQ-PARTICIPANT", "partstat": "NEEDS-ACTION", "cutype": "INDIVIDUAL"}
            if not cancelled:
                parameters["rsvp"] = "TRUE"
            event.add("attendee", _address(attendee, **parameters))
    if not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", "Reminder")
        alarm.add("trigger", -REMINDER)
        event.add_component(alarm)
    return event


def render_ics(invite: Invite, method: Method, stamp: datetime) -> str:
    """The invitation as iCalendar text (CRLF line ends, folded lines), with the VTIMEZONE it needs."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(_event(invite, method, stamp))
    # The zone's rules from a year before the meeting to a few years after: enough for any client to place it.
    first = date(invite.start.year - 1, 1, 1)
    calendar.add_missing_timezones(first_date=first, last_date=date(invite.end.year + 3, 1, 1))
    return str(calendar.to_ical().decode("utf-8"))
