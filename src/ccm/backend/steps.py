"""What the backend does for an object in each status: a fixed, short sequence of steps.

* submitted: ``email``
* approved: ``meeting`` (create or update it, so the email carries the Join link), ``email``, ``calendar-invite``
* cancelled: ``meeting`` (cancel it), ``calendar-invite`` (the cancellation), ``email``
* rejected: ``requester-email`` (the reason, to the requester only; one customer's trigger carries it)
* completed: ``meeting`` (cancel it when the work was done before it started), ``calendar-invite`` (that
  cancellation), ``email``

Every status that emails customers then runs ``channels`` (:mod:`ccm.backend.channel_step`) and ``tickets``
(:mod:`ccm.backend.ticket_step`: ServiceNow and Jira) when they are wired.

A step that writes the archive hands the new version back with :meth:`TriggerContext.replace_stored`, so later
steps (the email, showing a join link) see it. A step that raises fails the message: the queue redelivers it and
the trigger is kept, so steps must be safe to run again (the emails are, through the delivery ledger).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ccm.backend.notices import CustomerNotice, NoticePlanner
from ccm.config import CustomerMapping
from ccm.domain.deliveries import RESEND_SUFFIX, resend_requests
from ccm.domain.objects import AnyObject
from ccm.domain.status import Status
from ccm.mail.decisions import Notice, decide
from ccm.mail.delivery import DeliveryFailed, DeliveryReport, EmailSender
from ccm.mail.mime import RenderedEmail, valid_address
from ccm.mail.recipients import RecipientDirectory
from ccm.mail.render import EmailRenderer
from ccm.storage.archive import Stored
from ccm.storage.ledger import DeliveryKey

logger = logging.getLogger(__name__)

EMAIL_STEP = "email"


@dataclass(frozen=True)
class Notified:
    """Whom the customer's notification went to: the topic, and its recipients after the allow-list and the
    suppression list (0 when nobody subscribes). Recorded in the object's history with the ``processed`` entry."""

    topic: str
    recipients: int


@dataclass
class TriggerContext:
    """One customer's trigger for one object, as the steps see it."""

    customer: CustomerMapping
    stored: Stored
    notice: Notice
    now: datetime
    deadline: float | None = None
    counts: Counter[str] = field(default_factory=Counter)
    plan: CustomerNotice | None = None
    """What the email step decided for this customer (the later steps and the processor's record use it)."""
    notified: Notified | None = None

    @property
    def obj(self) -> AnyObject:
        return self.stored.obj

    def replace_stored(self, stored: Stored) -> None:
        """A step wrote the archive (an annotation, without a version bump): later steps see what it wrote."""
        if stored.obj.id != self.obj.id:
            raise ValueError(f"{stored.obj.id} is not {self.obj.id}")
        self.stored = stored

    def count(self, metric: str, value: int = 1) -> None:
        self.counts[metric] += value

    def count_delivery(self, report: DeliveryReport) -> None:
        self.count("EmailsSent", report.sent)
        self.count("EmailsFailed", report.failed)
        self.count("EmailsRejected", report.rejected)
        self.count("EmailsThrottled", report.throttled)


class Step(Protocol):
    name: str

    def run(self, context: TriggerContext) -> None: ...


@dataclass(frozen=True)
class Pipeline:
    """The steps of every status, in the order of this module's docstring. Without meeting steps (tests, a
    backend without calendars) a status runs only its email."""

    email: Step
    meeting: Step | None = None
    invites: Step | None = None
    requester: Step | None = None
    channels: Step | None = None
    tickets: Step | None = None

    def steps_for(self, status: Status) -> list[Step]:
        if status is Status.APPROVED:
            steps = [self.meeting, self.email, self.invites]
        elif status in (Status.CANCELLED, Status.COMPLETED):
            steps = [self.meeting, self.invites, self.email]
        elif status is Status.SUBMITTED:
            steps = [self.email]
        elif status is Status.REJECTED:
            steps = [self.requester]
        else:
            steps = []
        if steps and status is not Status.REJECTED:
            steps.extend((self.channels, self.tickets))
        return [step for step in steps if step is not None]

    def names(self, status: Status) -> list[str]:
        return [step.name for step in self.steps_for(status)]


