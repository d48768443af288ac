"""Every notification email, rendered and sent through MIME: parts, headers, escaping, and the fields readers need."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Any

import pytest

from ccm.config import AppConfig, SesConfig
from ccm.domain.approval import ApprovalDecision, Verdict
from ccm.domain.ids import AnnouncementType
from ccm.domain.objects import AnyObject
from ccm.domain.status import Status
from ccm.mail.decisions import EmailEvent, Notice, Topics, decide, internal_notice
from ccm.mail.mime import PreparedEmail, RenderedEmail, valid_address
from ccm.mail.render import EmailRenderer
from ccm.mail.views import clean_subject
from ccm.workflow.approval_plan import refresh_approval
from tests.api.policies import config_with
from tests.factories import make_announcement, make_change

NOW = datetime(2030, 1, 6, 12, 0, tzinfo=UTC)
SENDER = "notifications@mail.example.com"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
MEETING = {
    "meeting_id": "AAMk-1",
    "join_url": "https://teams.example.com/l/meetup-join/abc",
    "start_time": "2030-01-07T15:00:00Z",
    "end_time": "2030-01-07T16:00:00Z",
    "subject": "Change Implementation: Rotate load balancer certificates",
}


class Html(HTMLParser):
    """A strict reading: every element closed in order, plus the links and the visible text."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []
        self.tags: list[str] = []
        self.feed(markup)
        self.close()
        if self.stack:
            self.problems.append(f"unclosed: {self.stack}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())


def approved_change(**keys: Any) -> AnyObject:
    document: dict[str, Any] = {
        "status": "approved",
        "customers": ["alpha", "bravo"],
        "submittedBy": "requester@example.com",
        "submittedAt": "2029-12-01T10:00:00Z",
        "approvedBy": "approver@example.com",
        "approvedAt": "2029-12-02T14:30:00Z",
        "meeting_metadata": MEETING,
    }
    document.update(keys)
    return make_change(**document)


def render(renderer: EmailRenderer, topics: Topics, obj: AnyObject, customer: str = "alpha") -> RenderedEmail:
    notice = decide(obj, topics)
    assert notice is not None
    return renderer.render(obj, notice, customer, NOW)


def as_mime(rendered: RenderedEmail, recipient: str = "reader@example.com") -> EmailMessage:
    raw = rendered.prepare(SENDER, NOW).for_recipient(recipient)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def parts(message: EmailMessage) -> tuple[str, Html]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), Html(html.get_content())


@pytest.fixture
def renderer(app_config: AppConfig, ses_config: SesConfig) -> EmailRenderer:
    return EmailRenderer(app_config, ses_config)


@pytest.fixture
def topics(ses_config: SesConfig) -> Topics:
    return Topics.from_ses_config(ses_config)


def every_email() -> list[tuple[str, AnyObject]]:
    cases: list[tuple[str, AnyObject]] = []
    for status in ("submitted", "approved", "completed", "cancelled"):
        stamps = {"completedBy": "engineer@example.com", "completedAt": "2030-01-07T17:05:00Z"}
        if status == "cancelled":
            stamps = {"cancelledBy": "requester@example.com", "cancelledAt": "2030-01-05T09:00:00Z"}
        cases.append((f"change-{status}", approved_change(status=status, **stamps)))
        for kind in AnnouncementType:
            cases.append(
                (
                    f"{kind.value}-{status}",
                    make_announcement(kind, status=status, approvedBy="approver@example.com", **stamps),
                )
            )
    return cases


@pytest.mark.parametrize(("name", "obj"), every_email(), ids=[name for name, _ in every_email()])
def test_every_email_is_a_well_formed_two_part_mime_message(
    renderer: EmailRenderer, topics: Topics, name: str, obj: AnyObject
) -> None:
    message = as_mime(render(renderer, topics, obj))

    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert all(part.get_content_charset() == "utf-8" for part in message.iter_parts())
    assert message["To"] == "reader@example.com"
    assert message["From"].addresses[0].addr_spec == SENDER
    assert message["From"].addresses[0].display_name == "Customer Contact Manager"
    assert message["Subject"].endswith(obj.title)
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-CCM-Object-Id"] == obj.id
    assert message["Date"] is not None
    text, html = parts(message)
    assert html.problems == []
    assert obj.title in text and obj.title in html.visible
    assert "{{amazonSESUnsubscribeUrl}}" in html.links
    assert "{{amazonSESUnsubscribeUrl}}" in text


PLACEHOLDER = b"{{amazonSESUnsubscribeUrl}}"


