"""Which topics the import granted to which contact, one small JSON object per customer in the bucket.

SES keeps no trace of who set a contact's preference, so this record is what lets a role change withdraw a
topic the import granted without touching one the person chose. Written only when it changes, conditionally
(``If-Match``/``If-None-Match``), so two overlapping runs cannot silently overwrite each other.

Whether a record exists is asked by listing its key, not by reading it: S3 answers a read of a missing key with
403 unless the reader may list the bucket, and a 403 taken for "no record" would make the import withdraw
nothing it granted. So a refusal is an error naming the permission, never an empty record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from ccm.aws.clients import error_code, http_status, is_not_found, is_precondition_failed
from ccm.domain.times import format_rfc3339, utc_now
from ccm.errors import CcmError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

PREFIX = "identity-import/"


class RecordAccessDenied(CcmError):
    def __init__(self, action: str, resource: str) -> None:
        super().__init__(
            f"the import may not use its grant records: {action} on {resource} was refused; the task role needs "
            f"s3:ListBucket on the bucket (s3:prefix {PREFIX}*) and s3:GetObject and s3:PutObject on {PREFIX}*"
        )


def _refused(error: ClientError) -> bool:
    return http_status(error) == 403 or error_code(error) == "AccessDenied"


class RecordConflict(CcmError):
    def __init__(self, code: str) -> None:
        super().__init__(f"another import changed the grant record of {code} during this run; run the import again")


@dataclass
class GrantRecord:
    code: str
    grants: dict[str, list[str]] = field(default_factory=dict)
    etag: str | None = None


class GrantRecordStore:
    def __init__(self, s3: S3Client, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    @staticmethod
    def key(code: str) -> str:
        return f"{PREFIX}{code}.json"

    def _exists(self, key: str) -> bool:
        try:
            listing = self._s3.list_objects_v2(Bucket=self._bucket, Prefix=key, MaxKeys=1)
        except ClientError as error:
            if _refused(error):
                raise RecordAccessDenied("s3:ListBucket", f"s3://{self._bucket} (prefix {key})") from None
            raise
        return any(item.get("Key") == key for item in listing.get("Contents", []))

    def read(self, code: str) -> GrantRecord:
        key = self.key(code)
        if not self._exists(key):
            return GrantRecord(code)
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if is_not_found(error):
                return GrantRecord(code)
            if _refused(error):
                raise RecordAccessDenied("s3:GetObject", f"s3://{self._bucket}/{key}") from None
            raise
        document = json.loads(response["Body"].read())
        grants = {str(k): [str(t) for t in v] for k, v in dict(document.get("contacts", {})).items()}
        return GrantRecord(code, grants, response["ETag"])

    def write(self, record: GrantRecord, grants: dict[str, list[str]]) -> None:
        document = {
            "customer": record.code,
            "updated_at": format_rfc3339(utc_now()),
            "contacts": dict(sorted(grants.items())),
        }
        body = json.dumps(document, indent=1).encode()
        key = self.key(record.code)
        try:
            if record.etag:
                self._s3.put_object(Bucket=self._bucket, Key=key, Body=body, IfMatch=record.etag)
            else:
                self._s3.put_object(Bucket=self._bucket, Key=key, Body=body, IfNoneMatch="*")
        except ClientError as error:
            if is_precondition_failed(error) or error_code(error) == "ConditionalRequestConflict":
                raise RecordConflict(record.code) from None
            if _refused(error):
                raise RecordAccessDenied("s3:PutObject", f"s3://{self._bucket}/{key}") from None
            raise
