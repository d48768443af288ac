"""The queue workers play Lambda's SQS event source: real event shapes, partial batch failures, redelivery."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from ccm.local.lambdas import FunctionError
from ccm.local.worker import QueueWorker, failed_message_ids
from tests.conftest import EVENTS

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

BATCH = ["m-1", "m-2", "m-3"]


@pytest.mark.parametrize(
    ("response", "failed"),
    [
        (None, set()),
        ({}, set()),
        ({"batchItemFailures": []}, set()),
        ({"batchItemFailures": None}, set()),
        ({"batchItemFailures": [{"itemIdentifier": "m-2"}]}, {"m-2"}),
        ({"batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-3"}]}, {"m-1", "m-3"}),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, set(BATCH)),
        ({"batchItemFailures": [{"itemIdentifier": None}]}, set(BATCH)),
        ({"batchItemFailures": [{"messageId": "m-2"}]}, set(BATCH)),
        ({"batchItemFailures": [{"itemIdentifier": "not-in-the-batch"}]}, set(BATCH)),
        ({"batchItemFailures": "m-2"}, set(BATCH)),
        ("not an object", set(BATCH)),
    ],
)
def test_the_records_kept_after_an_invocation_follow_lambdas_partial_batch_rules(
    response: Any, failed: set[str]
) -> None:
    assert failed_message_ids(response, BATCH) == failed


@dataclass
class Backend:
    """Answers each batch as told: fail some message bodies, or raise as a crashed invocation would."""

    fail_bodies: set[str] = field(default_factory=set)
    crash: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)

    def invoke(self, event: dict[str, Any], request_id: str | None = None) -> Any:
        self.events.append(event)
        if self.crash:
            raise FunctionError("ccm-backend", "Runtime.ExitError", "the environment ended")
        failures = [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] in self.fail_bodies]
        return {"batchItemFailures": failures}


def queue(sqs: SQSClient, name: str, visibility: int = 1, max_receives: int | None = None) -> tuple[str, str]:
    attributes = {"VisibilityTimeout": str(visibility)}
    if max_receives is not None:
        dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        attributes["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receives})
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]  # type: ignore[arg-type]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def waiting(sqs: SQSClient, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


@pytest.fixture
def sqs(aws: None) -> SQSClient:
    return boto3.client("sqs", region_name="us-east-1")


def test_a_received_message_becomes_the_record_lambda_would_pass(sqs: SQSClient) -> None:
    url, arn = queue(sqs, "ccm-alpha")
    sample = json.loads((EVENTS / "sqs_s3_trigger.json").read_text())["Records"][0]
    sqs.send_message(QueueUrl=url, MessageBody=sample["body"])
    backend = Backend()

    QueueWorker(sqs, url, arn, backend, wait_seconds=0).poll_once()

    [record] = backend.events[0]["Records"]
    assert set(record) == set(sample), "the same keys as AWS's SQS event"
    assert (record["body"], record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == (
        sample["body"],
        "aws:sqs",
        arn,
        "us-east-1",
    )
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(record["attributes"])
    assert record["receiptHandle"] and record["md5OfBody"]


def test_a_failed_record_stays_and_comes_back_after_the_visibility_timeout_while_the_others_are_deleted(
    sqs: SQSClient,
) -> None:
    url, arn = queue(sqs, "ccm-bravo", visibility=1)
    for body in ("ok-1", "bad", "ok-2"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    backend = Backend(fail_bodies={"bad"})
    worker = QueueWorker(sqs, url, arn, backend, batch_size=10, wait_seconds=0)

    first = worker.poll_once()
    invisible = worker.poll_once()
    time.sleep(1.2)
    again = worker.poll_once()

    assert (first.received, first.failed) == (3, 1)
    assert invisible.received == 0, "a failed record is not retried before its visibility timeout"
    assert (again.received, again.failed) == (1, 1)
    retried = backend.events[-1]["Records"][0]
    assert (retried["body"], retried["attributes"]["ApproximateReceiveCount"]) == ("bad", "2")
    assert waiting(sqs, url) == 1


def test_a_crashed_invocation_keeps_every_record_of_its_batch(sqs: SQSClient) -> None:
    url, arn = queue(sqs, "ccm-charlie", visibility=30)
    for body in ("one", "two"):
        sqs.send_message(QueueUrl=url, MessageBody=body)

    outcome = QueueWorker(sqs, url, arn, Backend(crash=True), batch_size=10, wait_seconds=0).poll_once()

    assert (outcome.received, outcome.failed) == (2, 2)
    assert waiting(sqs, url) == 2


def test_a_record_that_keeps_failing_ends_in_the_dead_letter_queue(sqs: SQSClient) -> None:
    url, arn = queue(sqs, "ccm-delta", visibility=1, max_receives=2)
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    worker = QueueWorker(sqs, url, arn, Backend(fail_bodies={"poison"}), wait_seconds=0)

    received = []
    for _ in range(3):
        received.append(worker.poll_once().received)
        time.sleep(1.1)

    dead = sqs.get_queue_url(QueueName="ccm-delta-dlq")["QueueUrl"]
    assert received == [1, 1, 0]
    assert sqs.receive_message(QueueUrl=dead)["Messages"][0]["Body"] == "poison"


def test_the_s3_test_events_of_a_new_notification_are_told_apart_from_triggers(sqs: SQSClient) -> None:
    url, arn = queue(sqs, "ccm-echo")
    for name in ("sqs_s3_test_event.json", "sqs_s3_trigger.json"):
        sqs.send_message(QueueUrl=url, MessageBody=json.loads((EVENTS / name).read_text())["Records"][0]["body"])

    outcome = QueueWorker(sqs, url, arn, Backend(), batch_size=10, wait_seconds=0).poll_once()

    assert (outcome.received, outcome.failed, outcome.test_events) == (2, 0, 1)
