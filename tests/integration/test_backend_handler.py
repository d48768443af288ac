"""The Lambda handler with the SQS events AWS sends: partial batch failures, metrics, and one run end to end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from functions.backend import app

from ccm.config import AppConfig, SesConfig
from ccm.domain.due_actions import reminder
from ccm.domain.objects import Change
from ccm.provision import Provisioner
from ccm.storage.archive import ArchiveStore
from ccm.storage.catalog import Catalog
from ccm.storage.repository import Repository
from tests.backend_support import (
    NOW,
    Harness,
    LambdaContext,
    add_contact,
    bucket_and_table,
    customer_ses,
    load_event,
    sent_in_account,
    sqs_event,
    trigger_body,
)
from tests.conftest import BUCKET, TABLE
from tests.factories import make_change


@pytest.fixture(autouse=True)
def fresh_handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setattr(app, "_backend", None)
    monkeypatch.setattr(app, "_entry", None)
    yield


@pytest.fixture
def harness(aws: None) -> Harness:
    harness = Harness.build(bucket_and_table())
    app._backend = harness.backend
    return harness


def emitted_metrics(output: str) -> dict[str, float]:
    for line in output.splitlines():
        if '"_aws"' in line:
            document = json.loads(line)
            (directive,) = document["_aws"]["CloudWatchMetrics"]
            assert directive["Namespace"] == "CCM"
            values = {metric["Name"]: document[metric["Name"]] for metric in directive["Metrics"]}
            return {name: sum(value) if isinstance(value, list) else value for name, value in values.items()}
    raise AssertionError("no metrics were published")


def test_the_recorded_trigger_event_is_processed_with_no_failures(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    harness.subscribe("alpha", "aws-approval", "approver@example.com")
    change = make_change(changeId="CHG-3f2a9c1e-8b7d-4e21-9a0f-5c6d7e8f9a01", status="submitted", customers=["alpha"])
    harness.publish(change)
    event = load_event("sqs_s3_trigger.json")

    response = app.handler(event, LambdaContext())  # type: ignore[arg-type]

    assert response == {"batchItemFailures": []}
    assert [mail.recipient for mail in harness.mail.outbox.sent] == ["approver@example.com"]
    assert emitted_metrics(capsys.readouterr().out) == {
        "TriggersProcessed": 1.0,
        "TriggersFailed": 0.0,
        "EmailsSent": 1.0,
        "EmailsFailed": 0.0,
        "EmailsRejected": 0.0,
        "EmailsThrottled": 0.0,
        "MeetingsCreated": 0.0,
        "MeetingsUpdated": 0.0,
        "MeetingsCancelled": 0.0,
        "ChannelPostsSent": 0.0,
        "ChannelPostsFailed": 0.0,
        "ChannelPostsRetried": 0.0,
        "TicketUpdatesSent": 0.0,
        "TicketUpdatesFailed": 0.0,
        "TicketUpdatesRetried": 0.0,
    }


def test_the_recorded_s3_test_event_is_acknowledged(harness: Harness) -> None:
    response = app.handler(load_event("sqs_s3_test_event.json"), LambdaContext())  # type: ignore[arg-type]

    assert response == {"batchItemFailures": []}
    assert harness.mail.outbox.sent == []


def test_a_batch_of_ten_with_one_failing_reports_exactly_that_one(
    harness: Harness, app_config: AppConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    codes = sorted(app_config.customer_mappings)[:10]
    for code in codes:
        harness.subscribe(code, "aws-announce", f"reader@{code}.example.com")
    harness.box(codes[4]).fail_after = 0
    change = make_change(status="approved", customers=codes, approvedBy="approver@example.com")
    harness.publish(change)
    event = sqs_event([trigger_body(code, change.id, bucket=harness.bucket) for code in codes])

    response = app.handler(event, LambdaContext())  # type: ignore[arg-type]

    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][4]["messageId"]}]}
    assert sorted(mail.customer_code for mail in harness.mail.outbox.sent) == [c for c in codes if c != codes[4]]
    metrics = emitted_metrics(capsys.readouterr().out)
    assert (metrics["TriggersProcessed"], metrics["TriggersFailed"], metrics["EmailsFailed"]) == (9.0, 1.0, 1.0)


def test_unreadable_records_are_acknowledged_not_retried(harness: Harness) -> None:
    event = sqs_event(["not json", trigger_body("nosuchcustomer", "CHG-1", bucket=harness.bucket)])

    response = app.handler(event, LambdaContext())  # type: ignore[arg-type]

    assert response == {"batchItemFailures": []}


def test_a_trigger_reaches_the_customers_queue_and_is_mailed_through_its_own_ses(
    aws: None, app_config: AppConfig, ses_config: SesConfig
) -> None:
    report = Provisioner(app_config, ses_config, BUCKET, TABLE).run(with_ses=False)
    alpha_ses = customer_ses(app_config, ses_config, "alpha")  # the list the provisioner creates per account
    add_contact(alpha_ses, "approver@example.com", aws_approval="OPT_IN")
    add_contact(alpha_ses, "bystander@example.com", aws_approval="OPT_OUT")
    sqs = boto3.client("sqs")
    queue = report.queue_urls["alpha"]
    sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)  # the s3:TestEvent of the new configuration
    repository = Repository(ArchiveStore(BUCKET), Catalog(TABLE))
    change = make_change(status="submitted", customers=["alpha"], changeTitle="Rotate <b>keys</b>")
    repository.create(change, "archive")
    repository.archive.put_trigger("alpha", change, "approval_request")
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    event: dict[str, Any] = {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message["Attributes"],
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": app_config.customer("alpha").sqs_queue_arn,
                "awsRegion": "us-east-1",
            }
            for message in messages
        ]
    }

    assert app.handler(event, LambdaContext()) == {"batchItemFailures": []}  # type: ignore[arg-type]

    (mail,) = sent_in_account(app_config.customer("alpha").account_id)
    assert mail["To"] == "approver@example.com"
    assert mail["Subject"] == "Approval requested: Rotate <b>keys</b>"
    html = mail.get_body(("html",))
    assert html is not None and "Rotate &lt;b&gt;keys&lt;/b&gt;" in html.get_content()
    assert not repository.archive.trigger_exists("alpha", change.id)


def test_an_invocation_about_to_time_out_starts_no_send_and_leaves_the_record_to_the_queue(harness: Harness) -> None:
    readers = harness.audience("alpha", 3, "aws-announce")
    change = make_change(status="approved", customers=["alpha"])
    harness.publish(change)
    event = sqs_event([trigger_body("alpha", change.id, bucket=harness.bucket)])
    nearly_over = LambdaContext(remaining_ms=int(app.TIMEOUT_MARGIN_SECONDS * 1000) - 1)

    response = app.handler(event, nearly_over)  # type: ignore[arg-type]

    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert harness.mail.outbox.sent == []
    assert app.handler(event, LambdaContext()) == {"batchItemFailures": []}  # type: ignore[arg-type]
    assert sorted(mail.recipient for mail in harness.mail.outbox.sent) == readers


def test_a_re_approval_and_a_clock_reminder_reach_the_handler_as_sqs_delivers_them(harness: Harness) -> None:
    harness.subscribe("alpha", "aws-announce", "reader@alpha.example.com")
    change = make_change(status="approved", customers=["alpha"], approvedBy="approver@example.com")
    harness.publish(change)

    def delivered(body: str) -> dict[str, Any]:
        response: dict[str, Any] = app.handler(sqs_event([body]), LambdaContext())  # type: ignore[arg-type]
        return response

    def edited_and_approved_again(obj: Any) -> None:
        obj.customer_impact = "Two short TLS resets"
        obj.send_back_for_approval("requester@example.com", NOW)
        obj.transition("approved", "approver@example.com", NOW)

    first = delivered(trigger_body("alpha", change.id, bucket=harness.bucket))
    stored = harness.repository.update(change.id, edited_and_approved_again).after.obj
    harness.repository.archive.put_trigger("alpha", stored, "approved_announcement")
    update = delivered(trigger_body("alpha", change.id, bucket=harness.bucket))
    assert isinstance(stored, Change) and stored.implementation_start is not None
    reminded = delivered(reminder(change.id, "alpha", stored.version, "P1D", stored.implementation_start, NOW).body())

    assert first == update == reminded == {"batchItemFailures": []}
    assert [mail.event for mail in harness.mail.outbox.sent] == ["approved", "updated", "reminder"]