@pytest.mark.parametrize(
    "title",
    [
        "Short title",
        "Wartung der Datenbank-Cluster für Kunden in Europa mit längerer Unterbrechung",
        "データベースの定期メンテナンス" * 6,
        "x" * 200,
    ],
)
def test_ses_finds_the_unsubscribe_placeholder_whole_in_the_bytes_it_is_given(
    renderer: EmailRenderer, topics: Topics, title: str
) -> None:
    # SES replaces the placeholder in the raw bytes: base64 would hide it, a soft line break would cut it.
    obj = approved_change(changeTitle=title, changeReason=f"{title}\n" * 20)
    raw = render(renderer, topics, obj).prepare(SENDER, NOW).for_recipient("reader@example.com")
    message = as_mime(render(renderer, topics, obj))
    text, html = parts(message)

    assert raw.count(PLACEHOLDER) == text.count("{{amazonSESUnsubscribeUrl}}") + html.links.count(
        "{{amazonSESUnsubscribeUrl}}"
    )
    assert raw.count(PLACEHOLDER) >= 2
    assert all(part["Content-Transfer-Encoding"] == "quoted-printable" for part in message.iter_parts())
    assert all(len(line) <= 78 for line in raw.split(b"\r\n") if PLACEHOLDER not in line)
    assert title in text and title in html.visible


@pytest.mark.parametrize(
    ("status", "event", "header"),
    [
        ("submitted", "Approval requested", "Approval Required"),
        ("approved", "Approved", "Approved"),
        ("completed", "Completed", "Completed"),
        ("cancelled", "Cancelled", "Cancelled"),
    ],
)
def test_a_change_email_subject_and_header_name_the_event(
    renderer: EmailRenderer, topics: Topics, status: str, event: str, header: str
) -> None:
    rendered = render(renderer, topics, approved_change(status=status))

    assert rendered.subject == f"{event}: Rotate load balancer certificates"
    assert f"{header}: Rotate load balancer certificates" in Html(rendered.html).visible


@pytest.mark.parametrize(
    ("kind", "colour", "label"),
    [
        (AnnouncementType.CIC, "#0066cc", "Cloud Innovator Community"),
        (AnnouncementType.FINOPS, "#28a745", "FinOps"),
        (AnnouncementType.INNERSOURCE, "#6f42c1", "InnerSource Guild"),
        (AnnouncementType.GENERAL, "#007bff", "General"),
    ],
)
def test_an_approved_announcement_wears_its_types_colour_and_label(
    renderer: EmailRenderer, topics: Topics, kind: AnnouncementType, colour: str, label: str
) -> None:
    rendered = render(renderer, topics, make_announcement(kind, status="approved", title="Quarterly review"))

    assert rendered.subject == "Approved: Quarterly review"
    assert f"background-color:{colour}" in rendered.html
    assert label in Html(rendered.html).visible
    assert f"Type: {label}" in rendered.text


def test_an_approved_change_email_shows_everything_a_reader_needs(renderer: EmailRenderer, topics: Topics) -> None:
    text, html = parts(as_mime(render(renderer, topics, approved_change())))

    for needed in (
        "Rotate load balancer certificates",
        "Alpha Retail (alpha)",
        "Bravo Media (bravo)",
        "Mon 7 Jan 2030 10:00 – 12:00 EST",
        "America/New_York",
        "Mon 7 Jan 2030 15:00 – 17:00 UTC",
        "Certificates expire next month",
        "Upload new certificates, switch listeners",
        "Check the TLS handshake",
        "None expected",
        "Switch listeners back",
        "CHG0012345",
        "OPS-42",
        "approver@example.com",
        "Sun 2 Dec 2029 09:30 EST",
        "Sun 2 Dec 2029 14:30 UTC",
        "requester@example.com",
    ):
        assert needed in text, needed
        assert needed in html.visible, needed
    assert "https://teams.example.com/l/meetup-join/abc" in html.links
    assert "Join: https://teams.example.com/l/meetup-join/abc" in text
    assert any(link.startswith("https://ccm.example.com/edit-change.html?changeId=CHG-") for link in html.links)


def test_approved_by_comes_from_the_history_when_the_stamps_are_missing(
    renderer: EmailRenderer, topics: Topics
) -> None:
    change = make_change(status="submitted", customers=["alpha"])
    change.transition("approved", "approver@example.com", datetime(2030, 1, 2, 16, 0, tzinfo=UTC))
    change.approved_by, change.approved_at = None, None

    text = render(renderer, topics, change).text

    assert "By: approver@example.com, Wed 2 Jan 2030 11:00 EST (Wed 2 Jan 2030 16:00 UTC)" in text


