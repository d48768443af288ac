"""What every workflow function works with: the object store (a port), the configuration, a clock, and the
delegations and standard change templates approvals rely on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from ccm.config import AppConfig
from ccm.domain.times import utc_now
from ccm.settings import Settings
from ccm.storage.archive import ArchiveStore
from ccm.storage.audit_index import AuditIndex
from ccm.storage.catalog import Catalog
from ccm.storage.delegations import DelegationStore, DynamoDelegations, InMemoryDelegations
from ccm.storage.delivery_records import DeliveryRecords, DynamoDeliveryRecords
from ccm.storage.feed_tokens import DynamoFeedTokens, FeedTokens, InMemoryFeedTokens
from ccm.storage.feedback import (
    DynamoFeedback,
    DynamoFeedbackKeys,
    FeedbackKeyStore,
    FeedbackStore,
    InMemoryFeedback,
    InMemoryFeedbackKeys,
)
from ccm.storage.port import ObjectRepository
from ccm.storage.report_store import ReportStore
from ccm.storage.repository import Repository
from ccm.storage.templates import DynamoTemplates, InMemoryTemplates, TemplateStore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

    from ccm.workflow.audience import AudienceSource
    from ccm.workflow.ticket_checks import TicketChecker


@dataclass(frozen=True)
class Services:
    """``audience`` counts whom an object reaches (:mod:`ccm.workflow.audience`); the API's composition root gives
    it the customers' SES, and without it audience counts answer "not available"."""

    repository: ObjectRepository
    config: AppConfig
    clock: Callable[[], datetime] = field(default=utc_now)
    deliveries: DeliveryRecords | None = None
    """The delivery ledger's rows and SES's events on them (the deliveries pages); ``None`` where unused."""
    feed_tokens: FeedTokens = field(default_factory=InMemoryFeedTokens)
    reports: ReportStore | None = None
    """The monthly report sums; by default in the repository's table."""
    audit: AuditIndex | None = None
    """The audit trail's index; by default in the repository's table."""
    delegations: DelegationStore = field(default_factory=InMemoryDelegations)
    templates: TemplateStore = field(default_factory=InMemoryTemplates)
    audience: AudienceSource | None = None
    tickets: TicketChecker | None = None
    """Checks the ServiceNow number and Jira key a change names on submit; ``None``: not checked."""
    feedback: FeedbackStore = field(default_factory=InMemoryFeedback)
    """Customers' answers to the rating links (:mod:`ccm.storage.feedback`)."""
    feedback_keys: FeedbackKeyStore = field(default_factory=InMemoryFeedbackKeys)

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
            delegations=DynamoDelegations(settings.table, dynamodb),
            templates=DynamoTemplates(settings.table, dynamodb),
            feed_tokens=DynamoFeedTokens(settings.table, dynamodb),
            feedback=DynamoFeedback(settings.table, dynamodb),
            feedback_keys=DynamoFeedbackKeys(settings.table, dynamodb),
        )

    def report_store(self) -> ReportStore:
        if self.reports is not None:
            return self.reports
        if isinstance(self.repository, Repository):
            return ReportStore(self.repository.catalog.table_name, self.repository.catalog.ddb)
        raise RuntimeError("these services have no report store")

    def audit_index(self) -> AuditIndex:
        if self.audit is not None:
            return self.audit
        if isinstance(self.repository, Repository):
            return AuditIndex(self.repository.catalog.table_name, self.repository.catalog.ddb)
        raise RuntimeError("these services have no audit index")
