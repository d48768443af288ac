"""Customers' ratings of a completed change or announcement: the signed rating link and the sums of the answers.

A rating link carries a token that names one recipient's answer to one object version for one customer:
``<key id>.<payload>.<signature>``, the payload base64url of ``object id|version|customer|recipient hash|expiry``
(and ``|<the address, base64url>`` where configuration keeps addresses with answers),
the signature a truncated HMAC-SHA256 over a purpose label, the key id and the payload. The current key signs; it and
the previous one verify, so a key can be rotated without breaking the links of the last 30 days' emails. Every way a
token can be wrong (shape, key, signature, expiry) ends in the same ``None``.

The recipient appears only as a hash, salted with the object and the customer: the same address answering about two
changes leaves two unrelated hashes, and the hash is enough to update an answer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

RATINGS = (1, 2, 3, 4, 5)
LINK_LIFETIME = timedelta(days=30)
MAX_COMMENT_CHARS = 2000
PURPOSE = b"ccm-feedback-v1"
SIGNATURE_BYTES = 16
HASH_BYTES = 16
SECRET_BYTES = 32
MAX_TOKEN_CHARS = 400
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_FIELD = re.compile(r"^[A-Za-z0-9_-]{1,104}$")


@dataclass(frozen=True)
class FeedbackKey:
    key_id: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not _KEY_ID.match(self.key_id):
            raise ValueError(f"feedback key id {self.key_id!r} must be 1-32 letters, digits, '-' or '_'")
        if len(self.secret) < SECRET_BYTES:
            raise ValueError(f"feedback key {self.key_id!r} needs at least {SECRET_BYTES} bytes of secret")

    @classmethod
    def generate(cls, now: datetime) -> FeedbackKey:
        key_id = f"{now.astimezone(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(2)}"
        return cls(key_id, secrets.token_bytes(SECRET_BYTES))


@dataclass(frozen=True)
class FeedbackKeys:
    """The signing key and the one before it, still accepted until the links it signed have expired."""

    current: FeedbackKey
    previous: FeedbackKey | None = None

    def find(self, key_id: str) -> FeedbackKey | None:
        for key in (self.current, self.previous):
            if key is not None and key.key_id == key_id:
                return key
        return None

    def rotated(self, now: datetime) -> FeedbackKeys:
        return FeedbackKeys(current=FeedbackKey.generate(now), previous=self.current)


@dataclass(frozen=True)
class FeedbackTicket:
    """What a valid token says: whose answer about which object version it records, and until when."""

    object_id: str
    version: int
    customer_code: str
    recipient_hash: str
    expires_at: datetime
    recipient: str | None = None
    """The address itself, only where configuration keeps addresses with answers (``feedback.store_recipient``)."""

    def __post_init__(self) -> None:
        for name in ("object_id", "customer_code", "recipient_hash"):
            if not _FIELD.match(getattr(self, name)):
                raise ValueError(f"a feedback ticket's {name} must be letters, digits, '-' or '_'")


def recipient_hash(object_id: str, customer_code: str, address: str) -> str:
    material = f"{object_id}\n{customer_code}\n{address.strip().lower()}".encode()
    return _b64(hashlib.sha256(material).digest()[:HASH_BYTES])


def ticket_for(
    object_id: str, version: int, customer_code: str, address: str, sent_at: datetime, *, with_address: bool = False
) -> FeedbackTicket:
    return FeedbackTicket(
        object_id=object_id,
        version=version,
        customer_code=customer_code,
        recipient_hash=recipient_hash(object_id, customer_code, address),
        expires_at=(sent_at + LINK_LIFETIME).astimezone(UTC).replace(microsecond=0),
        recipient=address.strip().lower() if with_address else None,
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]+", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: FeedbackKey, signed: str) -> bytes:
    return hmac.new(key.secret, PURPOSE + b"\n" + signed.encode("ascii"), hashlib.sha256).digest()[:SIGNATURE_BYTES]


def sign(ticket: FeedbackTicket, keys: FeedbackKeys) -> str:
    """The token: URL-safe characters and dots only, so it sits in a path and in quoted-printable as it is."""
    fields = (
        ticket.object_id,
        str(ticket.version),
        ticket.customer_code,
        ticket.recipient_hash,
        str(int(ticket.expires_at.timestamp())),
        *((_b64(ticket.recipient.encode("utf-8")),) if ticket.recipient else ()),
    )
    signed = f"{keys.current.key_id}.{_b64('|'.join(fields).encode('ascii'))}"
    return f"{signed}.{_b64(_signature(keys.current, signed))}"


def verify(token: str, keys: FeedbackKeys, now: datetime) -> FeedbackTicket | None:
    """The ticket of a token signed by a known key and not yet expired; ``None`` for every other token."""
    if len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
        return None
    key_id, payload, given = token.split(".")
    key = keys.find(key_id)
    try:
        signature = _unb64(given)
        fields = _unb64(payload).decode("ascii").split("|")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if key is None or not hmac.compare_digest(signature, _signature(key, f"{key_id}.{payload}")):
        return None
    if len(fields) not in (5, 6) or not fields[1].isdigit() or not fields[4].isdigit():
        return None
    try:
        ticket = FeedbackTicket(
            object_id=fields[0],
            version=int(fields[1]),
            customer_code=fields[2],
            recipient_hash=fields[3],
            expires_at=datetime.fromtimestamp(int(fields[4]), UTC),
            recipient=_unb64(fields[5]).decode("utf-8") if len(fields) == 6 else None,
        )
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return ticket if now < ticket.expires_at else None


def clean_comment(text: str) -> str:
    """A comment as kept: plain text, line breaks normalised, no control characters, at most the limit."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(ch for ch in text if ch in "\n\t" or (ch >= " " and ch != "\x7f"))
    return kept.strip()[:MAX_COMMENT_CHARS]


