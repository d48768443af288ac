"""Which topics the import granted to which contact, one small JSON object per customer in the bucket.

SES keeps no trace of who set a contact's preference, so this record is what lets a role change withdraw a
topic the import granted without touching one the person chose. Written only when it changes, conditionally
(``If-Match``/``If-None-Match``), so two overlapping runs cannot silently overwrite each other.

How it is read and written (conditionally, existence by listing, refusals named): :mod:`ccm.aws.json_records`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ccm.aws.json_records import JsonRecords
from ccm.domain.times import format_rfc3339, utc_now

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PREFIX = "identity-import/"


@dataclass
class GrantRecord:
    code: str
    grants: dict[str, list[str]] = field(default_factory=dict)
    etag: str | None = None


class GrantRecordStore:
    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._records = JsonRecords(s3, bucket, PREFIX, "the contact import")

    def key(self, code: str) -> str:
        return self._records.key(code)

    def read(self, code: str) -> GrantRecord:
        stored = self._records.read(code)
        if stored.body is None:
            return GrantRecord(code)
        document = json.loads(stored.body)
        grants = {str(k): [str(t) for t in v] for k, v in dict(document.get("contacts", {})).items()}
        return GrantRecord(code, grants, stored.etag)

    def write(self, record: GrantRecord, grants: dict[str, list[str]]) -> None:
        document = {
            "customer": record.code,
            "updated_at": format_rfc3339(utc_now()),
            "contacts": dict(sorted(grants.items())),
        }
        self._records.write(record.code, json.dumps(document, indent=1).encode(), record.etag)
