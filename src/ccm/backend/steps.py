"""What the backend does for an object in each status, as an ordered list of named steps.

Every notifying status starts with one step, ``email``. Other work slots in beside it without touching the
pipeline: ``plan.insert(Status.CANCELLED, step, before=EMAIL_STEP)`` runs a step first (cancel the meeting, then
tell people), ``plan.insert(Status.APPROVED, step, after=EMAIL_STEP)`` runs one afterwards. A step that writes
the archive hands the new version back with :meth:`TriggerContext.replace_stored`, so later steps (the email,
showing a join link) see it. A step that raises fails the message: the queue redelivers it and the trigger is
kept, so steps must be safe to run again (the email step is, through the delivery ledger).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ccm.backend.decisions import Notice
from ccm.backend.delivery import DeliveryFailed, DeliveryReport, Dispatcher
from ccm.backend.ledger import DeliveryKey
from ccm.backend.mail import Mailboxes
from ccm.backend.mime import RenderedEmail
from ccm.backend.recipients import RecipientDirectory
from ccm.backend.render import EmailRenderer
from ccm.config import AppConfig, CustomerMapping
from ccm.domain.objects import AnyObject
from ccm.domain.status import Status
from ccm.storage.archive import Stored

logger = logging.getLogger(__name__)

EMAIL_STEP = "email"
NOTIFYING_STATUSES = (Status.SUBMITTED, Status.APPROVED, Status.COMPLETED, Status.CANCELLED)


@dataclass
class TriggerContext:
    """One customer's trigger for one object, as the steps see it."""

    customer: CustomerMapping
    stored: Stored
    notice: Notice
    now: datetime
    deadline: float | None = None
    counts: Counter[str] = field(default_factory=Counter)

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


class Step(Protocol):
    name: str

    def run(self, context: TriggerContext) -> None: ...


class StepPlan:
    """The ordered steps of each status. Statuses without steps (drafts) send nothing."""

    def __init__(self, steps: dict[Status, list[Step]] | None = None) -> None:
        self._steps: dict[Status, list[Step]] = {status: list(found) for status, found in (steps or {}).items()}

    @classmethod
    def with_email(cls, email: Step) -> StepPlan:
        return cls({status: [email] for status in NOTIFYING_STATUSES})

    def steps_for(self, status: Status) -> list[Step]:
        return list(self._steps.get(status, []))

    def names(self, status: Status) -> list[str]:
        return [step.name for step in self._steps.get(status, [])]

    def insert(self, status: Status, step: Step, *, before: str | None = None, after: str | None = None) -> None:
        """Add ``step`` to a status: before or after the named step, else at the end."""
        if before is not None and after is not None:
            raise ValueError("give before or after, not both")
        steps = self._steps.setdefault(status, [])
        anchor = before if before is not None else after
        if anchor is None:
            steps.append(step)
            return
        names = [existing.name for existing in steps]
        if anchor not in names:
            raise ValueError(f"status {status.value} has no step {anchor!r} (it has {', '.join(names) or 'none'})")
        index = names.index(anchor) + (0 if before is not None else 1)
        steps.insert(index, step)


class Notifier:
    """Send an email to recipients of one customer, once per recipient, under the delivery ledger.

    ``event`` names what is sent, for the ledger (``approved``, ``cancelled``, ...); a different kind of email
    about the same object and status (a calendar invite) uses its own event name so both are delivered.
    """

    def __init__(self, config: AppConfig, mailboxes: Mailboxes, dispatcher: Dispatcher) -> None:
        self.sender = config.email_config.sender_address
        self.mailboxes = mailboxes
        self.dispatcher = dispatcher

    def send(
        self,
        context: TriggerContext,
        event: str,
        email: RenderedEmail,
        recipients: Sequence[str],
        topic: str,
    ) -> DeliveryReport:
        obj, customer = context.obj, context.customer
        key = DeliveryKey(obj.id, obj.version, event, customer.customer_code)
        try:
            report = self.deliver(key, customer, email, recipients, topic, now=context.now, deadline=context.deadline)
        except DeliveryFailed as failed:
            _count(context, failed.report)
            raise
        _count(context, report)
        return report

    def deliver(
        self,
        key: DeliveryKey,
        customer: CustomerMapping,
        email: RenderedEmail,
        recipients: Sequence[str],
        topic: str,
        *,
        now: datetime,
        deadline: float | None = None,
    ) -> DeliveryReport:
        """Mail every recipient the ledger does not already hold under ``key``; :class:`DeliveryFailed` if some fail.

        The backend's triggers and the CLI's on-demand sends both come through here, so the two share one ledger.
        """
        prepared = email.prepare(self.sender, now)
        mailbox = self.mailboxes.for_customer(customer)
        report = self.dispatcher.deliver(
            mailbox, customer.account_id, key, prepared, recipients, topic, deadline=deadline
        )
        logger.info(
            "%s of %s v%d to %s: %d sent, %d already sent before",
            key.event,
            key.object_id,
            key.version,
            customer.customer_code,
            report.sent,
            report.already_sent,
        )
        return report


def _count(context: TriggerContext, report: DeliveryReport) -> None:
    context.count("EmailsSent", report.sent)
    context.count("EmailsFailed", report.failed)
    context.count("EmailsRejected", report.rejected)
    context.count("EmailsThrottled", report.throttled)


class EmailStep:
    """The notification of spec section 4 for the object's status, to the topic the decision named."""

    name = EMAIL_STEP

    def __init__(self, renderer: EmailRenderer, directory: RecipientDirectory, notifier: Notifier) -> None:
        self.renderer = renderer
        self.directory = directory
        self.notifier = notifier

    def run(self, context: TriggerContext) -> None:
        notice = context.notice
        recipients = self.directory.recipients(context.customer.customer_code, notice.topic)
        if not recipients:
            logger.info(
                "nobody to mail: no subscriber of %s for %s may receive %s",
                notice.topic,
                context.customer.customer_code,
                context.obj.id,
            )
            return
        email = self.renderer.render(context.obj, notice, context.customer.customer_code, context.now)
        self.notifier.send(context, notice.event.value, email, recipients, notice.topic)
