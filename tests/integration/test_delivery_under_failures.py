"""Delivery when SES fails some sends: the backend handler on each customer's real queue (with its dead-letter queue
after five receives), the real SES adapter and delivery ledger in each customer's own account, and SES's answers
replaced where a test says so (as they arrive after the SDK's own retries).

The accounts have the sandbox's send rate, one message a second, so one send is in flight at a time; the sender
waits for its turn on a virtual clock, which makes the tests fast and every run send in the same order.

A transient failure of one send does not keep the others from being mailed; a permanent refusal of one address is
that address's recorded outcome; only a refusal of the whole account stops the delivery early.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from functions.backend import app

from ccm.backend.wiring import build_backend
from ccm.config import AppConfig, SesConfig
from ccm.domain.objects import Change
from ccm.mail.delivery import Dispatcher, workers_for
from ccm.provision import DEAD_LETTER_AFTER, Provisioner, queue_name
from ccm.settings import Settings
from ccm.storage.archive import ArchiveStore
from ccm.storage.catalog import Catalog
from ccm.storage.ledger import DeliveryKey, DynamoLedger
from ccm.storage.repository import Repository
from tests.backend_support import LambdaContext, add_contact, customer_ses, sent_in_account
from tests.conftest import BUCKET, TABLE
from tests.factories import make_change
from tests.fakes.aws_watch import AwsWatch

CUSTOMERS = ["alpha", "bravo"]
SUBSCRIBERS = 20
SANDBOX_RATE = 1.0


def recipient_of(params: dict[str, Any]) -> str:
    (address,) = params["Destination"]["ToAddresses"]
    return str(address)


class VirtualTime:
    """A monotonic clock that a sleep moves forward at once."""

    def __init__(self) -> None:
        self.now = time.monotonic()
        self.lock = threading.Lock()

    def clock(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


@dataclass
class SendFailures:
    """Decides SES's answer to each SendEmail the tests make fail, and counts every attempt per recipient."""

    attempts: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def attempt(self, params: dict[str, Any]) -> tuple[str, int]:
        recipient = recipient_of(params)
        with self.lock:
            self.attempts[recipient] += 1
            return recipient, self.attempts[recipient]

    def transient(self, share: float) -> Callable[[dict[str, Any]], bool]:
        """Fail about ``share`` of all attempts, the same ones on every run, whatever order threads send in."""

        def fails(params: dict[str, Any]) -> bool:
            recipient, attempt = self.attempt(params)
            digest = hashlib.sha256(f"{recipient}#{attempt}".encode()).digest()
            return int.from_bytes(digest[:4], "big") < share * 2**32

        return fails


@dataclass
class Deployment:
    """The provisioned queues, the customers' subscribers, and a change approved for both customers."""

    config: AppConfig
    queues: dict[str, str]
    dead_letters: dict[str, str]
    subscribers: dict[str, list[str]]
    repository: Repository
    change: Change
    receives: Counter[str] = field(default_factory=Counter)

    def handle_until_the_queues_are_empty(self) -> list[dict[str, Any]]:
        """Each queue's messages through the handler, as its event source mapping does, until none is left: a
        failed record becomes visible again (its visibility timeout passes), a processed one is deleted."""
        sqs = boto3.client("sqs")
        responses = []
        while True:
            received = False
            for code in CUSTOMERS:
                queue = self.queues[code]
                messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, AttributeNames=["All"]).get(
                    "Messages", []
                )
                if not messages:
                    continue
                received = True
                response = app.handler(self.event(code, messages), LambdaContext())  # type: ignore[arg-type]
                responses.append(response)
                failed = {item["itemIdentifier"] for item in response["batchItemFailures"]}
                for message in messages:
                    self.receives[message["MessageId"]] = int(message["Attributes"]["ApproximateReceiveCount"])
                    if message["MessageId"] in failed:
                        sqs.change_message_visibility(
                            QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                        )
                    else:
                        sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
            if not received:
                return responses

    def event(self, code: str, messages: list[Any]) -> dict[str, Any]:
        """The SQS event Lambda makes of messages received from the customer's queue."""
        arn = self.config.customer(code).sqs_queue_arn
        return {
            "Records": [
                {
                    "messageId": message["MessageId"],
                    "receiptHandle": message["ReceiptHandle"],
                    "body": message["Body"],
                    "attributes": message["Attributes"],
                    "messageAttributes": {},
                    "md5OfBody": message["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": arn,
                    "awsRegion": "us-east-1",
                }
                for message in messages
            ]
        }

    def sends_per_recipient(self) -> Counter[str]:
        mails = [mail for code in CUSTOMERS for mail in sent_in_account(self.config.customer(code).account_id)]
        return Counter(str(mail["To"]) for mail in mails)

    def dead_letters_waiting(self) -> int:
        sqs = boto3.client("sqs")
        return sum(
            int(
                sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
                    "ApproximateNumberOfMessages"
                ]
            )
            for url in self.dead_letters.values()
        )

    def everyone(self) -> list[str]:
        return [address for code in CUSTOMERS for address in self.subscribers[code]]


@pytest.fixture
def watch(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsWatch]:
    observed = AwsWatch()
    original = boto3.session.Session.client

    def client(self: boto3.session.Session, *args: Any, **kwargs: Any) -> Any:
        return observed.attach(original(self, *args, **kwargs))

    monkeypatch.setattr(boto3.session.Session, "client", client)
    yield observed


@pytest.fixture
def failures() -> SendFailures:
    return SendFailures()


