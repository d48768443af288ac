"""Send one email to recipients of one customer, once per recipient, under the delivery ledger.

The backend's triggers, the meeting invitations and the CLI's sends by hand all come through here, so they share
one ledger: ``key.event`` names what is sent (``approved``, ``meeting_request``, ...), and a different kind of email
about the same object version uses its own event name, so each is delivered once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from ccm.config import AppConfig, CustomerMapping
from ccm.mail.delivery import DeliveryReport, Dispatcher
from ccm.mail.mime import RenderedEmail
from ccm.mail.port import Mailboxes
from ccm.storage.ledger import DeliveryKey

logger = logging.getLogger(__name__)


class EmailSender:
    def __init__(self, config: AppConfig, mailboxes: Mailboxes, dispatcher: Dispatcher) -> None:
        self.sender = config.email_config.sender_address
        self.mailboxes = mailboxes
        self.dispatcher = dispatcher

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
        """Mail every recipient the ledger does not already hold under ``key``; :class:`DeliveryFailed` if some fail."""
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