def test_completion_and_cancellation_say_who_and_when(renderer: EmailRenderer, topics: Topics) -> None:
    completed = approved_change(status="completed", completedBy="engineer@example.com", completedAt="2030-01-07T17:05Z")
    cancelled = approved_change(status="cancelled", cancelledBy="requester@example.com", cancelledAt="2030-01-05T09Z")

    completed_text = render(renderer, topics, completed).text
    cancelled_text = render(renderer, topics, cancelled).text

    assert "COMPLETED\nBy: engineer@example.com, Mon 7 Jan 2030 12:05 EST (Mon 7 Jan 2030 17:05 UTC)" in completed_text
    assert "CANCELLED\nBy: requester@example.com, Sat 5 Jan 2030 04:00 EST" in cancelled_text
    assert "It will not take place" in cancelled_text
    assert "Join" not in completed_text and "Join" not in cancelled_text


def test_a_change_cancelled_before_approval_says_no_approval_is_needed(renderer: EmailRenderer, topics: Topics) -> None:
    change = make_change(status="submitted", customers=["alpha"])
    change.transition("cancelled", "requester@example.com", NOW)

    rendered = render(renderer, topics, change)

    assert "cancelled before it was approved" in rendered.text
    assert "Change Approvals" in rendered.text


def test_an_approval_request_links_to_the_approval_page_for_that_customer(
    renderer: EmailRenderer, topics: Topics
) -> None:
    change = make_change(status="submitted", customers=["alpha", "bravo"])

    _, html = parts(as_mime(render(renderer, topics, change, customer="bravo")))

    page = f"https://ccm.example.com/approvals.html?customerCode=bravo&objectId={change.id}"
    assert page in html.links
    assert "Review it on the approvals page" in html.visible


def test_an_approval_request_offers_approve_and_reject_as_links_to_the_portals_confirmation(
    renderer: EmailRenderer, topics: Topics
) -> None:
    change = make_change(status="submitted", customers=["alpha"])

    text, html = parts(as_mime(render(renderer, topics, change, customer="alpha")))

    page = f"https://ccm.example.com/approvals.html?customerCode=alpha&objectId={change.id}"
    # Links only: a mail scanner that opens them changes nothing, the portal asks to confirm.
    assert {f"{page}&decision=approve", f"{page}&decision=reject"} <= set(html.links)
    assert f"Approve: {page}&decision=approve" in text
    assert "Approve" in html.visible and "Reject" in html.visible


def test_user_text_arrives_as_text_never_as_markup(renderer: EmailRenderer, topics: Topics) -> None:
    hostile = '<script>alert("x")</script>'
    change = approved_change(
        changeTitle=f"Patch {hostile}",
        changeReason=f"Because <b>bold</b> & {hostile}\nsecond line",
        rollbackPlan='"><img src=x onerror=alert(1)>',
    )

    message = as_mime(render(renderer, topics, change))
    text, html = parts(message)
    markup = message.get_body(("html",)).get_content()  # type: ignore[union-attr]

    assert "script" not in html.tags and "img" not in html.tags and "b" not in html.tags
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in markup
    assert f"Patch {hostile}" in html.visible
    assert message["Subject"] == f"Approved: Patch {hostile}"
    assert f"Because <b>bold</b> & {hostile}" in text
    assert html.problems == []


def test_only_web_links_become_links(renderer: EmailRenderer, topics: Topics) -> None:
    announcement = make_announcement(
        AnnouncementType.CIC,
        status="approved",
        attachments=[
            {"name": "Agenda", "url": "https://files.example.com/agenda.pdf"},
            "javascript:alert(1)",
            {"name": "Notes", "s3_key": "announcements/x/notes.txt"},
        ],
    )

    _, html = parts(as_mime(render(renderer, topics, announcement)))

    assert "https://files.example.com/agenda.pdf" in html.links
    assert not any(link.lower().startswith("javascript:") for link in html.links)
    assert "javascript:alert(1)" in html.visible and "Notes" in html.visible


def test_a_subject_is_one_clean_line() -> None:
    assert clean_subject("  Patch\r\nnow\x07 \n") == "Patch now"