@pytest.fixture
def deployment(
    watch: AwsWatch, app_config: AppConfig, ses_config: SesConfig, monkeypatch: pytest.MonkeyPatch
) -> Deployment:
    report = Provisioner(app_config, ses_config, BUCKET, TABLE).run(with_ses=False)
    sqs = boto3.client("sqs")
    dead_letters = {}
    subscribers = {}
    for code in CUSTOMERS:
        sqs.purge_queue(QueueUrl=report.queue_urls[code])  # the s3:TestEvent of the new notification configuration
        dead_letters[code] = sqs.get_queue_url(QueueName=f"{queue_name(app_config.customer(code))}-dlq")["QueueUrl"]
        ses = customer_ses(app_config, ses_config, code)
        subscribers[code] = [f"reader{i:02d}@{code}.example.com" for i in range(SUBSCRIBERS)]
        for address in subscribers[code]:
            add_contact(ses, address, aws_announce="OPT_IN")
    watch.ses.max_send_rate = SANDBOX_RATE
    ledger, virtual = DynamoLedger(TABLE), VirtualTime()
    backend = build_backend(
        Settings.from_env(),
        ledger=ledger,
        dispatcher=Dispatcher(ledger, clock=virtual.clock, sleep=virtual.sleep),
        meeting_service=None,
    )
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setattr(app, "_entry", None)
    monkeypatch.setattr(app, "_backend", backend)
    repository = Repository(ArchiveStore(BUCKET), Catalog(TABLE))
    change = make_change(status="approved", customers=CUSTOMERS, approvedBy="approver@example.com")
    return Deployment(app_config, report.queue_urls, dead_letters, subscribers, repository, change)


def publish(deployment: Deployment) -> None:
    """What the API does for an approved change: the archive, then one trigger per customer (S3 notifies SQS)."""
    deployment.repository.create(deployment.change, "archive")
    for code in CUSTOMERS:
        deployment.repository.archive.put_trigger(code, deployment.change, "approved_announcement")


def test_at_20_percent_transient_failures_every_subscriber_is_mailed_exactly_once(
    deployment: Deployment, watch: AwsWatch, failures: SendFailures, app_config: AppConfig
) -> None:
    watch.refuse("sesv2", "SendEmail", failures.transient(0.2), "InternalFailure", status=500, message="try again")
    publish(deployment)

    responses = deployment.handle_until_the_queues_are_empty()

    assert deployment.sends_per_recipient() == Counter({address: 1 for address in deployment.everyone()})
    assert deployment.dead_letters_waiting() == 0
    assert max(deployment.receives.values()) <= DEAD_LETTER_AFTER
    assert sum(failures.attempts.values()) > len(deployment.everyone())  # some sends did fail and were retried
    assert len(responses) > len(CUSTOMERS)


def test_an_address_ses_rejects_is_recorded_and_the_message_is_not_retried_for_it(
    deployment: Deployment, watch: AwsWatch, failures: SendFailures, app_config: AppConfig
) -> None:
    rejected = deployment.subscribers["alpha"][3]

    def rejects(params: dict[str, Any]) -> bool:
        return failures.attempt(params)[0] == rejected

    watch.refuse(
        "sesv2",
        "SendEmail",
        rejects,
        "MessageRejected",
        status=400,
        message=f"Email address is not verified. The following identities failed the check in region US-EAST-1: "
        f"{rejected}",
    )
    publish(deployment)

    responses = deployment.handle_until_the_queues_are_empty()

    assert [response["batchItemFailures"] for response in responses] == [[], []]
    others = [address for address in deployment.everyone() if address != rejected]
    assert deployment.sends_per_recipient() == Counter({address: 1 for address in others})
    assert failures.attempts[rejected] == 1
    key = DeliveryKey(deployment.change.id, deployment.change.version, "approved", "alpha")
    assert DynamoLedger(TABLE).settled(key)[rejected] == "rejected"


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [
        ("SendingPausedException", 400, "Sending is paused for this account."),
        ("AccessDeniedException", 403, "User is not authorized to perform ses:SendEmail"),
        ("TooManyRequestsException", 429, "Daily message quota exceeded."),
    ],
    ids=["sending-paused", "credentials-refused", "daily-quota"],
)
def test_a_refusal_of_the_whole_account_stops_the_delivery_and_the_redelivery_finishes_it(
    deployment: Deployment,
    watch: AwsWatch,
    failures: SendFailures,
    app_config: AppConfig,
    code: str,
    status: int,
    message: str,
) -> None:
    account = {"refuses": True}

    def refuses_after_three(params: dict[str, Any]) -> bool:
        recipient, _ = failures.attempt(params)
        with failures.lock:
            started = sum(failures.attempts.values())
        return account["refuses"] and started > 3 and recipient.endswith("@alpha.example.com")

    watch.refuse("sesv2", "SendEmail", refuses_after_three, code, status=status, message=message)
    publish(deployment)
    sqs = boto3.client("sqs")
    alpha = sqs.receive_message(QueueUrl=deployment.queues["alpha"], AttributeNames=["All"])["Messages"]

    response = app.handler(deployment.event("alpha", alpha), LambdaContext())  # type: ignore[arg-type]

    assert response["batchItemFailures"] == [{"itemIdentifier": alpha[0]["MessageId"]}]
    # The three that were accepted, the one that was refused, and no other: one send is in flight at a time.
    assert workers_for(SANDBOX_RATE) == 1
    assert sum(failures.attempts.values()) == 4

    account["refuses"] = False  # sending resumed, the credentials fixed, or a new day
    sqs.change_message_visibility(
        QueueUrl=deployment.queues["alpha"], ReceiptHandle=alpha[0]["ReceiptHandle"], VisibilityTimeout=0
    )
    deployment.handle_until_the_queues_are_empty()

    assert deployment.sends_per_recipient() == Counter({address: 1 for address in deployment.everyone()})
