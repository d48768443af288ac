"""Service emails: a delivery test, a test of one topic, and the notice that points people to their preferences.

They use the notifications' frame (``email_shell.html``) but are about no change or announcement. The topic test
and the preferences notice go out with list management, so SES puts each recipient's own preferences page where
``{{amazonSESUnsubscribeUrl}}`` stands; the delivery test belongs to no topic and carries no such link.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ccm.config import CustomerMapping, Topic
from ccm.mail.mime import RenderedEmail
from ccm.mail.render import SES_UNSUBSCRIBE_PLACEHOLDER, environment, tidy_text
from ccm.mail.views import Moment, clean_subject

SERVICE_COLOUR = "#343a40"
DELIVERY_TEST = "delivery_test"
TOPIC_TEST = "topic_test"
PREFERENCES_NOTICE = "preferences_notice"


@dataclass(frozen=True)
class Action:
    label: str
    url: str


@dataclass(frozen=True)
class ServiceView:
    """What a service email shows; the field names the shared frame reads are the notifications' own."""

    kind: str
    subject: str
    header: str
    paragraphs: list[str]
    reason: str
    sent_at: Moment
    note: str = ""
    topics: list[Topic] = field(default_factory=list)
    action: Action | None = None
    manage_preferences: bool = False
    colour: str = SERVICE_COLOUR
    category: str | None = None

    @property
    def intro(self) -> str:
        return self.paragraphs[0] if self.paragraphs else ""


def render_service(view: ServiceView, customer_code: str) -> RenderedEmail:
    env = environment()
    context = {"view": view, "unsubscribe_url": SES_UNSUBSCRIBE_PLACEHOLDER}
    return RenderedEmail(
        subject=clean_subject(view.subject),
        text=tidy_text(env.get_template("email_service.txt").render(context)),
        html=env.get_template("email_service.html").render(context),
        headers=(("X-CCM-Event", view.kind), ("X-CCM-Customer", customer_code)),
    )


def delivery_test(customer: CustomerMapping, sender: str, recipient: str, now: datetime) -> RenderedEmail:
    name = customer.customer_name
    view = ServiceView(
        kind=DELIVERY_TEST,
        subject=f"Test message from the Customer Contact Manager for {name}",
        header="Test message",
        paragraphs=[
            f"This message was sent through the Amazon SES account of {name} ({customer.customer_code}, account "
            f"{customer.account_id}, {customer.region}) from {sender} to {recipient}.",
            "If you can read it, that account delivers mail from this sender to this address. No action is needed.",
        ],
        reason="Sent by an operator of the Customer Contact Manager (ccm ses send-test-email).",
        sent_at=Moment.of(now, "UTC"),
    )
    return render_service(view, customer.customer_code)


def topic_test(customer: CustomerMapping, topic: Topic, note: str, now: datetime) -> RenderedEmail:
    name = customer.customer_name
    view = ServiceView(
        kind=TOPIC_TEST,
        subject=f"Test of “{topic.display_name}” for {name}",
        header=f"Test: {topic.display_name}",
        paragraphs=[
            f"You receive this because you are subscribed to “{topic.display_name}” for {name}.",
            "It tests delivery to everyone subscribed to this topic. No action is needed.",
        ],
        note=note.strip(),
        reason=f"Sent by the Customer Contact Manager to {name} subscribers of “{topic.display_name}”.",
        sent_at=Moment.of(now, "UTC"),
        manage_preferences=True,
    )
    return render_service(view, customer.customer_code)


def preferences_notice(
    customer: CustomerMapping, topic: Topic, topics: Sequence[Topic], note: str, now: datetime
) -> RenderedEmail:
    name = customer.customer_name
    view = ServiceView(
        kind=PREFERENCES_NOTICE,
        subject=f"Choose which emails you receive about {name}",
        header="Your email subscriptions",
        paragraphs=[
            f"The Customer Contact Manager emails {name} contacts about changes, approvals and announcements, "
            "one topic at a time.",
            "The button below opens your own subscription page: choose the topics you want, or unsubscribe from "
            "all of them. The link is personal; please do not forward this message.",
        ],
        note=note.strip(),
        topics=list(topics),
        action=Action("Manage my subscriptions", SES_UNSUBSCRIBE_PLACEHOLDER),
        reason=f"Sent by the Customer Contact Manager to {name} subscribers of “{topic.display_name}”.",
        sent_at=Moment.of(now, "UTC"),
        manage_preferences=True,
    )
    return render_service(view, customer.customer_code)
