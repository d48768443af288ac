"""The completion email's five rating links: one rendering per customer, a signed token per recipient."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import pytest

from ccm.config import AppConfig, SesConfig
from ccm.domain.feedback import recipient_hash, verify
from ccm.domain.ids import AnnouncementType
from ccm.domain.objects import AnyObject
from ccm.mail.decisions import Topics, decide
from ccm.mail.mime import RenderedEmail
from ccm.mail.placeholders import RECIPIENT_TOKEN_MARK
from ccm.mail.render import EmailRenderer
from ccm.storage.feedback import InMemoryFeedbackKeys
from tests.factories import make_announcement, make_change

NOW = datetime(2030, 1, 8, 9, 0, tzinfo=UTC)
SENDER = "notifications@mail.example.com"
COMPLETED = {"status": "completed", "approvedBy": "approver@example.com", "completedBy": "approver@example.com"}
_LINK = re.compile(r"https://[^\s\"<>]+/feedback/[^\s\"<>]+")


def render(app_config: AppConfig, ses_config: SesConfig, obj: AnyObject, keys: InMemoryFeedbackKeys) -> RenderedEmail:
    notice = decide(obj, Topics.from_ses_config(ses_config))
    assert notice is not None
    return EmailRenderer(app_config, ses_config, feedback_keys=keys.keys).render(obj, notice, "alpha", NOW)


def parts(raw: bytes) -> tuple[str, str]:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def links(body: str) -> list[str]:
    return [link.replace("&amp;", "&") for link in _LINK.findall(body)]


def test_each_recipient_gets_five_links_with_a_token_of_their_own(app_config: AppConfig, ses_config: SesConfig) -> None:
    keys = InMemoryFeedbackKeys()
    change = make_change(changeTitle="Rotate the certificates", **COMPLETED)
    prepared = render(app_config, ses_config, change, keys).prepare(SENDER, NOW)
    tokens: dict[str, str] = {}

    for address in ("pat@alpha.example.com", "Kim.Long-Name@alpha.example.com"):
        text, html = parts(prepared.for_recipient(address))
        assert "How did this change go for you?" in html and "HOW DID THIS CHANGE GO FOR YOU?" in text
        assert RECIPIENT_TOKEN_MARK not in text + html
        for body in (text, html):
            found = links(body)
            assert len(found) == 5
            ratings = [parse_qs(urlsplit(link).query)["rating"] for link in found]
            assert ratings == [["1"], ["2"], ["3"], ["4"], ["5"]]
            [token] = {urlsplit(link).path.removeprefix("/feedback/") for link in found}
            ticket = verify(token, keys.keys(), NOW)
            assert ticket is not None
            assert (ticket.object_id, ticket.version, ticket.customer_code) == (change.id, change.version, "alpha")
            assert ticket.recipient_hash == recipient_hash(change.id, "alpha", address)
            assert ticket.expires_at == NOW + timedelta(days=30)
            assert address.lower() not in token and "pat" not in token.split(".")[1]
            tokens[address] = token
    assert len(set(tokens.values())) == 2


def test_quoted_printable_lines_stay_within_76_characters(app_config: AppConfig, ses_config: SesConfig) -> None:
    change = make_change(changeTitle="Zertifikate für 日本 erneuern", **COMPLETED)
    raw = (
        render(app_config, ses_config, change, InMemoryFeedbackKeys())
        .prepare(SENDER, NOW)
        .for_recipient("a.very.long.address.of.someone@subsidiary.alpha.example.com")
    )

    body = raw.split(b"\r\n\r\n", 1)[1]
    assert max(len(line) for line in body.split(b"\r\n")) <= 76


@pytest.mark.parametrize(
    ("name", "obj", "expected"),
    [
        ("approved change", make_change(status="approved", approvedBy="approver@example.com"), 0),
        ("announcement without a meeting", make_announcement(AnnouncementType.CIC, title="News", **COMPLETED), 0),
        (
            "announcement with a meeting",
            make_announcement(AnnouncementType.CIC, title="Town hall", include_meeting=True, **COMPLETED),
            5,
        ),
    ],
)
def test_only_completed_changes_and_announcements_with_a_meeting_ask(
    app_config: AppConfig, ses_config: SesConfig, name: str, obj: AnyObject, expected: int
) -> None:
    raw = (
        render(app_config, ses_config, obj, InMemoryFeedbackKeys())
        .prepare(SENDER, NOW)
        .for_recipient("pat@alpha.example.com")
    )
    text, html = parts(raw)
    assert len(links(text)) == len(links(html)) == expected


def test_no_links_when_feedback_is_off_or_the_renderer_cannot_sign(
    app_config: AppConfig, ses_config: SesConfig
) -> None:
    change = make_change(**COMPLETED)
    notice = decide(change, Topics.from_ses_config(ses_config))
    assert notice is not None
    off = app_config.model_copy(update={"feedback": app_config.feedback.model_copy(update={"enabled": False})})

    for renderer in (
        EmailRenderer(off, ses_config, feedback_keys=InMemoryFeedbackKeys().keys),
        EmailRenderer(app_config, ses_config),
    ):
        text, html = parts(renderer.render(change, notice, "alpha", NOW).prepare(SENDER, NOW).for_recipient("p@a.io"))
        assert links(text) == links(html) == []
