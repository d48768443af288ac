"""Triggers that failed every retry, per customer queue: listed without consuming them, and moved back (redriven).

The customer's queue names come from one place, :func:`queues_of`: the trigger queue is
:func:`ccm.s3_events.trigger_queue_name` and its dead-letter queue is whatever the trigger queue's redrive
policy names, so this keeps working however the queues are named or laid out.

Listing *peeks*: it receives with a visibility timeout of zero, so every message stays where it is, visible.
SQS does not promise that a peek sees every message, so the listing says how many the queue holds beside the
ones it could read. A redrive is SQS's ``StartMessageMoveTask`` from the dead-letter queue back to its source;
where the endpoint lacks it (the local emulator), the messages are moved by hand: sent to the source queue, then
deleted from the dead-letter queue, so a crash in between can only duplicate a trigger, never lose one, and
the delivery ledger keeps a duplicate from mailing anyone twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from botocore.exceptions import ClientError

from ccm.aws.clients import error_code, http_status
from ccm.config import AppConfig, CustomerMapping
from ccm.errors import CcmError
from ccm.s3_events import trigger_queue_name
from ccm.storage.trigger_failures import TriggerFailures

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

PEEK_LIMIT = 100
"""Dead letters read per queue; a queue holding more says how many in ``waiting``."""
PEEK_ROUNDS = 20
MANUAL_MOVE_LIMIT = 10_000
MOVE_BATCH = 10
MISSING_CODES = frozenset({"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"})
UNSUPPORTED_CODES = frozenset({"InvalidAction", "UnsupportedOperation", "NotImplemented", "UnknownOperationException"})


class RedriveRefused(CcmError):
    """The queue cannot be redriven now (no dead-letter queue, a move already running)."""


@dataclass(frozen=True)
class CustomerQueues:
    customer_code: str
    queue_url: str
    queue_arn: str
    dead_letter_url: str | None
    dead_letter_arn: str | None


@dataclass(frozen=True)
class DeadLetter:
    message_id: str
    object_id: str | None
    event: str | None
    """What the trigger announces (its ``request-type``); ``None`` once the trigger itself is gone."""
    sent_at: str | None
    receive_count: int
    last_error: str | None
    failed_at: float | None

    def public(self) -> dict[str, Any]:
        return {
            "messageId": self.message_id,
            "objectId": self.object_id,
            "event": self.event,
            "sentAt": self.sent_at,
            "receiveCount": self.receive_count,
            "lastError": self.last_error,
            "failedAt": self.failed_at,
        }


@dataclass
class QueueDeadLetters:
    customer_code: str
    customer_name: str
    queue: str
    dead_letter_queue: str | None
    waiting: int = 0
    letters: list[DeadLetter] = field(default_factory=list)
    problem: str | None = None

    def public(self) -> dict[str, Any]:
        return {
            "customer": self.customer_code,
            "customerName": self.customer_name,
            "queue": self.queue,
            "deadLetterQueue": self.dead_letter_queue,
            "waiting": self.waiting,
            "letters": [letter.public() for letter in self.letters],
            "problem": self.problem,
        }


@dataclass(frozen=True)
class Redrive:
    customer_code: str
    method: str
    """``move-task`` (SQS's StartMessageMoveTask) or ``by-hand`` (where the endpoint lacks it)."""
    task: str | None = None
    moved: int | None = None

    def public(self) -> dict[str, Any]:
        return {"customer": self.customer_code, "method": self.method, "taskHandle": self.task, "moved": self.moved}


def _arn_name(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


def queues_of(sqs: SQSClient, customer: CustomerMapping, prefix: str | None = None) -> CustomerQueues:
    """The customer's trigger queue and, from its redrive policy, its dead-letter queue."""
    name = trigger_queue_name(customer, prefix)
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except ClientError as error:
        if error_code(error) in MISSING_CODES:
            raise RedriveRefused(f"the queue {name} of {customer.customer_code} does not exist") from None
        raise
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn", "RedrivePolicy"])["Attributes"]
    policy = json.loads(attributes.get("RedrivePolicy") or "{}")
    dead_arn = policy.get("deadLetterTargetArn")
    dead_url = sqs.get_queue_url(QueueName=_arn_name(dead_arn))["QueueUrl"] if dead_arn else None
    return CustomerQueues(customer.customer_code, url, attributes["QueueArn"], dead_url, dead_arn)


def _object_id(body: str) -> str | None:
    try:
        records = json.loads(body).get("Records") or []
        key = unquote_plus(str(records[0]["s3"]["object"]["key"]))
    except (ValueError, AttributeError, LookupError, TypeError):
        return None
    name = key.rsplit("/", 1)[-1]
    return name.removesuffix(".json") or None


class DeadLetters:
    def __init__(
        self,
        config: AppConfig,
        sqs: SQSClient,
        s3: S3Client,
        bucket: str,
        failures: TriggerFailures,
        queue_prefix: str | None = None,
    ) -> None:
        self.config = config
        self.queue_prefix = queue_prefix
        self.sqs = sqs
        self.s3 = s3
        self.bucket = bucket
        self.failures = failures

    def of_customers(self, codes: Iterable[str]) -> list[QueueDeadLetters]:
        return [self.of_customer(self.config.customer(code)) for code in codes]

    def of_customer(self, customer: CustomerMapping) -> QueueDeadLetters:
        try:
            queues = queues_of(self.sqs, customer, self.queue_prefix)
        except RedriveRefused as missing:
            name = trigger_queue_name(customer, self.queue_prefix)
            return QueueDeadLetters(customer.customer_code, customer.customer_name, name, None, problem=str(missing))
        found = QueueDeadLetters(
            customer.customer_code,
            customer.customer_name,
            _arn_name(queues.queue_arn),
            _arn_name(queues.dead_letter_arn) if queues.dead_letter_arn else None,
        )
        if queues.dead_letter_url is None:
            return found
        found.waiting = int(
            self.sqs.get_queue_attributes(
                QueueUrl=queues.dead_letter_url, AttributeNames=["ApproximateNumberOfMessages"]
            )["Attributes"].get("ApproximateNumberOfMessages", "0")
        )
        messages = self._peek(queues.dead_letter_url, min(found.waiting, PEEK_LIMIT))
        failures = self.failures.for_customer(customer.customer_code) if messages else {}
        for message in messages:
            object_id = _object_id(message.get("Body", ""))
            failure = failures.get(object_id or "")
            attributes = message.get("Attributes", {})
            found.letters.append(
                DeadLetter(
                    message_id=message["MessageId"],
                    object_id=object_id,
                    event=self._event(customer.customer_code, object_id),
                    sent_at=attributes.get("SentTimestamp"),
                    receive_count=int(attributes.get("ApproximateReceiveCount", "0")),
                    last_error=failure.error if failure else None,
                    failed_at=failure.failed_at if failure else None,
                )
            )
        return found

    def _peek(self, url: str, wanted: int) -> list[dict[str, Any]]:
        seen: dict[str, dict[str, Any]] = {}
        for _ in range(PEEK_ROUNDS):
            if len(seen) >= wanted:
                break
            response = self.sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=0,
                WaitTimeSeconds=0,
                AttributeNames=["All"],
            )
            batch = response.get("Messages", [])
            new = [message for message in batch if message["MessageId"] not in seen]
            if not new:
                break
            for message in new:
                seen[message["MessageId"]] = dict(message)
        return list(seen.values())[:PEEK_LIMIT]

    def _event(self, code: str, object_id: str | None) -> str | None:
        if object_id is None:
            return None
        try:
            head = self.s3.head_object(Bucket=self.bucket, Key=f"customers/{code}/{object_id}.json")
        except ClientError as error:
            if http_status(error) == 404 or error_code(error) in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise
        return head.get("Metadata", {}).get("request-type")

    def redrive(self, code: str) -> Redrive:
        queues = queues_of(self.sqs, self.config.customer(code), self.queue_prefix)
        if queues.dead_letter_arn is None or queues.dead_letter_url is None:
            raise RedriveRefused(f"the queue of {code} has no dead-letter queue")
        try:
            task = self.sqs.start_message_move_task(SourceArn=queues.dead_letter_arn, DestinationArn=queues.queue_arn)
        except NotImplementedError:
            return Redrive(code, "by-hand", moved=self._move_by_hand(queues))
        except ClientError as error:
            if error_code(error) in UNSUPPORTED_CODES or http_status(error) == 501:
                return Redrive(code, "by-hand", moved=self._move_by_hand(queues))
            if error_code(error) in {"UnsupportedOperation", "InvalidParameterValue"} or "running" in str(error):
                raise RedriveRefused(f"{code}: {error}") from None
            raise
        return Redrive(code, "move-task", task=task.get("TaskHandle"))

    def _move_by_hand(self, queues: CustomerQueues) -> int:
        assert queues.dead_letter_url is not None
        moved = 0
        while moved < MANUAL_MOVE_LIMIT:
            batch = self.sqs.receive_message(
                QueueUrl=queues.dead_letter_url, MaxNumberOfMessages=MOVE_BATCH, WaitTimeSeconds=0, VisibilityTimeout=60
            ).get("Messages", [])
            if not batch:
                break
            entries = [{"Id": str(i), "MessageBody": message["Body"]} for i, message in enumerate(batch)]
            sent = self.sqs.send_message_batch(QueueUrl=queues.queue_url, Entries=entries)  # type: ignore[arg-type]
            if sent.get("Failed"):
                raise RedriveRefused(f"{queues.customer_code}: the queue refused {len(sent['Failed'])} message(s)")
            self.sqs.delete_message_batch(
                QueueUrl=queues.dead_letter_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
            )
            moved += len(batch)
        return moved
