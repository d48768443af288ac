"""Emails as MIME: a multipart/alternative text + HTML message, serialised once and addressed per recipient.

SES v2 receives the bytes as ``Content.Raw``, so a calendar invite can ride along: :meth:`RenderedEmail.with_calendar`
adds a ``text/calendar; method=…`` alternative (what calendar clients act on) and the same invite as an ``.ics``
attachment, turning the message into multipart/mixed. The subject and the invite carry user text that SES must
not read as a placeholder, so their ``{{`` are broken up here (the bodies were made safe when rendered).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from email import quoprimime
from email.generator import BytesGenerator
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.policy import SMTP
from email.utils import format_datetime
from io import BytesIO

from ccm.mail.placeholders import SES_UNSUBSCRIBE_PLACEHOLDER, inert_calendar, inert_text

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
            prepared = PreparedEmail(self._serialise(sender, sender_name, sent_at))
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


def _keep_placeholders_whole(part: MIMEPart) -> None:
    """Re-encode a text part as quoted-printable with SES's placeholder on a line of its own.

    SES finds ``{{amazonSESUnsubscribeUrl}}`` in the bytes it is given. The library's own choice of encoding hides
    it: text with many non-ASCII characters (a title in Japanese) goes out as base64, and quoted-printable may put
    a soft line break in the middle of the placeholder, so the recipient would get a dead link.
    """
    pieces = part.get_content().split(SES_UNSUBSCRIBE_PLACEHOLDER)
    encoded = _quoted_printable(pieces[0])
    for piece in pieces[1:]:
        # Soft line breaks (a "=" ending a line) around the placeholder decode to nothing.
        if encoded and not encoded.endswith("\n"):
            encoded += "=\n"
        encoded += SES_UNSUBSCRIBE_PLACEHOLDER
        if piece:
            encoded += "=\n" + _quoted_printable(piece)
    del part["Content-Transfer-Encoding"]
    part["Content-Transfer-Encoding"] = "quoted-printable"
    part.set_payload(encoded)


def _quoted_printable(text: str) -> str:
    return quoprimime.body_encode(text.encode("utf-8").decode("latin-1"), maxlinelen=QP_LINE_LENGTH)


@dataclass(frozen=True)
class PreparedEmail:
    """The serialised message without its ``To:`` header: one serialisation serves every recipient."""

    body: bytes

    def for_recipient(self, address: str) -> bytes:
        if not valid_address(address):
            raise ValueError(f"{address!r} is not a deliverable address")
        return b"To: " + address.encode("ascii") + b"\r\n" + self.body
