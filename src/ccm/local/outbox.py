"""The outbox: every email the local SES accepted and every meeting the local Graph endpoint saw, in one list.

The emulator runs in this process, so the outbox reads what SES accepted straight from its backends, in every
account and region (each customer sends from its own account), and decodes the raw MIME the backend sent. It is
collected a few times a second, so ``accepted_at`` is within that of the real acceptance. Meetings come from a
:class:`MeetingSource` (the local Graph endpoint) when one is wired in.

Entries of earlier runs come back from the data folder's snapshot; the emulator itself forgets on restart.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from typing import Any

from ccm.domain.times import format_rfc3339, utc_now

logger = logging.getLogger(__name__)

SHOWN_HEADERS = ("x-", "list-")
"""The backend's own headers (``X-CCM-*``) and the unsubscribe headers SES adds (``List-Unsubscribe``)."""

MeetingSource = Callable[[], list[dict[str, Any]]]
"""Every meeting action of this run so far, oldest first, as JSON documents (``action``, ``subject``, ...)."""
PostSource = Callable[[], list[dict[str, Any]]]
"""Every channel post the local catchers took in this run, oldest first (:mod:`ccm.local.hooks`)."""
TicketSource = Callable[[], dict[str, Any]]
"""The ServiceNow and Jira stand-ins' records and writes (:mod:`ccm.local.ticket_systems`), kept across runs."""


