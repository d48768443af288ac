"""SES's events about our emails, through the SES events handler as Lambda calls it, onto the delivery ledger."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime

import boto3
import pytest
from functions.ses_events import app

from ccm.domain.deliveries import DeliveryStatus
from ccm.storage.delivery_records import DeliveryRow, DynamoDeliveryRecords
from ccm.storage.ledger import DeliveryKey, DynamoLedger
from tests.backend_support import LambdaContext, bucket_and_table
from tests.conftest import TABLE
from tests.ses_event_samples import events_queue_event, ses_record, sns_envelope

KEY = DeliveryKey("CHG-3f2a9c1e-8b7d-4e21-9a0f-5c6d7e8f9a01", 2, "approval_request", "alpha")
READER = "reader@example.com"


@pytest.fixture(autouse=True)
def fresh_handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setattr(app, "_recorder", None)
    monkeypatch.setattr(app, "_entry", None)
    yield


@pytest.fixture
def records(aws: None) -> DynamoDeliveryRecords:
    bucket_and_table()
    return DynamoDeliveryRecords(TABLE)


def sent(message_id: str, recipient: str = READER, key: DeliveryKey = KEY) -> None:
    """What the backend leaves behind once SES accepted the email to ``recipient``."""
    ledger = DynamoLedger(TABLE)
    claim = ledger.claim(key, recipient)
    assert claim is not None
    ledger.mark_sent(claim, message_id)


def deliver(*bodies: str) -> dict[str, object]:
    return app.handler(events_queue_event(list(bodies)), LambdaContext())  # type: ignore[arg-type]


def only_row(records: DynamoDeliveryRecords) -> DeliveryRow:
    (row,) = records.rows(KEY.object_id)
    return row


@pytest.mark.parametrize(
    ("kind", "detail", "status", "diagnostic"),
    [
        ("Delivery", {}, DeliveryStatus.DELIVERED, ""),
        ("Bounce", {}, DeliveryStatus.BOUNCED, "smtp; 550 5.1.1 user unknown"),
        ("Bounce", {"bounce_subtype": "OnSuppressionList"}, DeliveryStatus.SUPPRESSED, "smtp; 550 5.1.1 user unknown"),
        ("Complaint", {}, DeliveryStatus.COMPLAINED, "abuse"),
        ("Reject", {}, DeliveryStatus.REJECTED, "Bad content"),
        ("DeliveryDelay", {}, DeliveryStatus.DELAYED, "smtp; 421 4.4.1 Unable to connect"),
        ("Rendering Failure", {}, DeliveryStatus.REJECTED, "rendering failure: Attribute 'name' is not present"),
        ("Subscription", {}, DeliveryStatus.UNSUBSCRIBED, "unsubscribed (UnsubscribeHeader)"),
    ],
)
def test_each_event_type_is_recorded_on_the_recipients_ledger_row(
    records: DynamoDeliveryRecords, kind: str, detail: dict[str, str], status: DeliveryStatus, diagnostic: str
) -> None:
    sent("ses-message-1")

    response = deliver(sns_envelope(ses_record(kind, "ses-message-1", READER, **detail)))

    assert response == {"batchItemFailures": []}
    row = only_row(records)
    assert (row.recipient, row.status, row.diagnostic) == (READER, status, diagnostic)
    # The event's own time; Reject and Rendering Failure carry none but the email's.
    seconds = 0 if kind in ("Reject", "Rendering Failure") else 5
    assert row.status_at == datetime(2029, 12, 15, 12, 0, seconds, tzinfo=UTC).timestamp()


def test_a_bounce_keeps_its_type_and_subtype(records: DynamoDeliveryRecords) -> None:
    sent("ses-message-1")

    deliver(
        sns_envelope(
            ses_record("Bounce", "ses-message-1", READER, bounce_type="Transient", bounce_subtype="MailboxFull")
        )
    )

    row = only_row(records)
    assert (row.status, row.bounce_type, row.bounce_subtype) == (DeliveryStatus.BOUNCED, "Transient", "MailboxFull")


def test_raw_message_delivery_and_the_sns_envelope_read_the_same(records: DynamoDeliveryRecords) -> None:
    sent("ses-message-1")
    sent("ses-message-2", "other@example.com")

    deliver(json.dumps(ses_record("Delivery", "ses-message-1", READER)))
    deliver(sns_envelope(ses_record("Delivery", "ses-message-2", "other@example.com")))

    assert {row.recipient: row.status for row in records.rows(KEY.object_id)} == {
        READER: DeliveryStatus.DELIVERED,
        "other@example.com": DeliveryStatus.DELIVERED,
    }


def test_a_later_delivery_does_not_erase_a_bounce(records: DynamoDeliveryRecords) -> None:
    sent("ses-message-1")

    deliver(sns_envelope(ses_record("Bounce", "ses-message-1", READER)))
    deliver(sns_envelope(ses_record("Delivery", "ses-message-1", READER, timestamp="2029-12-15T12:00:01.000Z")))
    deliver(sns_envelope(ses_record("DeliveryDelay", "ses-message-1", READER)))

    assert only_row(records).status is DeliveryStatus.BOUNCED


def test_a_complaint_after_the_delivery_is_recorded(records: DynamoDeliveryRecords) -> None:
    sent("ses-message-1")

    deliver(sns_envelope(ses_record("DeliveryDelay", "ses-message-1", READER)))
    deliver(sns_envelope(ses_record("Delivery", "ses-message-1", READER)))
    deliver(sns_envelope(ses_record("Complaint", "ses-message-1", READER)))

    assert only_row(records).status is DeliveryStatus.COMPLAINED


def test_the_same_event_twice_changes_and_counts_nothing_more(records: DynamoDeliveryRecords) -> None:
    sent("ses-message-1")
    send = sns_envelope(ses_record("Send", "ses-message-1", READER))
    bounce = sns_envelope(ses_record("Bounce", "ses-message-1", READER))

    assert deliver(send, bounce) == {"batchItemFailures": []}
    assert deliver(send, bounce) == {"batchItemFailures": []}

    (day,) = records.daily("alpha", date(2029, 12, 15), date(2029, 12, 15))
    assert (day.counts["sends"], day.counts["hard_bounces"]) == (1, 1)
    assert only_row(records).status is DeliveryStatus.BOUNCED


def test_an_event_for_an_unknown_message_id_is_logged_and_dropped(
    records: DynamoDeliveryRecords, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = _Remember()
    logging.getLogger("ccm.ses_events.recorder").addHandler(seen)
    try:
        response = deliver(sns_envelope(ses_record("Delivery", "never-sent-by-us", READER)))
    finally:
        logging.getLogger("ccm.ses_events.recorder").removeHandler(seen)

    assert response == {"batchItemFailures": []}
    assert any("no email of ours has that id" in message for message in seen.messages)
    assert '"SesEventsUnknown":[1.0]' in capsys.readouterr().out
    assert records.rows(KEY.object_id) == []


def test_a_message_that_is_no_ses_event_is_dropped_not_retried(records: DynamoDeliveryRecords) -> None:
    assert deliver("not json", '{"Type": "Notification", "Message": "{}"}') == {"batchItemFailures": []}


def test_opens_and_clicks_change_nothing(records: DynamoDeliveryRecords) -> None:
    sent("ses-message-1")

    deliver(sns_envelope(ses_record("Open", "ses-message-1", READER)))

    assert only_row(records).status is DeliveryStatus.SENT


def test_a_table_failure_fails_only_that_record_so_sqs_retries_it(records: DynamoDeliveryRecords) -> None:
    sent("ses-message-1")
    bounce = events_queue_event([sns_envelope(ses_record("Bounce", "ses-message-1", READER))])
    boto3.client("dynamodb").delete_table(TableName=TABLE)

    response = app.handler(bounce, LambdaContext())  # type: ignore[arg-type]

    assert response == {"batchItemFailures": [{"itemIdentifier": bounce["Records"][0]["messageId"]}]}


class _Remember(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
