"""What a channel post says about an object: the facts the customer's own emails already show, nothing more.

One :class:`ChannelMessage` is built per (object, event, customer); each format (Teams, Slack, webhook) renders it.
Another customer of the same object is never named: a channel belongs to one customer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ccm.config import AppConfig
from ccm.domain.objects import AnyObject, Change
from ccm.mail.decisions import EmailEvent
from ccm.mail.views import SUBJECT_WORDS, ViewBuilder, clean_subject, format_window

TEST_EVENT = "test"
"""The event of ``ccm channels test``: no object behind it."""
SUMMARY_LENGTH = 600
"""Chat posts stay short; the portal link leads to the rest."""


@dataclass(frozen=True)
class ChannelMessage:
    event: str
    headline: str
    object_id: str
    kind: str
    version: int
    title: str
    status: str
    customer_code: str
    customer_name: str
    portal_url: str
    summary: str = ""
    window: str | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    join_url: str | None = None

    @property
    def event_words(self) -> str:
        return self.headline.split(":", 1)[0]

    def data(self) -> dict[str, Any]:
        """The customer-visible fields, as a webhook's ``data`` carries them."""
        return {
            "id": self.object_id,
            "kind": self.kind,
            "version": self.version,
            "event": self.event,
            "title": self.title,
            "status": self.status,
            "customer": {"code": self.customer_code, "name": self.customer_name},
            "summary": self.summary,
            "window": {
                "start": self.window_start.isoformat() if self.window_start else None,
                "end": self.window_end.isoformat() if self.window_end else None,
                "text": self.window,
            },
            "meetingUrl": self.join_url,
            "url": self.portal_url,
        }


def _summary(obj: AnyObject) -> str:
    text = obj.customer_impact if isinstance(obj, Change) else obj.summary
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1].rstrip() + "…"


def _join_url(obj: AnyObject) -> str | None:
    meeting = obj.meeting_metadata
    if meeting is None or not meeting.join_url.strip().lower().startswith("https://"):
        return None
    return meeting.join_url.strip()


class MessageBuilder:
    def __init__(self, config: AppConfig) -> None:
        self.config = config
        self.views = ViewBuilder(config)

    def build(self, obj: AnyObject, event: EmailEvent, customer_code: str) -> ChannelMessage:
        customer = self.config.customer(customer_code)
        start = end = None
        window = None
        if isinstance(obj, Change):
            start, end = obj.implementation_start, obj.implementation_end
            shown = format_window(start, end, obj.timezone)
            window = f"{shown.local} ({shown.utc} UTC)" if shown is not None else None
        return ChannelMessage(
            event=event.value,
            headline=clean_subject(f"{SUBJECT_WORDS[event]}: {obj.title}"),
            object_id=obj.id,
            kind=obj.kind,
            version=obj.version,
            title=clean_subject(obj.title),
            status=obj.status.value,
            customer_code=customer.customer_code,
            customer_name=customer.customer_name,
            portal_url=self.views.view_url(obj),
            summary=_summary(obj),
            window=window,
            window_start=start,
            window_end=end,
            join_url=_join_url(obj),
        )

    def test(self, customer_code: str, channel: str, now: datetime) -> ChannelMessage:
        """The post of ``ccm channels test``: says what it is, links to the portal."""
        customer = self.config.customer(customer_code)
        return ChannelMessage(
            event=TEST_EVENT,
            headline=f"Test: channel {channel} of {customer.customer_name} is connected",
            object_id=f"test-{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}",
            kind="test",
            version=1,
            title=f"Test post to {channel}",
            status="test",
            customer_code=customer.customer_code,
            customer_name=customer.customer_name,
            portal_url=self.config.email_config.portal_base_url,
            summary="Sent by `ccm channels test`. No change or announcement is behind it.",
        )
