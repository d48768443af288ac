"""The SQS event source mapping, played locally: poll each customer's queue, invoke the backend, delete on success.

As Lambda does with ``ReportBatchItemFailures``: records named in ``batchItemFailures`` are not deleted (they
become visible again when the queue's visibility timeout runs out, and reach the dead-letter queue after the
redrive policy's receive count); an error of the whole invocation, or a response Lambda cannot read, fails
every record of the batch; everything else is deleted.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ccm.local.edge_server import Invoker
from ccm.local.lambdas import FunctionError

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

logger = logging.getLogger(__name__)

ERROR_PAUSE_SECONDS = 2.0


def sqs_event(messages: Sequence[MessageTypeDef], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's SQS event source passes for a batch of received messages."""
    region = queue_arn.split(":")[3]
    records = []
    for message in messages:
        record: dict[str, Any] = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message.get("Body", ""),
            "attributes": dict(message.get("Attributes", {})),
            "messageAttributes": {
                name: _message_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
            },
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": region,
        }
        if message.get("MD5OfMessageAttributes"):
            record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        records.append(record)
    return {"Records": records}


def _message_attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "stringListValues": list(value.get("StringListValues", [])),
        "binaryListValues": list(value.get("BinaryListValues", [])),
        "dataType": value.get("DataType", "String"),
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode("ascii")
    return attribute


def failed_message_ids(response: Any, batch: Sequence[str]) -> set[str]:
    """The records Lambda keeps in the queue after an invocation answered ``response``.

    None, ``{}`` or an empty/null ``batchItemFailures`` means every record succeeded; a failure whose
    ``itemIdentifier`` is missing, empty or not in the batch makes Lambda treat the whole batch as failed, as
    does a response that is not a JSON object.
    """
    if response is None:
        return set()
    if not isinstance(response, Mapping):
        return set(batch)
    failures = response.get("batchItemFailures")
    if not failures:
        return set()
    if not isinstance(failures, list):
        return set(batch)
    failed: set[str] = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, Mapping) else None
        if not isinstance(identifier, str) or identifier not in batch:
            return set(batch)
        failed.add(identifier)
    return failed


def _is_test_event(message: MessageTypeDef) -> bool:
    try:
        return bool(json.loads(message.get("Body", "")).get("Event") == "s3:TestEvent")
    except (ValueError, AttributeError):
        return False


@dataclass
class BatchOutcome:
    received: int
    failed: int
    test_events: int = 0
    """How many were the ``s3:TestEvent`` S3 sends when a notification is configured (nothing to do)."""


class QueueWorker:
    """One customer queue: receive, invoke, delete what succeeded. :meth:`poll_once` is one round."""

    def __init__(
        self,
        sqs: SQSClient,
        queue_url: str,
        queue_arn: str,
        backend: Invoker,
        *,
        batch_size: int = 1,
        wait_seconds: int = 2,
        on_batch: Callable[[str, BatchOutcome], None] | None = None,
    ) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.backend = backend
        self.batch_size = batch_size
        self.wait_seconds = wait_seconds
        self.on_batch = on_batch or (lambda name, outcome: None)
        self.name = queue_arn.rsplit(":", 1)[-1]

    def poll_once(self) -> BatchOutcome:
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=self.wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return BatchOutcome(0, 0)
        ids = [message["MessageId"] for message in messages]
        try:
            response = self.backend.invoke(sqs_event(messages, self.queue_arn))
            failed = failed_message_ids(response, ids)
        except FunctionError as error:
            logger.warning("%s: the backend failed, %d message(s) stay in the queue: %s", self.name, len(ids), error)
            failed = set(ids)
        done = [message for message in messages if message["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        outcome = BatchOutcome(len(messages), len(failed), sum(map(_is_test_event, messages)))
        self.on_batch(self.name, outcome)
        return outcome

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.poll_once()
            except Exception as error:  # the emulator going away at shutdown, or a hiccup: wait and poll again
                if stop.is_set():
                    return
                logger.warning("%s: polling failed: %s", self.name, error)
                stop.wait(ERROR_PAUSE_SECONDS)


class Poller(Protocol):
    """A queue worker, or the table stream's poller: polls in its own thread until ``stop`` is set."""

    name: str

    def run(self, stop: threading.Event) -> None: ...


class QueueWorkers:
    """A thread per queue (and one for the table's stream); :meth:`stop` lets each finish the batch in hand (the
    invocation runs to its end)."""

    def __init__(self, workers: Sequence[Poller]) -> None:
        self.workers = list(workers)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for worker in self.workers:
            thread = threading.Thread(target=worker.run, args=(self._stop,), name=f"poll-{worker.name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float) -> None:
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
