"""The local SES's subscription management: what SES does to a message sent with ``ListManagementOptions``.

SES gives each recipient of such a message their own link to a subscription preferences page: it replaces the
``{{amazonSESUnsubscribeUrl}}`` placeholder in the message with it, and adds ``List-Unsubscribe`` and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 2369, RFC 8058) so that a mail client's own
unsubscribe button removes the recipient from the message's topic (from the whole list when it names no topic).
The emulator does none of this, so the local stack does it in the emulator's SES v2 ``SendEmail``, before the
message is stored: one message per recipient, the placeholder replaced in the bytes the sender gave (the exact
placeholder only, nothing else between braces), the headers put first. The page is
:mod:`ccm.local.subscription_pages`, at ``/dev/subscriptions/<token>``, on the stack's own address.

A link names the account, region, contact list, address and topic it was made for, signed with a key kept in the
data folder, so links of earlier runs keep working and an edited link is refused.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import Any

PLACEHOLDER = b"{{amazonSESUnsubscribeUrl}}"
PAGE_PATH = "/dev/subscriptions/"
KEY_BYTES = 32


@dataclass(frozen=True)
class Subscriber:
    """What one link stands for: a contact of one contact list, and the topic of the message it came with."""

    account: str
    region: str
    contact_list: str
    email: str
    topic: str | None = None


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LinkSigner:
    """Tokens of ``<subscriber as JSON>.<HMAC-SHA256>``, both base64url: no character that quoted-printable or
    HTML would read as anything but itself (no ``=``, ``&`` or ``%``)."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    @classmethod
    def from_file(cls, path: Path) -> LinkSigner:
        """The key in ``path``, made on first use (links must outlive a restart)."""
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(os.urandom(KEY_BYTES))
            path.chmod(0o600)
        return cls(path.read_bytes())

    def _signature(self, payload: bytes) -> bytes:
        return hmac.new(self.key, payload, hashlib.sha256).digest()

    def token(self, subscriber: Subscriber) -> str:
        payload = json.dumps(asdict(subscriber), separators=(",", ":"), sort_keys=True).encode("utf-8")
        return f"{_encode(payload)}.{_encode(self._signature(payload))}"

    def read(self, token: str) -> Subscriber | None:
        """The subscriber of a token this key signed; ``None`` for anything else, whatever is wrong with it."""
        encoded, _, signature = token.partition(".")
        try:
            payload = _decode(encoded)
            if not hmac.compare_digest(_decode(signature), self._signature(payload)):
                return None
            return Subscriber(**json.loads(payload))
        except (ValueError, TypeError):
            return None


class LocalListManagement:
    def __init__(self, base_url: str, signer: LinkSigner) -> None:
        self.base_url = base_url.rstrip("/")
        self.signer = signer

    def link(self, subscriber: Subscriber) -> str:
        return f"{self.base_url}{PAGE_PATH}{self.signer.token(subscriber)}"

    def personalise(self, raw: bytes, subscriber: Subscriber) -> bytes:
        """The message as ``subscriber`` receives it: their link for the placeholder, and the unsubscribe headers."""
        link = self.link(subscriber).encode("ascii")
        headers = b"List-Unsubscribe: <" + link + b">\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
        return headers + raw.replace(PLACEHOLDER, link)


def _recipients(destination: dict[str, Any]) -> list[str]:
    return [address for key in ("ToAddresses", "CcAddresses", "BccAddresses") for address in destination.get(key, [])]


def serve_list_management(management: LocalListManagement) -> Callable[[], None]:
    """From now on the emulator's SES v2 ``SendEmail`` manages subscriptions as SES does; returns the undo."""
    from moto.sesv2.responses import SESV2Response

    original = SESV2Response.send_email

    @functools.wraps(original)
    def send_email(self: SESV2Response) -> str:
        params = json.loads(self.body)
        options = params.get("ListManagementOptions")
        raw = (params.get("Content") or {}).get("Raw")
        recipients = _recipients(params.get("Destination") or {})
        if not options or raw is None or not recipients:
            return original(self)
        backend = self.sesv2_backend
        backend.get_contact_list(options["ContactListName"])  # SES refuses a list the account does not have
        data = base64.b64decode(raw["Data"])
        sent = []
        for recipient in recipients:
            subscriber = Subscriber(
                self.current_account,
                self.region,
                options["ContactListName"],
                parseaddr(recipient)[1] or recipient,
                options.get("TopicName"),
            )
            personal = management.personalise(data, subscriber)
            sent.append(backend.send_raw_email(params.get("FromEmailAddress"), [recipient], personal.decode("utf-8")))
        return json.dumps({"MessageId": sent[0].id})

    SESV2Response.send_email = send_email  # type: ignore[method-assign]

    def undo() -> None:
        SESV2Response.send_email = original  # type: ignore[method-assign]

    return undo
