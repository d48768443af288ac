"""The clock's composition root: built once per cold start from the settings, calling nothing yet."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from ccm.clock.due import DueWork
from ccm.clock.handover import QueueHandover
from ccm.clock.runner import Claims, Clock
from ccm.domain.times import utc_now
from ccm.settings import Settings
from ccm.storage.catalog import Catalog
from ccm.storage.clock_claims import DynamoClockClaims

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient


def build_clock(
    settings: Settings,
    *,
    dynamodb: DynamoDBClient | None = None,
    sqs: SQSClient | None = None,
    claims: Claims | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Clock:
    config = settings.config
    catalog = Catalog(settings.table, dynamodb)
    return Clock(
        DueWork(config, catalog),
        claims or DynamoClockClaims(settings.table, dynamodb),
        QueueHandover(config, sqs, settings.trigger_queue_prefix),
        clock=clock,
    )
