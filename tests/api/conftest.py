"""API tests: the real handler, moto behind it, a clock the tests control."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"

from functions.api import app as api_module

from ccm.api.audience_source import LazyAudience
from ccm.config import AppConfig
from ccm.settings import Settings
from ccm.storage.archive import ArchiveStore
from ccm.storage.catalog import Catalog
from ccm.storage.delegations import DynamoDelegations
from ccm.storage.delivery_records import DynamoDeliveryRecords
from ccm.storage.feedback import DynamoFeedback, DynamoFeedbackKeys
from ccm.storage.repository import Repository
from ccm.storage.table import create_table_arguments
from ccm.storage.templates import DynamoTemplates
from ccm.workflow import Services
from tests.api.client import ApiClient
from tests.api.helpers import shared_clients
from tests.conftest import BUCKET, TABLE

NOW = datetime(2029, 12, 15, 12, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: Any) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def storage(aws: None) -> Repository:
    """Just the bucket and the table: triggers land in S3 where the tests read them (no queues needed)."""
    s3, dynamodb = shared_clients()
    s3.create_bucket(Bucket=BUCKET)
    dynamodb.create_table(**create_table_arguments(TABLE))
    return Repository(ArchiveStore(BUCKET, s3), Catalog(TABLE, dynamodb))


@pytest.fixture
def services(storage: Repository, app_config: AppConfig, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Services:
    _, dynamodb = shared_clients()
    # What the handler would build on a cold start (the customers' SES for audience counts), with the test's clock.
    built = Services(
        storage,
        app_config,
        clock=clock,
        deliveries=DynamoDeliveryRecords(TABLE, dynamodb),
        audience=LazyAudience(Settings.from_env()),
        delegations=DynamoDelegations(TABLE, dynamodb),
        templates=DynamoTemplates(TABLE, dynamodb),
        feedback=DynamoFeedback(TABLE, dynamodb),
        feedback_keys=DynamoFeedbackKeys(TABLE, dynamodb, clock=clock),
    )
    monkeypatch.setattr(api_module, "_services", built)
    return built


@pytest.fixture
def api(services: Services) -> Iterator[ApiClient]:
    yield ApiClient(api_module.handler)


S3_WRITES = ("PutObject", "DeleteObject", "DeleteObjects", "CopyObject")


@dataclass
class Calls:
    """AWS calls the API made, counted with botocore event hooks on the shared clients."""

    made: Counter[str]
    writes: Counter[str]

    def reset(self) -> None:
        self.made.clear()
        self.writes.clear()


@pytest.fixture
def aws_calls(storage: Repository) -> Iterator[Calls]:
    calls = Calls(Counter(), Counter())

    def made(event_name: str, **_: Any) -> None:
        calls.made[event_name.split(".")[1]] += 1

    def written(http_response: Any, model: Any, **_: Any) -> None:
        if http_response.status_code < 300:
            calls.writes[model.name] += 1

    s3, dynamodb = shared_clients()
    hooks: list[tuple[Any, str, Callable[..., None]]] = [
        (s3, "before-call.s3", made),
        (dynamodb, "before-call.dynamodb", made),
        *((s3, f"after-call.s3.{operation}", written) for operation in S3_WRITES),
    ]
    for client, event, hook in hooks:
        client.meta.events.register(event, hook)
    yield calls
    # The clients outlive the test: leave no hook behind.
    for client, event, hook in hooks:
        client.meta.events.unregister(event, hook)
