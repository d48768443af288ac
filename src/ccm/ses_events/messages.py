"""What a message of the SES events queue carries: an SES event-publishing record, raw (the subscription's raw
message delivery) or inside SNS's notification envelope.

Anything else is :class:`MalformedEvent`: retrying cannot make it readable, so it is logged and dropped.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ccm.domain.deliveries import DeliveryStatus, event_status
from ccm.errors import CcmError
from ccm.storage.delivery_records import SesEvent

EVENT_KEYS = {
    "send": "send",
    "delivery": "delivery",
    "bounce": "bounce",
    "complaint": "complaint",
    "reject": "reject",
    "deliverydelay": "deliveryDelay",
    "renderingfailure": "failure",
    "subscription": "subscription",
    "open": "open",
    "click": "click",
}
"""Event type (lower case, without spaces) -> the key of its details in the record."""


class MalformedEvent(CcmError):
    """Not an SES event this handler can read."""


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedEvent(f"{what} is not a JSON object")
    return value


def _timestamp(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def unwrap(body: str) -> dict[str, Any]:
    """The SES record of an SQS message body, with or without SNS's envelope."""
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, TypeError):
        raise MalformedEvent("the message body is not JSON") from None
    data = _object(data, "the message body")
    if data.get("Type") == "Notification" and "Message" in data:
        try:
            data = json.loads(str(data["Message"]))
        except json.JSONDecodeError:
            raise MalformedEvent("the SNS notification's Message is not JSON") from None
        data = _object(data, "the SNS notification's Message")
    if data.get("Type") == "SubscriptionConfirmation":
        raise MalformedEvent("an SNS subscription confirmation, not an event (subscribe with the queue's owner)")
    return data


def _unsubscribed(details: dict[str, Any]) -> bool:
    new = details.get("newTopicPreferences") or {}
    if new.get("unsubscribeAll"):
        return True
    old = {
        t.get("topicName"): t.get("subscriptionStatus")
        for t in (details.get("oldTopicPreferences") or {}).get("topicSubscriptionStatus", [])
    }
    return any(
        topic.get("subscriptionStatus") == "OptOut" and old.get(topic.get("topicName")) != "OptOut"
        for topic in new.get("topicSubscriptionStatus", [])
    )


def _diagnostic(kind: str, details: dict[str, Any]) -> str:
    if kind == "bounce":
        recipients = details.get("bouncedRecipients") or [{}]
        return str(recipients[0].get("diagnosticCode") or recipients[0].get("status") or "")
    if kind == "deliverydelay":
        recipients = details.get("delayedRecipients") or [{}]
        return str(recipients[0].get("diagnosticCode") or details.get("delayType") or "")
    if kind == "complaint":
        return str(details.get("complaintFeedbackType") or "")
    if kind == "reject":
        return str(details.get("reason") or "")
    if kind == "renderingfailure":
        return f"rendering failure: {details.get('errorMessage') or ''}".strip()
    if kind == "subscription":
        return f"unsubscribed ({details.get('source') or 'link'})"
    return ""


def read_event(record: dict[str, Any]) -> SesEvent | None:
    """The event of one SES record; ``None`` for an event that concerns no status (Open, Click, a subscription
    that only adds topics)."""
    raw_type = record.get("eventType") or record.get("notificationType")
    if not isinstance(raw_type, str) or not raw_type:
        raise MalformedEvent("the record has no eventType")
    kind = raw_type.replace(" ", "").lower()
    if kind not in EVENT_KEYS:
        raise MalformedEvent(f"unknown SES event type {raw_type!r}")
    mail = _object(record.get("mail"), "mail")
    message_id = mail.get("messageId")
    if not isinstance(message_id, str) or not message_id:
        raise MalformedEvent("the record's mail has no messageId")
    details = record.get(EVENT_KEYS[kind]) or {}
    details = _object(details, EVENT_KEYS[kind])
    at = _timestamp(details.get("timestamp")) or _timestamp(mail.get("timestamp"))
    if at is None:
        raise MalformedEvent("the record carries no timestamp")
    if kind in ("open", "click"):
        return None
    if kind == "subscription" and not _unsubscribed(details):
        return None
    bounce_type = str(details.get("bounceType") or "") if kind == "bounce" else ""
    bounce_subtype = str(details.get("bounceSubType") or "") if kind == "bounce" else ""
    status: DeliveryStatus | None = None if kind == "send" else event_status(kind, bounce_type, bounce_subtype)
    return SesEvent(
        message_id=message_id,
        event_type=raw_type,
        status=status,
        at=at,
        bounce_type=bounce_type,
        bounce_subtype=bounce_subtype,
        diagnostic=_diagnostic(kind, details),
    )
