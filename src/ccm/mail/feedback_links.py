"""The five rating links of a completion email, each carrying the recipient's own signed token.

An email is rendered once per customer and sent to each recipient as the same bytes, so the templates write a
marker where the token goes (:data:`ccm.mail.placeholders.RECIPIENT_TOKEN_MARK`) and the marker is replaced per
recipient when the message is addressed (:meth:`ccm.mail.mime.PreparedEmail.for_recipient`). Only a renderer that
can sign writes the links; without keys the email has none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ccm.config import AppConfig
from ccm.domain.feedback import RATINGS, FeedbackKeys, sign, ticket_for
from ccm.domain.objects import AnyObject
from ccm.mail.decisions import EmailEvent
from ccm.mail.placeholders import RECIPIENT_TOKEN_MARK

FEEDBACK_PATH = "/feedback/"


def asks_for_feedback(config: AppConfig, obj: AnyObject, event: EmailEvent) -> bool:
    """A completed change, or a completed announcement that had a meeting, asks its customers how it went."""
    if not config.feedback.enabled or event is not EmailEvent.COMPLETED:
        return False
    return obj.kind == "change" or obj.include_meeting or obj.meeting_metadata is not None


@dataclass(frozen=True)
class RatingLink:
    rating: int
    url: str


def rating_links(portal_base_url: str) -> list[RatingLink]:
    base = portal_base_url.rstrip("/") + FEEDBACK_PATH + RECIPIENT_TOKEN_MARK
    return [RatingLink(rating, f"{base}?rating={rating}") for rating in RATINGS]


@dataclass(frozen=True)
class FeedbackSigner:
    """Signs each recipient's token for one object version and customer."""

    object_id: str
    version: int
    customer_code: str
    keys: FeedbackKeys = field(repr=False)
    with_address: bool = False
    """Carry the address itself (``feedback.store_recipient``), so that the answer can keep it."""

    def token(self, address: str, sent_at: datetime) -> str:
        ticket = ticket_for(
            self.object_id, self.version, self.customer_code, address, sent_at, with_address=self.with_address
        )
        return sign(ticket, self.keys)
