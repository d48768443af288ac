"""Where SQS has StartMessageMoveTask (AWS), the redrive asks SQS to move the dead letters back to their queue."""

from __future__ import annotations

import json

import boto3
from botocore.stub import Stubber

from ccm.config import load_config
from ccm.dead_letters import DeadLetters
from ccm.storage.trigger_failures import TriggerFailures
from tests.conftest import CONFIG_PATH

QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/ccm-alpha"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:ccm-alpha"
DLQ = "https://sqs.us-east-1.amazonaws.com/123456789012/ccm-alpha-dlq"
DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:ccm-alpha-dlq"


def test_the_redrive_starts_a_message_move_task_from_the_dead_letter_queue_to_its_source() -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    stub = Stubber(sqs)
    stub.add_response("get_queue_url", {"QueueUrl": QUEUE}, {"QueueName": "ccm-alpha"})
    stub.add_response(
        "get_queue_attributes",
        {"Attributes": {"QueueArn": QUEUE_ARN, "RedrivePolicy": json.dumps({"deadLetterTargetArn": DLQ_ARN})}},
        {"QueueUrl": QUEUE, "AttributeNames": ["QueueArn", "RedrivePolicy"]},
    )
    stub.add_response("get_queue_url", {"QueueUrl": DLQ}, {"QueueName": "ccm-alpha-dlq"})
    stub.add_response(
        "start_message_move_task", {"TaskHandle": "task-1"}, {"SourceArn": DLQ_ARN, "DestinationArn": QUEUE_ARN}
    )
    dead_letters = DeadLetters(
        load_config(CONFIG_PATH), sqs, boto3.client("s3", region_name="us-east-1"), "bucket", TriggerFailures("t")
    )

    with stub:
        result = dead_letters.redrive("alpha")

    assert result.public() == {"customer": "alpha", "method": "move-task", "taskHandle": "task-1", "moved": None}
    stub.assert_no_pending_responses()
