"""SES event-publishing records shaped as SES sends them to SNS (one per event type), and SQS events carrying them."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

from tests.backend_support import load_event

SENDER = "notifications@example.com"
TIMESTAMP = "2029-12-15T12:00:05.000Z"


def _mail(message_id: str, recipient: str) -> dict[str, Any]:
    return {
        "timestamp": "2029-12-15T12:00:00.000Z",
        "source": SENDER,
        "sourceArn": "arn:aws:ses:us-east-1:100000000001:identity/example.com",
        "sendingAccountId": "100000000001",
        "messageId": message_id,
        "destination": [recipient],
        "headersTruncated": False,
        "tags": {"ses:configuration-set": ["ccm-alpha"]},
    }


def ses_record(kind: str, message_id: str, recipient: str, timestamp: str = TIMESTAMP, **detail: Any) -> dict[str, Any]:
    """``kind``: Send, Delivery, Bounce, Complaint, Reject, DeliveryDelay, Rendering Failure, Subscription, Open."""
    record: dict[str, Any] = {"eventType": kind, "mail": _mail(message_id, recipient)}
    if kind == "Send":
        record["send"] = {}
    elif kind == "Delivery":
        record["delivery"] = {
            "timestamp": timestamp,
            "processingTimeMillis": 812,
            "recipients": [recipient],
            "smtpResponse": "250 2.6.0 Message received",
            "reportingMTA": "a8-70.smtp-out.amazonses.com",
        }
    elif kind == "Bounce":
        record["bounce"] = {
            "bounceType": detail.get("bounce_type", "Permanent"),
            "bounceSubType": detail.get("bounce_subtype", "General"),
            "bouncedRecipients": [
                {
                    "emailAddress": recipient,
                    "action": "failed",
                    "status": "5.1.1",
                    "diagnosticCode": detail.get("diagnostic", "smtp; 550 5.1.1 user unknown"),
                }
            ],
            "timestamp": timestamp,
            "feedbackId": f"{uuid.uuid4()}-000000",
            "reportingMTA": "dsn; e226-55.smtp-out.us-east-1.amazonses.com",
        }
    elif kind == "Complaint":
        record["complaint"] = {
            "complainedRecipients": [{"emailAddress": recipient}],
            "timestamp": timestamp,
            "feedbackId": f"{uuid.uuid4()}-000000",
            "userAgent": "Mozilla/5.0",
            "complaintFeedbackType": "abuse",
            "arrivalDate": timestamp,
        }
    elif kind == "Reject":
        record["reject"] = {"reason": "Bad content"}
    elif kind == "DeliveryDelay":
        record["deliveryDelay"] = {
            "timestamp": timestamp,
            "delayType": "TransientCommunicationFailure",
            "expirationTime": "2029-12-16T00:00:00.000Z",
            "delayedRecipients": [
                {"emailAddress": recipient, "status": "4.4.1", "diagnosticCode": "smtp; 421 4.4.1 Unable to connect"}
            ],
        }
    elif kind == "Rendering Failure":
        record["failure"] = {"errorMessage": "Attribute 'name' is not present", "templateName": "notice"}
    elif kind == "Subscription":
        record["subscription"] = {
            "contactList": "ccm-contacts",
            "timestamp": timestamp,
            "source": "UnsubscribeHeader",
            "newTopicPreferences": {"unsubscribeAll": True, "topicSubscriptionStatus": []},
            "oldTopicPreferences": {"unsubscribeAll": False, "topicSubscriptionStatus": []},
        }
    elif kind == "Open":
        record["open"] = {"timestamp": timestamp, "ipAddress": "192.0.2.1", "userAgent": "Mozilla/5.0"}
    else:
        raise ValueError(kind)
    return record


def sns_envelope(record: dict[str, Any]) -> str:
    """The SQS body of a subscription without raw message delivery."""
    return json.dumps(
        {
            "Type": "Notification",
            "MessageId": str(uuid.uuid4()),
            "TopicArn": "arn:aws:sns:us-east-1:100000000001:ccm-ses-events",
            "Message": json.dumps(record),
            "Timestamp": TIMESTAMP,
            "SignatureVersion": "1",
            "Signature": "EXAMPLE",
            "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-example.pem",
            "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
        }
    )


def events_queue_event(bodies: list[str]) -> dict[str, Any]:
    template = load_event("sqs_s3_trigger.json")["Records"][0]
    records = []
    for body in bodies:
        record = copy.deepcopy(template)
        record["messageId"] = str(uuid.uuid4())
        record["body"] = body
        record["eventSourceARN"] = "arn:aws:sqs:us-east-1:123456789012:ccm-ses-events"
        records.append(record)
    return {"Records": records}