def test_a_calendar_invite_rides_along_as_an_alternative_and_an_attachment(
    renderer: EmailRenderer, topics: Topics
) -> None:
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    rendered = render(renderer, topics, approved_change()).with_calendar(ics, method="request")

    message = as_mime(rendered)

    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.iter_parts()
    assert [part.get_content_type() for part in alternative.iter_parts()] == [
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    calendar = list(alternative.iter_parts())[2]
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_content() == ics
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content() == ics.encode()


def test_one_serialisation_serves_every_recipient_and_refuses_header_injection() -> None:
    prepared = RenderedEmail(subject="s", text="t", html="<p>h</p>").prepare(SENDER, NOW)

    first, second = prepared.for_recipient("a@example.com"), prepared.for_recipient("b@example.com")

    assert first.removeprefix(b"To: a@example.com\r\n") == second.removeprefix(b"To: b@example.com\r\n")
    with pytest.raises(ValueError):
        PreparedEmail(prepared.body).for_recipient("a@example.com\r\nBcc: everyone@example.com")
    assert not valid_address("no-at-sign") and valid_address("first.last+tag@sub.example.co.uk")


def test_a_notice_without_a_known_topic_label_falls_back_to_the_topic_name(
    renderer: EmailRenderer,
) -> None:
    change = approved_change()

    rendered = renderer.render(change, Notice(EmailEvent.APPROVED, "custom-topic"), "alpha", NOW)

    assert 'subscribers of "custom-topic"' in rendered.text


def test_an_emergency_change_email_says_so_and_why(renderer: EmailRenderer, topics: Topics) -> None:
    emergency = approved_change(
        changeType="emergency", risk="high", emergencyJustification="The certificate expires tonight"
    )

    text, html = parts(as_mime(render(renderer, topics, emergency)))

    assert "Change type: Emergency" in text and "Risk: High" in text
    assert "Change type Emergency" in html.visible and "Risk High" in html.visible
    for needed in ("Why this is an emergency", "The certificate expires tonight"):
        assert needed in text and needed in html.visible, needed


def test_a_rolled_back_change_says_so_in_the_subject_and_shows_the_note(
    renderer: EmailRenderer, topics: Topics
) -> None:
    change = approved_change(status="completed", outcome="rolled_back", outcomeNote="Failover <stalled>; undone")

    rendered = render(renderer, topics, change)

    assert rendered.subject == "Rolled back: Rotate load balancer certificates"
    visible = Html(rendered.html).visible
    assert "Outcome: Rolled back" in visible
    assert "Failover <stalled>; undone" in visible
    assert "Outcome: Rolled back" in rendered.text and "Failover <stalled>; undone" in rendered.text


def test_a_successful_completion_keeps_its_subject_and_names_the_outcome(
    renderer: EmailRenderer, topics: Topics
) -> None:
    rendered = render(renderer, topics, approved_change(status="completed", outcome="successful"))

    assert rendered.subject == "Completed: Rotate load balancer certificates"
    assert "Outcome: Successful" in Html(rendered.html).visible


def with_checklist(obj: AnyObject) -> AnyObject:
    """The object as the workflow stores it: with the checklist its policy gives (a CAB of two for high risk)."""
    refresh_approval(config_with(), obj)
    return obj


def test_an_approval_request_shows_the_change_type_the_risk_and_what_the_approval_needs(
    renderer: EmailRenderer, topics: Topics
) -> None:
    change = with_checklist(make_change(status="submitted", customers=["alpha"], risk="high"))

    text, html = parts(as_mime(render(renderer, topics, change)))

    assert "Change type: Normal" in text and "Risk: High" in text
    assert "- CAB: 0 of 2" in text
    assert "Change type Normal" in html.visible and "Risk High" in html.visible
    assert "CAB : 0 of 2" in html.visible  # the label is bold: its own text node
    assert html.problems == []


def test_an_approved_emergency_says_why_and_that_its_review_is_due(renderer: EmailRenderer, topics: Topics) -> None:
    change = make_change(
        status="approved",
        customers=["alpha"],
        changeType="emergency",
        emergencyJustification="Checkout fails for every customer",
        approvedBy="approver@example.com",
        approvedAt="2030-01-06T10:00:00Z",
    )

    text, html = parts(as_mime(render(renderer, topics, with_checklist(change))))

    assert "Why this is an emergency" in text and "Checkout fails for every customer" in text
    assert "Retrospective review due by Wed 9 Jan 2030" in text
    assert "Change type Emergency" in html.visible


def test_a_rejection_tells_the_requester_who_rejected_it_why_and_how_to_go_on(
    renderer: EmailRenderer, topics: Topics
) -> None:
    change = make_change(status="submitted", customers=["alpha"], changeTitle="Move the gateway")
    change.approval_round = 1
    change.approval_decisions.append(
        ApprovalDecision(
            round=1,
            version=1,
            verdict=Verdict.REJECT,
            by="deputy@example.com",
            on_behalf_of="approver@example.com",
            comment="No rollback <b>plan</b>",
            at=NOW,
        )
    )
    change.transition(Status.REJECTED, "deputy@example.com", NOW)
    notice = internal_notice(with_checklist(change), topics)
    assert notice is not None

    message = as_mime(renderer.render(change, notice, "alpha", NOW), recipient="requester@example.com")
    text, html = parts(message)

    assert message["Subject"] == "Rejected: Move the gateway"
    assert "REJECTED by deputy@example.com on behalf of approver@example.com" in text
    assert "No rollback <b>plan</b>" in text and "No rollback <b>plan</b>" in html.visible
    assert "b" not in html.tags
    assert f"Edit it and submit again: https://ccm.example.com/edit-change.html?changeId={change.id}" in text
    assert "unsubscribe" not in text.lower() and "Customers do not receive this email" in text
