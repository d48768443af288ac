"""The audit function on moto: provisioned buckets (data and audit), the audit queue, the real API handler to make
writes, and a drain that hands the queue's messages to the audit handler as Lambda delivers them."""

from __future__ import annotations

import copy
import dataclasses
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from functions.api import app as api_module
from functions.audit import app as audit_module

from ccm.aws.clients import RETRY_CONFIG
from ccm.config import AppConfig, SesConfig
from ccm.domain.objects import ModificationType
from ccm.local.stream_poller import StreamPoller
from ccm.provision import AUDIT_QUEUE, Provisioner
from ccm.storage.archive import ArchiveStore
from ccm.storage.catalog import Catalog
from ccm.storage.delegations import DynamoDelegations
from ccm.storage.repository import Repository
from ccm.storage.templates import DynamoTemplates
from ccm.workflow import Services
from tests.api.client import ApiClient
from tests.backend_support import LambdaContext, load_event
from tests.conftest import BUCKET, TABLE

AUDIT_BUCKET = f"{BUCKET}-audit"
"""As the template names it: the data bucket's name + ``-audit``."""


@dataclass
class Clock:
    now: datetime = datetime(2030, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class AuditStack:
    api: ApiClient
    services: Services
    clock: Clock
    queue_url: str
    delivered: list[str] = field(default_factory=list)

    @property
    def s3(self) -> Any:
        return boto3.client("s3", config=RETRY_CONFIG)

    def record_delivery(self, object_id: str, customer: str) -> None:
        """What the backend writes after mailing a customer: a delivery summary, the version kept."""
        at = self.clock()
        self.services.repository.update(
            object_id,
            lambda obj: obj.record(ModificationType.PROCESSED, "backend", at, customer_code=customer),
            bump_version=False,
        )

    def _with_version_id(self, body: str) -> str:
        """S3 names the version of each write in a versioned bucket; moto leaves it out, so add it as S3 does."""
        notification = json.loads(body)
        for record in notification.get("Records", []):
            entity = record["s3"]
            key = entity["object"]["key"].replace("%2F", "/")
            versions = self.s3.list_object_versions(Bucket=entity["bucket"]["name"], Prefix=key)["Versions"]
            matching = [v for v in versions if v["Key"] == key and v["ETag"].strip('"') == entity["object"]["eTag"]]
            entity["object"]["versionId"] = matching[0]["VersionId"]
        return json.dumps(notification)

    def drain(self, *, order: Callable[[list[str]], list[str]] = lambda bodies: bodies) -> list[str]:
        """Hand every message of the audit queue to the audit handler (in ``order``); the bodies handed."""
        sqs = boto3.client("sqs", config=RETRY_CONFIG)
        bodies: list[str] = []
        while True:
            messages = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not messages:
                break
            for message in messages:
                bodies.append(self._with_version_id(message["Body"]))
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        self.handle(order(bodies))
        self.delivered.extend(bodies)
        return bodies

    def handle(self, bodies: list[str]) -> dict[str, Any]:
        template = load_event("sqs_s3_trigger.json")["Records"][0]
        records = []
        for body in bodies:
            record = copy.deepcopy(template)
            record["messageId"] = str(uuid.uuid4())
            record["body"] = body
            record["eventSourceARN"] = f"arn:aws:sqs:us-east-1:123456789012:{AUDIT_QUEUE}"
            records.append(record)
        context = LambdaContext(function_name="ccm-audit")
        result: dict[str, Any] = audit_module.handler({"Records": records}, context)  # type: ignore[arg-type]
        assert result == {"batchItemFailures": []}, result
        return result

    def event_keys(self) -> list[str]:
        keys: list[str] = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=AUDIT_BUCKET):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        return sorted(keys)

    def events(self) -> list[dict[str, Any]]:
        found = [
            json.loads(self.s3.get_object(Bucket=AUDIT_BUCKET, Key=key)["Body"].read()) for key in self.event_keys()
        ]
        return sorted(found, key=lambda event: (event["time"], event["object_id"], event["event"]))


@pytest.fixture
def stack(aws: None, app_config: AppConfig, ses_config: SesConfig, monkeypatch: pytest.MonkeyPatch) -> AuditStack:
    monkeypatch.setenv("CCM_AUDIT_BUCKET", AUDIT_BUCKET)
    report = Provisioner(app_config, ses_config, BUCKET, TABLE, audit_bucket=AUDIT_BUCKET).run(with_ses=False)
    clock = Clock()
    services = Services(Repository(ArchiveStore(BUCKET), Catalog(TABLE)), app_config, clock=clock)
    monkeypatch.setattr(api_module, "_services", services)
    monkeypatch.setattr(audit_module, "_recorder", None)
    stack = AuditStack(ApiClient(api_module.handler), services, clock, report.queue_urls[AUDIT_QUEUE])
    stack.drain()  # S3's test event of the new notification configuration
    return stack


@dataclass
class AuditFunction:
    """The audit handler behind the stream poller, keeping each event it was handed."""

    events: list[dict[str, Any]] = field(default_factory=list)

    def invoke(self, event: dict[str, Any], request_id: str | None = None) -> Any:
        self.events.append(event)
        return self.handle(event)

    @staticmethod
    def handle(event: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = audit_module.handler(event, LambdaContext(function_name="ccm-audit"))  # type: ignore[arg-type]
        return result


@dataclass
class AdminStack:
    stack: AuditStack
    api: ApiClient
    function: AuditFunction
    poller: StreamPoller

    def drain_stream(self) -> None:
        while self.poller.poll_once():
            pass

    def admin_events(self) -> list[dict[str, Any]]:
        return [e for e in self.stack.events() if e["object_kind"] in {"template", "delegation"}]


@pytest.fixture
def admin(stack: AuditStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[AdminStack]:
    services = dataclasses.replace(
        stack.services, delegations=DynamoDelegations(TABLE), templates=DynamoTemplates(TABLE)
    )
    monkeypatch.setattr(api_module, "_services", services)
    arn = boto3.client("dynamodb").describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    function = AuditFunction()
    poller = StreamPoller(
        boto3.client("dynamodbstreams", config=RETRY_CONFIG), arn, function, from_start=True, wait_seconds=0
    )
    yield AdminStack(stack, stack.api, function, poller)


__all__ = ["AUDIT_BUCKET", "AdminStack", "AuditFunction", "AuditStack", "Clock"]
