"""What every workflow function works with: the object store (a port), the configuration and a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from ccm.config import AppConfig
from ccm.domain.times import utc_now
from ccm.settings import Settings
from ccm.storage.archive import ArchiveStore
from ccm.storage.catalog import Catalog
from ccm.storage.delivery_records import DeliveryRecords, DynamoDeliveryRecords
from ccm.storage.port import ObjectRepository
from ccm.storage.repository import Repository

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

    from ccm.workflow.audience import AudienceSource


@dataclass(frozen=True)
class Services:
    """``audience`` counts whom an object reaches (:mod:`ccm.workflow.audience`); the API's composition root gives
    it the customers' SES, and without it audience counts answer "not available"."""

    repository: ObjectRepository
    config: AppConfig
    clock: Callable[[], datetime] = field(default=utc_now)
    deliveries: DeliveryRecords | None = None
    """The delivery ledger's rows and SES's events on them (the deliveries pages); ``None`` where unused."""
    audience: AudienceSource | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings, *, s3: S3Client | None = None, dynamodb: DynamoDBClient | None = None
    ) -> Services:
        """Clients are created on first use, so building this touches no AWS endpoint."""
        repository = Repository(ArchiveStore(settings.bucket, s3), Catalog(settings.table, dynamodb))
        return cls(
            repository=repository,
            config=settings.config,
            deliveries=DynamoDeliveryRecords(settings.table, dynamodb),
        )
