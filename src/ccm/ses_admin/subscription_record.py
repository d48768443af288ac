"""What ``ccm ses subscriptions apply`` granted to whom, one small JSON object per customer in the bucket.

SES keeps no trace of who set a contact's preference. This record is what lets ``--prune`` withdraw an OPT_IN the
subscription file granted without touching one a person chose, and lets the Identity Center import leave the
file's grants alone (it reads this record, as this command reads the import's). An address stays in the record
while the file lists it, even with no topic granted, so the import knows the file still wants that contact.

``subscription-grants/<code>.json``::

    {"customer": "alpha", "updated_at": "...",
     "contacts": {"noc@example.com": {"topics": ["aws-announce", "aws-calendar"], "created": true}}}

``created``: this command created the contact, so it may remove it again once nobody else has a use for it.
Written only when it changes; how (conditionally, existence by listing, refusals named): :mod:`ccm.aws.json_records`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ccm.aws.json_records import JsonRecords
from ccm.domain.times import format_rfc3339, utc_now

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PREFIX = "subscription-grants/"


class Grant(BaseModel):
    """The topics the file granted one address (lower-cased key in the record), and whether it made the contact."""

    model_config = ConfigDict(frozen=True)

    topics: tuple[str, ...] = ()
    created: bool = False

    @field_validator("topics")
    @classmethod
    def _as_set(cls, topics: tuple[str, ...]) -> tuple[str, ...]:
        # One spelling per set of topics, so "unchanged" compares equal and rewrites nothing.
        return tuple(sorted(set(topics)))


class _RecordDocument(BaseModel):
    customer: str
    updated_at: str = ""
    contacts: dict[str, Grant] = Field(default_factory=dict)


@dataclass
class SubscriptionRecord:
    code: str
    grants: dict[str, Grant] = field(default_factory=dict)
    etag: str | None = None

    def held_topics(self) -> dict[str, list[str]]:
        """Address -> topics, the shape the import's own record has (what the import must leave alone)."""
        return {address: list(grant.topics) for address, grant in self.grants.items()}


class SubscriptionRecordStore:
    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._records = JsonRecords(s3, bucket, PREFIX, "ccm ses subscriptions apply")

    def key(self, code: str) -> str:
        return self._records.key(code)

    def read(self, code: str) -> SubscriptionRecord:
        stored = self._records.read(code)
        if stored.body is None:
            return SubscriptionRecord(code)
        document = _RecordDocument.model_validate_json(stored.body)
        return SubscriptionRecord(code, dict(document.contacts), stored.etag)

    def held_topics(self, code: str) -> dict[str, list[str]]:
        return self.read(code).held_topics()

    def write(self, record: SubscriptionRecord, grants: Mapping[str, Grant]) -> None:
        document = _RecordDocument(
            customer=record.code, updated_at=format_rfc3339(utc_now()), contacts=dict(sorted(grants.items()))
        )
        self._records.write(record.code, document.model_dump_json(indent=1).encode(), record.etag)
