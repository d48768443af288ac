"""Every subject of every email the system sends starts with the event in words, never with only a symbol.

A reader whose font cannot draw an emoji still tells an approval request from a cancellation, and an inbox sorted
by subject groups the same events together.
"""

from __future__ import annotations

import email
import email.policy
import re
import unicodedata
from datetime import UTC, datetime

import pytest

from ccm.config import AppConfig, SesConfig
from ccm.domain.ids import AnnouncementType
from ccm.domain.objects import AnyObject
from ccm.mail.decisions import Topics, decide
from ccm.mail.mime import RenderedEmail
from ccm.mail.render import EmailRenderer
from ccm.mailouts.messages import delivery_test, preferences_notice, topic_test
from ccm.meetings.content import MeetingContent
from ccm.meetings.ics import Invite, Method
from tests.factories import make_announcement, make_change

NOW = datetime(2030, 1, 6, 12, 0, tzinfo=UTC)
START, END = datetime(2030, 1, 7, 15, 0, tzinfo=UTC), datetime(2030, 1, 7, 17, 0, tzinfo=UTC)
TITLE = "Rotate the certificates"
EVENT_WORDS = {
    "submitted": "Approval requested",
    "approved": "Approved",
    "completed": "Completed",
    "cancelled": "Cancelled",
}
STAMPS = {
    "submitted": {},
    "approved": {"approvedBy": "approver@example.com", "approvedAt": "2030-01-02T10:00:00Z"},
    "completed": {"approvedBy": "approver@example.com", "completedBy": "approver@example.com"},
    "cancelled": {"cancelledBy": "requester@example.com"},
}


def sent_subject(rendered: RenderedEmail) -> str:
    """The Subject header as a mail client decodes it from the bytes SES receives."""
    raw = rendered.prepare("notifications@mail.example.com", NOW).for_recipient("reader@example.com")
    return str(email.message_from_bytes(raw, policy=email.policy.default)["Subject"])


def starts_with_words(subject: str) -> bool:
    """A word first: the first character is a letter, not a symbol (emoji are category So)."""
    return bool(subject) and unicodedata.category(subject[0]).startswith("L")


def notifications() -> list[tuple[str, AnyObject, str]]:
    cases: list[tuple[str, AnyObject, str]] = []
    for status, words in EVENT_WORDS.items():
        cases.append((f"change-{status}", make_change(status=status, changeTitle=TITLE, **STAMPS[status]), words))
        for kind in AnnouncementType:
            announcement = make_announcement(kind, status=status, title=TITLE, **STAMPS[status])
            cases.append((f"{kind.value}-{status}", announcement, words))
    cases.append(("change-cancelled-before-approval", make_change(status="cancelled", changeTitle=TITLE), "Cancelled"))
    return cases


@pytest.mark.parametrize(("name", "obj", "words"), notifications(), ids=[case[0] for case in notifications()])
def test_every_notification_subject_names_its_event_in_words_first(
    app_config: AppConfig, ses_config: SesConfig, name: str, obj: AnyObject, words: str
) -> None:
    notice = decide(obj, Topics.from_ses_config(ses_config))
    assert notice is not None

    rendered = EmailRenderer(app_config, ses_config).render(obj, notice, "alpha", NOW)

    assert rendered.subject == f"{words}: {TITLE}"
    assert sent_subject(rendered) == f"{words}: {TITLE}"


@pytest.mark.parametrize(
    ("method", "sequence", "moved", "words"),
    [
        ("REQUEST", 0, False, "Invitation"),
        ("REQUEST", 1, False, "Updated"),
        ("REQUEST", 4, False, "Updated"),
        ("REQUEST", 1, True, "Rescheduled"),
        ("CANCEL", 2, False, "Cancelled"),
        ("CANCEL", 2, True, "Cancelled"),
    ],
)
def test_every_calendar_invitation_subject_names_its_event_in_words_first(
    app_config: AppConfig, ses_config: SesConfig, method: Method, sequence: int, moved: bool, words: str
) -> None:
    change = make_change(status="approved", changeTitle=TITLE, customers=["xray"])
    invite = Invite(
        uid="uid-1",
        sequence=sequence,
        subject=f"Change Implementation: {TITLE}",
        start=START,
        end=END,
        timezone="Europe/Berlin",
        organizer="change-calendar@example.com",
        description="essentials",
        attendees=("engineer@xray.example.com",),
        cancelled=method == "CANCEL",
    )

    rendered = MeetingContent(app_config, ses_config).invitation_email(
        change, invite, method, "xray", "aws-calendar", NOW, rescheduled=moved
    )

    assert rendered.subject == f"{words}: Change Implementation: {TITLE}"
    assert sent_subject(rendered) == rendered.subject


def test_every_service_email_subject_starts_with_words(app_config: AppConfig, ses_config: SesConfig) -> None:
    alpha = app_config.customer("alpha")
    topic = ses_config.topic("aws-announce")
    assert topic is not None
    subjects = [
        sent_subject(delivery_test(alpha, "notifications@mail.example.com", "reader@example.com", NOW)),
        sent_subject(topic_test(alpha, topic, "", NOW)),
        sent_subject(preferences_notice(alpha, topic, [topic], "", NOW)),
    ]

    assert all(starts_with_words(subject) for subject in subjects), subjects
    assert not [subject for subject in subjects if re.search(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]", subject)]
