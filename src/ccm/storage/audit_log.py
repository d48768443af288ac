"""The audit bucket: one JSON document per audit event, written once, never replaced or deleted by us.

Keys are ``events/year=YYYY/month=MM/day=DD/<object>.v<version>.<event>.json`` (Hive-style partitions, so Athena
and DuckDB prune by date). A write is conditional on the key being free (``IfNoneMatch: *``), so a redelivered
write of the same (object, version, event) writes nothing; Object Lock keeps every version for the retention the
bucket was made with. Each upload carries a SHA-256 checksum, which S3 requires of writes to a bucket with
Object Lock.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import ClientError

from ccm.aws.clients import RETRY_CONFIG, is_precondition_failed
from ccm.domain.audit import AuditEvent, day_prefix

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


def days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


class AuditLog:
    def __init__(self, bucket: str, s3: S3Client | None = None) -> None:
        self.bucket = bucket
        self._s3 = s3

    @property
    def s3(self) -> S3Client:
        if self._s3 is None:
            self._s3 = boto3.client("s3", config=RETRY_CONFIG)
        return self._s3

    def write(self, event: AuditEvent) -> bool:
        """Store ``event`` unless its key is taken; ``True`` when this call wrote it."""
        body = (json.dumps(event.to_line(), ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        try:
            self.s3.put_object(
                Bucket=self.bucket,
                Key=event.key(),
                Body=body,
                ContentType="application/json",
                ChecksumAlgorithm="SHA256",
                IfNoneMatch="*",
            )
        except ClientError as error:
            if is_precondition_failed(error) or _conflicting_write(error):
                return False
            raise
        return True

    def keys_of_day(self, day: date) -> set[str]:
        """Every event key of one day (UTC), paged to the end."""
        at = datetime(day.year, day.month, day.day)
        found: set[str] = set()
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=day_prefix(at)):
            found.update(item["Key"] for item in page.get("Contents", []))
        return found

    def read(self, key: str) -> AuditEvent:
        body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return AuditEvent.model_validate_json(body)

    def events_between(self, first: date, last: date) -> Iterator[AuditEvent]:
        for day in days(first, last):
            for key in sorted(self.keys_of_day(day)):
                yield self.read(key)


def _conflicting_write(error: ClientError) -> bool:
    # Two writers of the same new key at the same moment: S3 answers the loser 409 ConditionalRequestConflict.
    return str(error.response.get("Error", {}).get("Code", "")) == "ConditionalRequestConflict"