@dataclass(frozen=True)
class OutboxEmail:
    message_id: str
    accepted_at: str
    account: str
    region: str
    customer: str | None
    sender: str
    recipients: list[str]
    subject: str
    object_id: str | None = None
    event: str | None = None
    text: str = ""
    html: str = ""
    calendar_method: str | None = None
    calendar: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def as_document(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> OutboxEmail:
        known = {name: document[name] for name in cls.__dataclass_fields__ if name in document}
        return cls(**known)


@dataclass(frozen=True)
class DecodedMessage:
    sender: str
    recipients: list[str]
    subject: str
    text: str
    html: str
    calendar_method: str | None
    calendar: str | None
    headers: dict[str, str]


def _part_text(part: EmailMessage) -> str:
    try:
        return str(part.get_content())
    except (LookupError, ValueError):  # an unknown charset or a broken encoding: show what can be shown
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""


def decode_raw_message(raw: bytes) -> DecodedMessage:
    """Subject, parties, text and HTML bodies and any calendar part of a raw MIME message.

    Parsed from bytes: a ``str`` parser cannot hand an 8-bit UTF-8 part to its charset, and shows its non-ASCII
    characters as ``\\U0001f504``-style escapes instead.
    """
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    text = html = ""
    calendar = method = None
    for part in message.walk():
        if part.is_multipart() or part.is_attachment():
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and not text:
            text = _part_text(part)
        elif kind == "text/html" and not html:
            html = _part_text(part)
        elif kind == "text/calendar" and calendar is None:
            calendar = _part_text(part)
            method = str(part.get_param("method") or "").upper() or None
    recipients = [address for _, address in getaddresses([str(v) for v in message.get_all("To", [])]) if address]
    headers = {name: str(value) for name, value in message.items() if name.lower().startswith(SHOWN_HEADERS)}
    return DecodedMessage(
        sender=parseaddr(str(message.get("From", "")))[1],
        recipients=recipients,
        subject=str(message.get("Subject", "")),
        text=text,
        html=html,
        calendar_method=method,
        calendar=calendar,
        headers=headers,
    )


def _unique_addresses(values: list[str]) -> list[str]:
    addresses = (parseaddr(value)[1] or value for value in values)
    return list(dict.fromkeys(address.lower() for address in addresses if address))


def _emulator_messages() -> Iterator[tuple[str, str, list[Any]]]:
    """(account, region, messages SES accepted there) for every SES backend the emulator has made."""
    from moto.ses.models import ses_backends

    for account, regions in list(ses_backends.items()):
        for region, backend in list(regions.items()):
            yield account, region, backend.sent_messages


class Outbox:
    def __init__(
        self,
        customers_by_account: Mapping[str, str],
        meetings: MeetingSource | None = None,
        posts: PostSource | None = None,
        on_email: Callable[[OutboxEmail], None] | None = None,
        tickets: TicketSource | None = None,
    ) -> None:
        self.customers_by_account = dict(customers_by_account)
        self.meeting_source = meetings
        self.post_source = posts
        self.ticket_source = tickets
        self.on_email = on_email
        """Told of each email SES accepted, once, as it is collected (the local SES's events)."""
        self._emails: list[OutboxEmail] = []
        self._earlier_meetings: list[dict[str, Any]] = []
        self._seen: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def collect(self) -> int:
        """Take in what SES accepted since the last call; returns how many emails were new."""
        new: list[OutboxEmail] = []
        with self._lock:
            for account, region, messages in _emulator_messages():
                start = self._seen.get((account, region), 0)
                if start > len(messages):  # the emulator was reset
                    start = 0
                for message in list(messages[start:]):
                    entry = self._entry(account, region, message)
                    self._emails.append(entry)
                    new.append(entry)
                self._seen[(account, region)] = start + len(messages[start:])
        if self.on_email is not None:
            for entry in new:
                try:
                    self.on_email(entry)
                except Exception:  # the emulator going away at shutdown: the emails stay in the outbox
                    logger.exception("the local SES could not publish the events of %s", entry.message_id)
        return len(new)

    def _entry(self, account: str, region: str, message: Any) -> OutboxEmail:
        now = format_rfc3339(utc_now())
        customer = self.customers_by_account.get(account)
        raw = getattr(message, "raw_data", None)
        if raw is None:  # a simple (non-raw) send: moto keeps subject and body only
            destinations = getattr(message, "destinations", {}) or {}
            recipients = [
                a for key in ("ToAddresses", "CcAddresses", "BccAddresses") for a in destinations.get(key, [])
            ]
            return OutboxEmail(
                message_id=str(message.id),
                accepted_at=now,
                account=account,
                region=region,
                customer=customer,
                sender=parseaddr(str(message.source))[1],
                recipients=_unique_addresses(recipients),
                subject=str(getattr(message, "subject", "")),
                html=str(getattr(message, "body", "")),
            )
        # The emulator keeps the raw message as the text its UTF-8 bytes decode to: encoding gives the bytes back.
        decoded = decode_raw_message(raw if isinstance(raw, bytes) else str(raw).encode("utf-8"))
        return OutboxEmail(
            message_id=str(message.id),
            accepted_at=now,
            account=account,
            region=region,
            customer=decoded.headers.get("X-CCM-Customer") or customer,
            sender=parseaddr(str(message.source or ""))[1] or decoded.sender,
            recipients=_unique_addresses([*message.destinations, *decoded.recipients]),
            subject=decoded.subject,
            object_id=decoded.headers.get("X-CCM-Object-Id"),
            event=decoded.headers.get("X-CCM-Event"),
            text=decoded.text,
            html=decoded.html,
            calendar_method=decoded.calendar_method,
            calendar=decoded.calendar,
            headers=decoded.headers,
        )

    def emails(self) -> list[OutboxEmail]:
        self.collect()
        with self._lock:
            return list(self._emails)

    def meetings(self) -> list[dict[str, Any]]:
        current = self.meeting_source() if self.meeting_source else []
        with self._lock:
            return [*self._earlier_meetings, *current]

    def posts(self) -> list[dict[str, Any]]:
        """What the channel catchers took in this run (not kept across restarts: /dev/hooks/ lists the same)."""
        return self.post_source() if self.post_source else []

    def tickets(self) -> dict[str, Any]:
        """What the ServiceNow and Jira stand-ins hold (they keep it in the data folder themselves)."""
        return self.ticket_source() if self.ticket_source else {}

    def document(self) -> dict[str, Any]:
        return {
            "emails": [email.as_document() for email in self.emails()],
            "meetings": self.meetings(),
            "meetings_wired": self.meeting_source is not None,
            "posts": self.posts(),
            "tickets": self.tickets(),
        }

    def restore(self, document: Mapping[str, Any]) -> None:
        """Bring back the entries of an earlier run (before anything of this run was collected)."""
        with self._lock:
            earlier = [OutboxEmail.from_document(entry) for entry in document.get("emails", [])]
            self._emails[:0] = earlier
            self._earlier_meetings = [dict(entry) for entry in document.get("meetings", [])]
