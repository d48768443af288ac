"""Send an operator's email to one customer's topic subscribers, the way the backend does.

Recipients come from :class:`~ccm.mail.recipients.RecipientDirectory` (subscribers of the topic, then the
non-production allow-list, then the suppression list), and messages leave through
:class:`~ccm.mail.delivery.EmailSender` under the delivery ledger, as the backend's do. A notification about an
object uses the backend's own ledger key (object, version, event, customer), so neither a re-run nor the backend's
trigger for the same version mails anyone twice. ``--force`` picks a fresh ledger event name: everybody is mailed again.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ccm.aws.assume import RoleSessions
from ccm.config import CustomerMapping
from ccm.errors import CcmError
from ccm.mail.delivery import DeliveryFailed, DeliveryReport, Dispatcher, EmailSender
from ccm.mail.mime import RenderedEmail
from ccm.mail.recipients import RecipientDirectory, TopicAudience
from ccm.mail.render import EmailRenderer
from ccm.mail.ses import SesMailboxes
from ccm.mailouts.messages import delivery_test
from ccm.settings import Settings
from ccm.storage.archive import ArchiveStore
from ccm.storage.ledger import DeliveryKey, DynamoLedger

TOPIC_TEST_LEDGER_ID = "topic-test"
PREFERENCES_LEDGER_ID = "preferences-notice"


class RecipientRefused(CcmError):
    """The address may not be mailed from this customer's account (allow-list or suppression list)."""


def content_event(base: str, note: str) -> str:
    """The ledger event of a service message: the same text is the same message, sent once per person."""
    text = note.strip()
    return f"{base}-{hashlib.sha256(text.encode()).hexdigest()[:12]}" if text else base


def fresh_event(event: str, now: datetime) -> str:
    """A ledger event name nobody has received yet: ``--force`` sends to everyone again under it."""
    return f"{event}-resend-{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Mailout:
    """One email to the subscribers of one topic of one customer, recorded in the ledger under ``key``."""

    customer: CustomerMapping
    topic: str
    key: DeliveryKey
    email: RenderedEmail


@dataclass
class MailoutResult:
    topic: str
    subject: str
    ledger_event: str
    audience: TopicAudience
    dry_run: bool
    sent: int = 0
    already_sent: int = 0
    failed: int = 0
    rejected: int = 0
    not_started: int = 0
    errors: list[str] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)
    would_send: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, mailout: Mailout, audience: TopicAudience, *, dry_run: bool) -> MailoutResult:
        return cls(
            topic=mailout.topic,
            subject=mailout.email.subject,
            ledger_event=mailout.key.event,
            audience=audience,
            dry_run=dry_run,
        )

    def record(self, report: DeliveryReport) -> None:
        self.sent, self.already_sent = report.sent, report.already_sent
        self.failed, self.not_started, self.errors = report.failed, report.not_started, list(report.errors)
        self.rejected, self.rejections = report.rejected + report.rejected_before, list(report.rejections)

    @property
    def excluded(self) -> dict[str, int]:
        counts = {
            "restricted": self.audience.outside_allow_list,
            "suppressed": self.audience.suppressed,
            "malformed": self.audience.malformed,
        }
        return {reason: count for reason, count in counts.items() if count}

    def problem(self) -> str | None:
        if not self.failed and not self.not_started:
            return None
        first = f": {self.errors[0]}" if self.errors else ""
        return (
            f"{self.failed} send(s) failed, {self.not_started} not started{first}; "
            "run the command again to mail only those who did not get it"
        )

    def document(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "topic": self.topic,
            "subject": self.subject,
            "ledger_event": self.ledger_event,
            "subscribed": self.audience.subscribed,
            "excluded": self.excluded,
            "recipients": self.audience.recipients,
            "already_sent": self.already_sent,
            "dry_run": self.dry_run,
        }
        if self.dry_run:
            document["would_send"] = self.would_send
        else:
            document.update(
                sent=self.sent,
                failed=self.failed,
                rejected=self.rejected,
                not_started=self.not_started,
                errors=self.errors,
                rejections=self.rejections,
            )
        return document


class Mailer:
    """The mail parts the backend sends with, wired once for a CLI run, with SES reached through each customer's
    role: the same recipient rules and the same ledger."""

    def __init__(self, settings: Settings) -> None:
        self.mailboxes = SesMailboxes(settings.config, RoleSessions(session_prefix="ccm-cli"))
        self.directory = RecipientDirectory(settings.config, self.mailboxes)
        self.ledger = DynamoLedger(settings.table)
        self.sender = EmailSender(settings.config, self.mailboxes, Dispatcher(self.ledger))
        self.renderer = EmailRenderer(settings.config, settings.ses_config)
        self.archive = ArchiveStore(settings.bucket)

    def run(self, mailout: Mailout, *, now: datetime, dry_run: bool) -> MailoutResult:
        customer = mailout.customer
        audience = self.directory.audience(customer.customer_code, mailout.topic)
        result = MailoutResult.of(mailout, audience, dry_run=dry_run)
        if dry_run:
            done = set(self.ledger.settled(mailout.key)) if audience.recipients else set()
            result.would_send = [address for address in audience.recipients if address.lower() not in done]
            result.already_sent = len(audience.recipients) - len(result.would_send)
            return result
        try:
            report = self.sender.deliver(
                mailout.key, customer, mailout.email, audience.recipients, mailout.topic, now=now
            )
        except DeliveryFailed as failed:
            report = failed.report
        result.record(report)
        return result

    def send_test(self, customer: CustomerMapping, recipient: str, sender: str, now: datetime) -> str:
        """One test message to one address, outside any topic; the SES message id."""
        if not customer.allows_recipient(recipient):
            raise RecipientRefused(
                f"{recipient} is not in the restricted_recipients of {customer.customer_code}, "
                "which may mail only those addresses"
            )
        mailbox = self.mailboxes.for_customer(customer)
        if recipient.strip().lower() in mailbox.suppressed():
            raise RecipientRefused(
                f"{recipient} is on the suppression list of {customer.customer_code}'s SES account, which would "
                "drop the message (ccm ses suppression remove takes it off)"
            )
        email = delivery_test(customer, sender, recipient, now)
        return mailbox.send_outside_topics(recipient, email.prepare(sender, now).for_recipient(recipient), sender)
