"""iCalendar invitations round-trip through icalendar with their UID, SEQUENCE, METHOD and VTIMEZONE."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from ccm.meetings.ics import Invite, render_ics

START = datetime(2030, 7, 1, 13, 30, tzinfo=UTC)
STAMP = datetime(2030, 6, 1, 9, 0, tzinfo=UTC)


def invite(**changes: object) -> Invite:
    fields: dict[str, object] = {
        "uid": "040000008200E00074C5B7101A82E008-ABC",
        "sequence": 3,
        "subject": "Change Implementation: Rotate; certificates, again",
        "start": START,
        "end": START + timedelta(minutes=90),
        "timezone": "Europe/Berlin",
        "organizer": "change-calendar@example.com",
        "description": "Why: certificates expire\nRollback: switch back, test",
        "join_url": "https://teams.example.com/l/meetup-join/abc",
        "url": "https://ccm.example.com/edit-change.html?changeId=CHG-1",
        "attendees": ("ops@xray.example.com", "dba@xray.example.com"),
    }
    fields.update(changes)
    return Invite(**fields)  # type: ignore[arg-type]


def parse(text: str) -> Calendar:
    calendar = Calendar.from_ical(text)
    assert isinstance(calendar, Calendar)
    return calendar


def unfolded(text: str) -> str:
    return text.replace("\r\n ", "")


def only_event(calendar: Calendar) -> Event:
    (event,) = calendar.events
    return event


def test_an_invitation_round_trips_with_uid_sequence_method_and_its_timezone() -> None:
    text = render_ics(invite(), "REQUEST", STAMP)
    calendar = parse(text)
    event = only_event(calendar)

    assert str(calendar.method) == "REQUEST"
    assert (str(event.uid), event.sequence, str(event.status)) == (
        "040000008200E00074C5B7101A82E008-ABC",
        3,
        "CONFIRMED",
    )
    assert [zone.tz_name for zone in calendar.timezones] == ["Europe/Berlin"]
    assert event.start == datetime(2030, 7, 1, 15, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert event.end - event.start == timedelta(minutes=90)
    assert "DTSTART;TZID=Europe/Berlin:20300701T153000" in text
    assert str(event.summary) == "Change Implementation: Rotate; certificates, again"
    assert str(event.description) == "Why: certificates expire\nRollback: switch back, test"
    assert str(event.organizer) == "mailto:change-calendar@example.com"
    assert [str(a) for a in event.attendees] == ["mailto:ops@xray.example.com", "mailto:dba@xray.example.com"]
    assert (event.attendees[0].params["RSVP"], event.attendees[0].params["ROLE"]) == ("TRUE", "REQ-PARTICIPANT")
    assert "X-MICROSOFT-SKYPETEAMSMEETINGURL:https://teams.example.com/l/meetup-join/abc" in unfolded(text)
    assert "TRIGGER:-PT15M" in text
    assert "\r\n" in text and all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_a_cancellation_carries_the_same_uid_a_higher_sequence_and_no_reminder() -> None:
    text = render_ics(invite(sequence=4, cancelled=True), "CANCEL", STAMP)
    calendar = parse(text)
    event = only_event(calendar)

    assert str(calendar.method) == "CANCEL"
    assert (str(event.uid), event.sequence, str(event.status)) == (
        "040000008200E00074C5B7101A82E008-ABC",
        4,
        "CANCELLED",
    )
    assert "RSVP" not in event.attendees[0].params
    assert "VALARM" not in text


def test_a_published_copy_names_nobody_to_answer() -> None:
    text = render_ics(invite(join_url=None, location="Room 4"), "PUBLISH", STAMP)
    event = only_event(parse(text))

    assert "METHOD:PUBLISH" in text
    assert event.attendees == []
    assert str(event.location) == "Room 4"
    assert "X-MICROSOFT-SKYPETEAMSMEETINGURL" not in text


def test_a_meeting_across_a_daylight_saving_change_has_both_rules_in_its_vtimezone() -> None:
    text = render_ics(invite(timezone="America/New_York", start=datetime(2030, 3, 10, 5, tzinfo=UTC)), "REQUEST", STAMP)
    (zone,) = parse(text).timezones

    assert {component.name for component in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}
