"""Breaking up ``{{`` keeps what the reader sees: HTML shows the same braces, a calendar reads the same text."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from icalendar import Calendar

from ccm.mail.placeholders import inert_calendar, inert_html, inert_text
from ccm.meetings.ics import Invite, render_ics

TYPED = "Rollout {{amazonSESUnsubscribeUrl}} {{{triple}}} {{ spaced }}"


def test_no_pair_of_braces_is_left_and_the_reader_sees_the_same_text() -> None:
    for inert in (inert_text(TYPED), inert_html(TYPED)):
        assert "{{" not in inert
    assert inert_text(TYPED).replace("\u200b", "") == TYPED
    assert html.unescape(inert_html(TYPED)) == TYPED


def test_an_invitation_reads_back_as_typed_with_every_line_within_75_octets() -> None:
    subject = ("{" * 80) + " " + TYPED * 3
    invite = Invite(
        uid="uid-1",
        sequence=0,
        subject=subject,
        start=datetime(2030, 1, 7, 15, 0, tzinfo=UTC),
        end=datetime(2030, 1, 7, 16, 0, tzinfo=UTC),
        timezone="Europe/Berlin",
        organizer="calendar@example.com",
        description=TYPED,
        location=TYPED,
    )

    inert = inert_calendar(render_ics(invite, "REQUEST", datetime(2030, 1, 6, tzinfo=UTC)))

    assert "{{" not in inert
    assert max(len(line.encode()) for line in inert.split("\r\n")) <= 75
    (event,) = Calendar.from_ical(inert).events
    assert (str(event["summary"]), str(event["description"]), str(event["location"])) == (subject, TYPED, TYPED)
