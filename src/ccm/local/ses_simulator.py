"""The local SES's events: what SES would publish about each email it accepted, as its mailbox simulator answers.

Every recipient of every email the outbox collects gets a Send event, then the outcome SES's simulator gives its
address: ``bounce@simulator.amazonses.com`` a permanent bounce, ``complaint@...`` a delivery then a complaint,
``suppressionlist@...`` a bounce of subtype OnSuppressionList (SES does not even try it), and any other address a
delivery. Each event is an SES event-publishing record, written to the local SES events queue as the SNS
subscription with raw message delivery would write it; the queue's worker hands it to the real events handler.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ccm.local.outbox import OutboxEmail

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

logger = logging.getLogger(__name__)

SIMULATOR_DOMAIN = "simulator.amazonses.com"
BOUNCE = f"bounce@{SIMULATOR_DOMAIN}"
COMPLAINT = f"complaint@{SIMULATOR_DOMAIN}"
SUPPRESSION_LIST = f"suppressionlist@{SIMULATOR_DOMAIN}"
SIMULATOR_ADDRESSES = (BOUNCE, COMPLAINT, SUPPRESSION_LIST)
SUPPRESSED_DIAGNOSTIC = (
    "Amazon SES did not send the message to this address because it is on the suppression list for your account."
)


def _time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _mail(email: OutboxEmail, recipient: str, at: datetime) -> dict[str, Any]:
    return {
        "timestamp": _time(at),
        "source": email.sender,
        "sendingAccountId": email.account,
        "messageId": email.message_id,
        "destination": [recipient],
        "headersTruncated": False,
        "commonHeaders": {"from": [email.sender], "to": [recipient], "subject": email.subject},
        "tags": {"ses:source-tls-version": ["TLSv1.3"]},
    }


def _bounce(recipient: str, subtype: str, diagnostic: str, at: datetime) -> dict[str, Any]:
    return {
        "bounceType": "Permanent",
        "bounceSubType": subtype,
        "bouncedRecipients": [
            {"emailAddress": recipient, "action": "failed", "status": "5.1.1", "diagnosticCode": diagnostic}
        ],
        "timestamp": _time(at),
        "feedbackId": f"{uuid.uuid4()}-000000",
        "reportingMTA": "dns; local-ses.invalid",
    }


def _delivery(recipient: str, at: datetime) -> dict[str, Any]:
    return {
        "timestamp": _time(at),
        "processingTimeMillis": 400,
        "recipients": [recipient],
        "smtpResponse": "250 2.6.0 Message received",
        "reportingMTA": "local-ses.invalid",
    }


def simulated_events(email: OutboxEmail, recipient: str, accepted: datetime) -> list[dict[str, Any]]:
    """The records SES would publish about ``email`` to ``recipient``, oldest first."""
    address = recipient.strip().lower()
    mail = _mail(email, address, accepted)
    later = accepted + timedelta(seconds=1)
    events: list[dict[str, Any]] = [{"eventType": "Send", "mail": mail, "send": {}}]
    if address == BOUNCE:
        diagnostic = "smtp; 550 5.1.1 user unknown"
        events.append({"eventType": "Bounce", "mail": mail, "bounce": _bounce(address, "General", diagnostic, later)})
    elif address == SUPPRESSION_LIST:
        bounce = _bounce(address, "OnSuppressionList", SUPPRESSED_DIAGNOSTIC, later)
        events.append({"eventType": "Bounce", "mail": mail, "bounce": bounce})
    else:
        events.append({"eventType": "Delivery", "mail": mail, "delivery": _delivery(address, later)})
    if address == COMPLAINT:
        complaint = {
            "complainedRecipients": [{"emailAddress": address}],
            "timestamp": _time(later + timedelta(seconds=1)),
            "feedbackId": f"{uuid.uuid4()}-000000",
            "complaintFeedbackType": "abuse",
            "arrivalDate": _time(later),
        }
        events.append({"eventType": "Complaint", "mail": mail, "complaint": complaint})
    return events


class LocalSesEvents:
    """Publishes the simulated events of each email the outbox takes in to the local SES events queue."""

    def __init__(self, sqs: SQSClient, queue_url: str, clock: Callable[[], datetime] | None = None) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()

    def publish(self, email: OutboxEmail) -> None:
        accepted = self.clock()
        records = [record for recipient in email.recipients for record in simulated_events(email, recipient, accepted)]
        with self._lock:
            for start in range(0, len(records), 10):
                batch = records[start : start + 10]
                entries = [{"Id": str(i), "MessageBody": json.dumps(record)} for i, record in enumerate(batch)]
                self.sqs.send_message_batch(QueueUrl=self.queue_url, Entries=entries)  # type: ignore[arg-type]
