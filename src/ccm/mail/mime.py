"""Emails as MIME: a multipart/alternative text + HTML message, serialised once and addressed per recipient.

SES v2 receives the bytes as ``Content.Raw``, so a calendar invite can ride along: :meth:`RenderedEmail.with_calendar`
adds a ``text/calendar; method=…`` alternative (what calendar clients act on) and the same invite as an ``.ics``
attachment, turning the message into multipart/mixed. The subject and the invite carry user text that SES must
not read as a placeholder, so their ``{{`` are broken up here (the bodies were made safe when rendered).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from email import quoprimime
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.policy import SMTP
from email.utils import format_datetime
from functools import partial
from io import BytesIO
from typing import TYPE_CHECKING

from ccm.mail.placeholders import (
    RECIPIENT_TOKEN_MARK,
    SES_UNSUBSCRIBE_PLACEHOLDER,
    inert_calendar,
    inert_text,
)

if TYPE_CHECKING:
    from ccm.mail.feedback_links import FeedbackSigner

SENDER_NAME = "Customer Contact Manager"
QP_LINE_LENGTH = 76
CALENDAR_METHODS = frozenset({"REQUEST", "CANCEL", "PUBLISH", "REPLY"})
_LOCAL_PART = r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+"
_DOMAIN = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+"
_ADDRESS = re.compile(f"^{_LOCAL_PART}@{_DOMAIN}$")


def valid_address(address: str) -> bool:
    """A plain ASCII ``local@domain``: safe to put into a header as it is, and what SES contact lists hold."""
    return len(address) <= 254 and _ADDRESS.match(address) is not None


@dataclass(frozen=True)
class CalendarPart:
    """An iCalendar document to send with an email (``method`` must match the document's METHOD)."""

    ics: str
    method: str = "REQUEST"
    filename: str = "invite.ics"

    def __post_init__(self) -> None:
        if self.method.upper() not in CALENDAR_METHODS:
            raise ValueError(f"unknown iCalendar method {self.method!r}")


@dataclass(frozen=True)
class RenderedEmail:
    """What to send, independent of who receives it."""

    subject: str
    text: str
    html: str
    headers: tuple[tuple[str, str], ...] = ()
    calendar: CalendarPart | None = None
    feedback: FeedbackSigner | None = None
    """Signs each recipient's token for the rating links the body carries (completion emails)."""
    _prepared: dict[tuple[str, str], PreparedEmail] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def with_calendar(self, ics: str, method: str = "REQUEST", filename: str = "invite.ics") -> RenderedEmail:
        return replace(self, calendar=CalendarPart(ics=ics, method=method.upper(), filename=filename))

    def prepare(self, sender: str, sent_at: datetime, sender_name: str = SENDER_NAME) -> PreparedEmail:
        """The MIME bytes, built once per email and sender: a rendering reused for another delivery (a redelivered
        trigger) keeps the bytes, and its Date, of the first."""
        key = (sender, sender_name)
        prepared = self._prepared.get(key)
        if prepared is None:
            token = partial(self.feedback.token, sent_at=sent_at) if self.feedback is not None else None
            prepared = PreparedEmail(self._serialise(sender, sender_name, sent_at), token)
            self._prepared[key] = prepared
        return prepared

    def _serialise(self, sender: str, sender_name: str, sent_at: datetime) -> bytes:
        message = EmailMessage(policy=SMTP)
        local, _, domain = sender.partition("@")
        message["From"] = Address(display_name=sender_name, username=local, domain=domain)
        message["Subject"] = inert_text(self.subject)
        message["Date"] = format_datetime(sent_at)
        # Notifications are machine-sent: auto-responders must not answer them (RFC 3834).
        message["Auto-Submitted"] = "auto-generated"
        for name, value in self.headers:
            message[name] = value
        message.set_content(self.text, subtype="plain", charset="utf-8")
        message.add_alternative(self.html, subtype="html", charset="utf-8")
        for part in message.iter_parts():
            _keep_placeholders_whole(part)
        if self.calendar is not None:
            ics = inert_calendar(self.calendar.ics)
            message.add_alternative(ics, subtype="calendar", charset="utf-8", params={"method": self.calendar.method})
            message.add_attachment(
                ics.encode("utf-8"),
                maintype="application",
                subtype="ics",
                filename=self.calendar.filename,
            )
        # What message.as_bytes() does, with the generator imported up front rather than in a sending thread.
        buffer = BytesIO()
        BytesGenerator(buffer, mangle_from_=False, policy=SMTP).flatten(message)
        return buffer.getvalue()


_KEPT_WHOLE = re.compile(f"({re.escape(SES_UNSUBSCRIBE_PLACEHOLDER)}|{RECIPIENT_TOKEN_MARK})")


def _keep_placeholders_whole(part: MIMEPart) -> None:
    """Re-encode a text part as quoted-printable with SES's placeholder (and the recipient token's marker) on a
    line of its own.

    SES finds ``{{amazonSESUnsubscribeUrl}}`` in the bytes it is given, and the marker is replaced in those bytes per
    recipient. The library's own choice of encoding hides them: text with many non-ASCII characters (a title in
    Japanese) goes out as base64, and quoted-printable may put a soft line break in the middle of a placeholder, so
    the recipient would get a dead link.
    """
    pieces = _KEPT_WHOLE.split(part.get_content())
    encoded = _quoted_printable(pieces[0])
    for placeholder, piece in zip(pieces[1::2], pieces[2::2], strict=True):
        # Soft line breaks (a "=" ending a line) around the placeholder decode to nothing.
        if encoded and not encoded.endswith("\n"):
            encoded += "=\n"
        encoded += placeholder
        if piece:
            encoded += "=\n" + _quoted_printable(piece)
    del part["Content-Transfer-Encoding"]
    part["Content-Transfer-Encoding"] = "quoted-printable"
    part.set_payload(encoded)


def _quoted_printable(text: str) -> str:
    return quoprimime.body_encode(text.encode("utf-8").decode("latin-1"), maxlinelen=QP_LINE_LENGTH)


_MARK_BYTES = RECIPIENT_TOKEN_MARK.encode("ascii")


def _folded(token: str) -> bytes:
    """A token as quoted-printable lines of at most 76 characters: its characters need no escaping, so soft line
    breaks between pieces are all it takes."""
    width = QP_LINE_LENGTH - 1
    return b"=\r\n".join(token[i : i + width].encode("ascii") for i in range(0, len(token), width))


@dataclass(frozen=True)
class PreparedEmail:
    """The serialised message without its ``To:`` header: one serialisation serves every recipient."""

    body: bytes
    recipient_token: Callable[[str], str] | None = field(default=None, compare=False)
    """The recipient's own token for the marker the body may carry (rating links)."""

    def for_recipient(self, address: str) -> bytes:
        if not valid_address(address):
            raise ValueError(f"{address!r} is not a deliverable address")
        body = self.body
        if self.recipient_token is not None and _MARK_BYTES in body:
            body = body.replace(_MARK_BYTES, _folded(self.recipient_token(address)))
        return b"To: " + address.encode("ascii") + b"\r\n" + body
