"""No text a user typed can become an SES placeholder: every email of a change's and an announcement's life, checked
on the bytes the backend handler hands to SES, with ``{{...}}`` typed into every text field.

SES puts each recipient's unsubscribe link where ``{{amazonSESUnsubscribeUrl}}`` stands and reads ``{{...}}`` as its
placeholder syntax; only the templates' own link may reach it in that form.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from functions.backend import app

from ccm.config import SesConfig
from ccm.domain.objects import AnyObject
from tests.backend_fakes import SentMail
from tests.backend_support import Harness, LambdaContext, sqs_event, trigger_body
from tests.factories import make_announcement, make_change
from tests.meeting_support import meeting_harness, serialized_store

CUSTOMER = "alpha"
READER = "reader@alpha.example.com"
PLACEHOLDER = "{{amazonSESUnsubscribeUrl}}"
ZERO_WIDTH_SPACE = "\u200b"
ATTENDEE = "attendee{{amazonSESUnsubscribeUrl}}@example.com"
"""Listed attendees are invited through Teams, not mailed: if a template ever showed them, the checks would see it."""


def typed(field: str) -> str:
    """What a user typed into ``field``: SES's own placeholder, spaced out, a block helper and triple braces."""
    return f"{field} says {PLACEHOLDER} and {{{{ amazonSESUnsubscribeUrl }}}} {{{{#if x}}}}{{{{{{raw}}}}}}"


CHANGE_FIELDS = [
    "changeTitle",
    "changeReason",
    "implementationPlan",
    "testPlan",
    "customerImpact",
    "rollbackPlan",
    "snowTicket",
    "jiraTicket",
    "meetingTitle",
    "meetingLocation",
]
ANNOUNCEMENT_FIELDS = ["title", "summary", "content", "meeting_title", "meeting_location"]
ATTACHMENT = {"name": typed("attachment"), "url": f"https://files.example.com/{PLACEHOLDER}/runbook.pdf"}


@pytest.fixture(autouse=True)
def fresh_handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setattr(app, "_backend", None)
    monkeypatch.setattr(app, "_entry", None)
    yield


@pytest.fixture
def harness(aws: None, ses_config: SesConfig) -> Harness:
    """The real backend without Teams, so every meeting also goes out as an invitation by email."""
    repository, dynamodb = serialized_store()
    harness = meeting_harness(repository, dynamodb, None)
    for topic in ses_config.topic_names():
        harness.subscribe(CUSTOMER, topic, READER)
    app._backend = harness.backend
    return harness


def handle(harness: Harness, obj: AnyObject) -> None:
    event = sqs_event([trigger_body(CUSTOMER, obj.id, bucket=harness.bucket)])
    assert app.handler(event, LambdaContext()) == {"batchItemFailures": []}  # type: ignore[arg-type]


def live_through_every_email(harness: Harness, first: AnyObject, second: AnyObject) -> None:
    """``first``: submitted, approved with a meeting, completed; ``second``: approved, then cancelled."""
    harness.publish(first)
    handle(harness, first)
    for status in ("approved", "completed"):
        handle(harness, harness.transition(first.id, status))
    harness.publish(second)
    handle(harness, second)
    handle(harness, harness.transition(second.id, "cancelled"))


def leaves(message: EmailMessage) -> Iterator[tuple[str, str]]:
    for part in message.walk():
        if part.is_multipart():
            continue
        assert isinstance(part, EmailMessage)
        content: Any = part.get_content()
        yield part.get_content_type(), content.decode("utf-8") if isinstance(content, bytes) else content


def readable(content_type: str, content: str) -> str:
    """The text as its reader sees it: references decoded, zero-width spaces unseen, iCalendar lines unfolded."""
    if content_type == "text/html":
        return html.unescape(content)
    if content_type in {"text/calendar", "application/ics"}:
        return content.replace("\r\n ", "")
    return content.replace(ZERO_WIDTH_SPACE, "")


def assert_only_the_templates_placeholder(mail: SentMail) -> str:
    """Check one message as SES receives it; return everything its reader can read."""
    message = mail.message
    subject = str(message["Subject"])
    assert "{{" not in subject, subject
    seen = [subject.replace(ZERO_WIDTH_SPACE, "")]
    kinds = []
    for content_type, content in leaves(message):
        kinds.append(content_type)
        if content_type == "text/html":
            assert content.count("{{") == content.count(f'href="{PLACEHOLDER}"') == 1, content
        elif content_type == "text/plain":
            assert content.count("{{") == content.count(f"unsubscribe: {PLACEHOLDER}") == 1, content
        else:
            assert "{{" not in content, content
        seen.append(readable(content_type, content))
    assert "text/html" in kinds and "text/plain" in kinds
    # However the parts are encoded, nothing but the two links can show SES a pair of braces.
    assert mail.raw.count(b"{{") <= 2
    return "\n".join(seen)


def check_every_email(harness: Harness, fields: list[str]) -> None:
    sent = harness.mail.outbox.sent
    events = {mail.event for mail in sent}
    assert {"approval_request", "approved", "completed", "cancelled", "meeting_request", "meeting_cancel"} <= events
    seen = "\n".join(assert_only_the_templates_placeholder(mail) for mail in sent)
    for field in fields:
        assert typed(field) in seen, f"{field} is not shown as typed"


def test_no_change_field_reaches_ses_as_a_placeholder(harness: Harness) -> None:
    keys: dict[str, Any] = {field: typed(field) for field in CHANGE_FIELDS}
    keys.update(include_meeting=True, attendees=ATTENDEE, customers=[CUSTOMER])
    first = make_change(status="submitted", submittedBy="requester@example.com", **keys)
    second = make_change(status="approved", approvedBy="approver@example.com", **keys)

    live_through_every_email(harness, first, second)

    check_every_email(harness, CHANGE_FIELDS)


def test_no_announcement_field_reaches_ses_as_a_placeholder(harness: Harness) -> None:
    keys: dict[str, Any] = {field: typed(field) for field in ANNOUNCEMENT_FIELDS}
    keys.update(
        include_meeting=True,
        attendees=ATTENDEE,
        customers=[CUSTOMER],
        attachments=[ATTACHMENT],
        meeting_date="2030-01-08T15:00:00Z",
        meeting_duration=60,
        meeting_timezone="Europe/Berlin",
    )
    first = make_announcement(status="submitted", submittedBy="requester@example.com", **keys)
    second = make_announcement(status="approved", approvedBy="approver@example.com", **keys)

    live_through_every_email(harness, first, second)

    check_every_email(harness, [*ANNOUNCEMENT_FIELDS, "attachment"])