def send_counted(
    context: TriggerContext,
    sender: EmailSender,
    event: str,
    email: RenderedEmail,
    recipients: Sequence[str],
    topic: str | None,
) -> DeliveryReport:
    """Deliver ``email`` for this trigger under the ledger key of its object version, counting what happened."""
    key = DeliveryKey(context.obj.id, context.obj.version, event, context.customer.customer_code)
    return deliver_counted(context, sender, key, email, recipients, topic)


def deliver_counted(
    context: TriggerContext,
    sender: EmailSender,
    key: DeliveryKey,
    email: RenderedEmail,
    recipients: Sequence[str],
    topic: str | None,
) -> DeliveryReport:
    """Deliver ``email`` under ``key``, counting what happened in the context's metrics."""
    try:
        report = sender.deliver(
            key, context.customer, email, recipients, topic, now=context.now, deadline=context.deadline
        )
    except DeliveryFailed as failed:
        context.count_delivery(failed.report)
        raise
    context.count_delivery(report)
    return report


class EmailStep:
    """The notification for the object's status, measured against what this customer was told before
    (:mod:`ccm.backend.notices`), to the topic the decision named."""

    name = EMAIL_STEP

    def __init__(
        self, renderer: EmailRenderer, directory: RecipientDirectory, sender: EmailSender, planner: NoticePlanner
    ) -> None:
        self.renderer = renderer
        self.directory = directory
        self.sender = sender
        self.planner = planner

    def run(self, context: TriggerContext) -> None:
        plan = context.plan = self.planner.plan(context.obj, context.customer.customer_code)
        notice = plan.notice
        if notice is None:
            if not self._resend_only(context):
                logger.info(
                    "nothing new for %s about %s v%d",
                    context.customer.customer_code,
                    context.obj.id,
                    context.obj.version,
                )
            return
        recipients = self.directory.recipients(context.customer.customer_code, notice.topic)
        context.notified = Notified(notice.topic, len(recipients))
        if not recipients:
            logger.info(
                "nobody to mail: no subscriber of %s for %s may receive %s",
                notice.topic,
                context.customer.customer_code,
                context.obj.id,
            )
            return
        email = self.renderer.render(context.obj, notice, context.customer.customer_code, context.now, plan.extras)
        send_counted(context, self.sender, notice.event.value, email, recipients, notice.topic)
        # An administrator's resend: one extra copy, under its own ledger event, to those still subscribed.
        wanted = resend_requests(context.obj.modifications, context.customer.customer_code, notice.event.value)
        still = {address.lower() for address in recipients}
        again = [address for address in wanted if address.lower() in still]
        if again:
            send_counted(context, self.sender, f"{notice.event.value}{RESEND_SUFFIX}", email, again, notice.topic)

    def _resend_only(self, context: TriggerContext) -> bool:
        """An administrator's resend of the notice this customer already has: the plan finds nothing new to tell
        (the resend adds no version), yet the transient failures get their one extra copy. False: none asked."""
        notice = decide(context.obj, self.planner.topics)
        if notice is None:
            return False
        code = context.customer.customer_code
        wanted = resend_requests(context.obj.modifications, code, notice.event.value)
        if not wanted:
            return False
        recipients = self.directory.recipients(code, notice.topic)
        still = {address.lower() for address in recipients}
        again = [address for address in wanted if address.lower() in still]
        if again:
            email = self.renderer.render(context.obj, notice, code, context.now)
            send_counted(context, self.sender, f"{notice.event.value}{RESEND_SUFFIX}", email, again, notice.topic)
        return True


REQUESTER_STEP = "requester-email"


class RequesterStep:
    """Internal mail about the object to the person who asked for it (a rejection and its reason), sent outside
    every topic through the SES of the customer whose trigger carries it."""

    name = REQUESTER_STEP

    def __init__(self, renderer: EmailRenderer, sender: EmailSender) -> None:
        self.renderer = renderer
        self.sender = sender

    def run(self, context: TriggerContext) -> None:
        obj, customer = context.obj, context.customer
        recipient = obj.owner
        if not valid_address(recipient):
            logger.warning("%s has no requester address to tell of its %s", obj.id, context.notice.event.value)
            return
        if not customer.allows_recipient(recipient):
            logger.warning(
                "%s may not be mailed through %s (restricted_recipients); not told of %s",
                recipient,
                customer.customer_code,
                obj.id,
            )
            return
        email = self.renderer.render(obj, context.notice, customer.customer_code, context.now)
        send_counted(context, self.sender, context.notice.event.value, email, [recipient], None)