@dataclass(frozen=True)
class Answer:
    """One recipient's rating of one object, for one customer (updated when the recipient sends again)."""

    object_id: str
    kind: str
    version: int
    customer_code: str
    recipient_hash: str
    rating: int
    comment: str
    answered_at: datetime
    first_answered_at: datetime
    title: str = ""
    recipient: str | None = None
    """Only with ``feedback.store_recipient: true``."""
    revision: int = 1
    """How many times the recipient has sent an answer."""


@dataclass(frozen=True)
class Comment:
    object_id: str
    title: str
    customer_code: str
    rating: int
    comment: str
    answered_at: datetime


@dataclass(frozen=True)
class CustomerFeedback:
    customer_code: str
    count: int
    average: float | None
    distribution: dict[int, int]
    comments: list[Comment]


def _comment(answer: Answer) -> Comment:
    return Comment(
        object_id=answer.object_id,
        title=answer.title,
        customer_code=answer.customer_code,
        rating=answer.rating,
        comment=answer.comment,
        answered_at=answer.answered_at,
    )


def summarise(customer_code: str, answers: Iterable[Answer], comment_limit: int | None = None) -> CustomerFeedback:
    """Count, average (two decimals), distribution over 1-5 and the comments, newest first."""
    mine = [answer for answer in answers if answer.customer_code == customer_code]
    distribution = {rating: 0 for rating in RATINGS}
    for answer in mine:
        distribution[answer.rating] += 1
    average = round(sum(answer.rating for answer in mine) / len(mine), 2) if mine else None
    commented = sorted((a for a in mine if a.comment), key=lambda a: a.answered_at, reverse=True)
    if comment_limit is not None:
        commented = commented[:comment_limit]
    return CustomerFeedback(
        customer_code=customer_code,
        count=len(mine),
        average=average,
        distribution=distribution,
        comments=[_comment(answer) for answer in commented],
    )


def by_customer(answers: Iterable[Answer], comment_limit: int | None = None) -> list[CustomerFeedback]:
    kept = list(answers)
    return [summarise(code, kept, comment_limit) for code in sorted({a.customer_code for a in kept})]
