"""Helpers for the backend's tests: real-shaped SQS/S3 events, a Lambda context, and a wired backend."""

from __future__ import annotations

import copy
import email
import email.policy
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

import boto3

from ccm.aws.assume import RoleSessions
from ccm.aws.ses_lists import ensure_contact_list, find_contact_list
from ccm.backend.principal import BackendPrincipal
from ccm.backend.processor import MessageResult
from ccm.backend.steps import Pipeline
from ccm.backend.wiring import Backend, build_backend
from ccm.config import AppConfig, SesConfig
from ccm.domain.objects import AnyObject
from ccm.mail.delivery import Dispatcher
from ccm.settings import Settings
from ccm.storage.archive import ArchiveStore
from ccm.storage.catalog import Catalog
from ccm.storage.ledger import DeliveryLedger, DynamoLedger
from ccm.storage.repository import Repository
from ccm.storage.table import create_table_arguments
from tests.backend_fakes import FakeMailbox, FakeMailboxes
from tests.conftest import BUCKET, EVENTS, TABLE

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client
    from mypy_boto3_sesv2.type_defs import TopicPreferenceTypeDef

NOW = datetime(2030, 1, 6, 12, 0, tzinfo=UTC)
API_PRINCIPAL = "AWS:AROA2EXAMPLEAPIROLE1:ccm-api"


def bucket_and_table() -> Repository:
    """Only what the pipeline itself touches: the versioned bucket and the table (no queues, no SES)."""
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    boto3.client("dynamodb").create_table(**create_table_arguments(TABLE))
    return Repository(ArchiveStore(BUCKET), Catalog(TABLE))


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return event


def trigger_body(
    customer_code: str,
    object_id: str,
    *,
    bucket: str,
    principal: str = API_PRINCIPAL,
    event_name: str = "ObjectCreated:Put",
) -> str:
    """The S3 notification S3 sends for a trigger write, shaped like ``tests/events/sqs_s3_trigger.json``."""
    template = json.loads(load_event("sqs_s3_trigger.json")["Records"][0]["body"])
    record = template["Records"][0]
    record["eventName"] = event_name
    record["userIdentity"]["principalId"] = principal
    record["s3"]["bucket"]["name"] = bucket
    record["s3"]["bucket"]["arn"] = f"arn:aws:s3:::{bucket}"
    record["s3"]["configurationId"] = f"trigger-{customer_code}"
    record["s3"]["object"]["key"] = quote_plus(f"customers/{customer_code}/{object_id}.json")
    return json.dumps(template)


def sqs_event(bodies: list[str], receive_count: int = 1) -> dict[str, Any]:
    """An SQS event as Lambda delivers it, one record per body."""
    template = load_event("sqs_s3_trigger.json")["Records"][0]
    records = []
    for body in bodies:
        record = copy.deepcopy(template)
        record["messageId"] = str(uuid.uuid4())
        record["body"] = body
        record["attributes"]["ApproximateReceiveCount"] = str(receive_count)
        records.append(record)
    return {"Records": records}


@dataclass
class LambdaContext:
    function_name: str = "ccm-backend"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:ccm-backend"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    remaining_ms: int = 300_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


class Clock:
    """Wall-clock seconds that a test can move forward (the ledger's lease is measured with it)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class Harness:
    """The real backend over moto S3 and DynamoDB, with the email port faked."""

    backend: Backend
    mail: FakeMailboxes
    clock: Clock
    ledger: DeliveryLedger

    @classmethod
    def build(cls, repository: Repository, ledger: DeliveryLedger | None = None) -> Harness:
        clock = Clock()
        mail = FakeMailboxes()
        ledger = ledger or DynamoLedger(repository.catalog.table_name, clock=clock)
        backend = build_backend(
            Settings.from_env(),
            repository=repository,
            mailboxes=mail,
            ledger=ledger,
            principal=BackendPrincipal(),
            dispatcher=Dispatcher(ledger, backoff_base=0.0),
            clock=lambda: NOW,
        )
        return cls(backend=backend, mail=mail, clock=clock, ledger=ledger)

    @property
    def repository(self) -> Repository:
        return self.backend.repository

    @property
    def bucket(self) -> str:
        return self.repository.archive.bucket

    def box(self, customer_code: str) -> FakeMailbox:
        return self.mail.for_customer(self.backend.config.customer(customer_code))

    def subscribe(self, customer_code: str, topic: str, *addresses: str) -> None:
        self.box(customer_code).subscribe(topic, addresses)

    def audience(self, customer_code: str, count: int, topic: str) -> list[str]:
        addresses = [f"{customer_code}-{topic}-{i:03d}@example.com" for i in range(count)]
        self.subscribe(customer_code, topic, *addresses)
        return addresses

    def publish(self, obj: AnyObject) -> None:
        """What the API does for a new object: the archive first, then one trigger per customer."""
        stored = self.repository.create(obj, "archive")
        self._triggers(stored.obj)

    def transition(self, object_id: str, status: str, user: str = "approver@example.com") -> AnyObject:
        """What the API does on a notifying transition: a new archive version, then the triggers again."""
        update = self.repository.update(object_id, lambda obj: obj.transition(status, user, NOW), location="archive")
        self._triggers(update.after.obj)
        return update.after.obj

    def _triggers(self, obj: AnyObject) -> None:
        for code in obj.customers:
            self.repository.archive.put_trigger(code, obj, "test")

    def use_pipeline(self, pipeline: Pipeline) -> None:
        """Run other steps than the real ones (a test's own step beside or instead of one)."""
        self.backend.pipeline = self.backend.processor.pipeline = pipeline

    def deliver(self, customer_code: str, object_id: str, **options: Any) -> MessageResult:
        body = trigger_body(customer_code, object_id, bucket=self.bucket, **options)
        return self.backend.processor.process_message(body)


def customer_ses(config: AppConfig, ses_config: SesConfig, code: str) -> SESV2Client:
    """SES v2 in the customer's own account (by its role), with its contact list and sender domain."""
    customer = config.customer(code)
    session = RoleSessions(session_prefix="ccm-test").session(customer.ses_role_arn, customer.region)
    ses: SESV2Client = session.client("sesv2")
    ensure_contact_list(ses, ses_config)
    ses.create_email_identity(EmailIdentity=config.email_config.sender_address.rsplit("@", 1)[1])
    return ses


def add_contact(ses: SESV2Client, address: str, *, unsubscribe_all: bool = False, **topics: str) -> None:
    """A contact with explicit preferences: ``add_contact(ses, "a@x", aws_approval="OPT_IN")``."""
    preferences: list[TopicPreferenceTypeDef] = [
        {"TopicName": name.replace("_", "-"), "SubscriptionStatus": status}  # type: ignore[typeddict-item]
        for name, status in topics.items()
    ]
    list_name = find_contact_list(ses)
    assert list_name is not None
    ses.create_contact(
        ContactListName=list_name,
        EmailAddress=address,
        TopicPreferences=preferences,
        UnsubscribeAll=unsubscribe_all,
    )


def sent_in_account(account_id: str, region: str = "us-east-1") -> list[EmailMessage]:
    """Every raw message the emulated SES of one account accepted, parsed."""
    from moto.ses.models import RawMessage, ses_backends

    messages = []
    for sent in ses_backends[account_id][region].sent_messages:
        if isinstance(sent, RawMessage):
            parsed = email.message_from_string(sent.raw_data, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            messages.append(parsed)
    return messages
