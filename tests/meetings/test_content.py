"""What a meeting says: the event body and the invitation email, with every user-written value escaped."""

from __future__ import annotations

from datetime import UTC, datetime

from ccm.config import AppConfig, SesConfig
from ccm.meetings.content import MeetingContent
from ccm.meetings.ics import Invite
from tests.backend_support import NOW
from tests.factories import make_change

HOSTILE = make_change(
    status="approved",
    changeTitle="Patch <script>alert(1)</script> & friends",
    changeReason="Because <b>we</b> must",
    rollbackPlan="Undo it\nthen check",
    customers=["alpha", "xray"],
    timezone="Europe/Berlin",
)
START, END = datetime(2030, 1, 7, 15, 0, tzinfo=UTC), datetime(2030, 1, 7, 17, 0, tzinfo=UTC)


def test_the_event_body_carries_the_changes_essentials_escaped(app_config: AppConfig) -> None:
    body = MeetingContent(app_config).body_html(HOSTILE, START, END, "Europe/Berlin", NOW)

    assert "<script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" in body
    assert "Because &lt;b&gt;we&lt;/b&gt; must" in body
    assert "Undo it<br>" in body
    assert "Mon 7 Jan 2030 16:00 – 18:00 CET" in body and "15:00 – 17:00 UTC" in body
    assert "Xray Imaging (xray)" in body and "CHG0012345" in body
    assert f"https://ccm.example.com/edit-change.html?changeId={HOSTILE.id}" in body


def test_the_invitation_description_is_plain_text_with_the_same_essentials(app_config: AppConfig) -> None:
    text = MeetingContent(app_config).description(HOSTILE, START, END, "Europe/Berlin", NOW)

    assert text.startswith("🔄 Change Implementation Meeting\n\nPatch <script>alert(1)</script> & friends\n")
    assert "When: Mon 7 Jan 2030 16:00 – 18:00 CET [Europe/Berlin]" in text
    assert "Rollback plan" in text and "Undo it\nthen check" in text
    assert "\n\n\n" not in text


def test_the_invitation_email_carries_the_calendar_as_a_part_and_as_an_attachment(
    app_config: AppConfig, ses_config: SesConfig
) -> None:
    invite = Invite(
        uid="uid-1",
        sequence=0,
        subject="Change Implementation: Patch",
        start=START,
        end=END,
        timezone="Europe/Berlin",
        organizer="change-calendar@example.com",
        description="essentials",
        join_url="https://teams.example.com/l/meetup-join/1",
        attendees=("engineer@xray.example.com",),
    )

    email = MeetingContent(app_config, ses_config).invitation_email(
        HOSTILE, invite, "REQUEST", "xray", "aws-calendar", NOW
    )

    assert email.subject == "Invitation: Change Implementation: Patch"
    assert email.calendar is not None and email.calendar.method == "REQUEST"
    assert "METHOD:REQUEST" in email.calendar.ics
    assert "https://teams.example.com/l/meetup-join/1" in email.html
    assert "&lt;script&gt;" in email.html and "<script>" not in email.html
    assert "subscribers of “AWS Calendar" in email.html
    assert dict(email.headers)["X-CCM-Event"] == "meeting_request"
    raw = email.prepare("notifications@mail.example.com", NOW).for_recipient("engineer@xray.example.com")
    assert b'Content-Type: text/calendar; charset="utf-8"; method="REQUEST"' in raw
    assert b'filename="invite.ics"' in raw
