"""A generic webhook post: a CloudEvents 1.0 event in structured JSON mode, signed per Standard Webhooks.

The event's ``id`` is also the ``webhook-id`` header and stays the same across every attempt of one delivery (the
same object version, event, customer and channel), so a receiver can drop a repeat. The timestamp and signature
are made per attempt: receivers refuse old timestamps.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from standardwebhooks import Webhook

from ccm.channels.message import ChannelMessage

TYPE_PREFIX = "com.ccm"
CONTENT_TYPE = "application/cloudevents+json"


def webhook_id(object_id: str, version: int, event: str, customer: str, channel: str) -> str:
    digest = hashlib.sha256(f"{object_id}\n{version}\n{event}\n{customer}\n{channel}".encode()).hexdigest()
    return f"msg_{digest[:32]}"


def event_type(message: ChannelMessage) -> str:
    return f"{TYPE_PREFIX}.{message.kind}.{message.event}"


def cloud_event_body(message: ChannelMessage, message_id: str, now: datetime) -> bytes:
    event = CloudEvent(
        attributes={
            "id": message_id,
            "source": f"/ccm/customers/{message.customer_code}",
            "type": event_type(message),
            "specversion": "1.0",
            "subject": message.object_id,
            "time": now.astimezone(UTC),
            "datacontenttype": "application/json",
        },
        data=message.data(),
    )
    return JSONFormat().write(event)


@dataclass(frozen=True)
class SignedHeaders:
    webhook_id: str
    timestamp: int
    signature: str

    def as_dict(self) -> dict[str, str]:
        return {
            "webhook-id": self.webhook_id,
            "webhook-timestamp": str(self.timestamp),
            "webhook-signature": self.signature,
        }


def sign(secret: str, message_id: str, body: bytes, now: datetime) -> SignedHeaders:
    """``secret``: the Standard Webhooks secret, ``whsec_`` and base64."""
    at = now.astimezone(UTC).replace(microsecond=0)
    return SignedHeaders(message_id, int(at.timestamp()), Webhook(secret).sign(message_id, at, body))
