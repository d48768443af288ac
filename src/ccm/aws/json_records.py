"""Small JSON records in the data bucket, one per customer under a prefix, written conditionally.

The contact import and ``ccm ses subscriptions apply`` each keep such a record of what they granted (SES keeps no
trace of who set a preference). Both need the same three guarantees:

- a record is written only conditionally (``If-Match`` on the ETag read, ``If-None-Match: *`` for a new one), so two
  overlapping runs cannot silently overwrite each other: the loser gets :class:`RecordConflict`;
- whether a record exists is asked by listing its key, not by reading it: S3 answers a read of a missing key with
  403 unless the reader may list the bucket, and a 403 taken for "no record" would make a run withdraw nothing it
  granted (or everything);
- a refusal is :class:`RecordAccessDenied`, naming the permission the role lacks, never an empty record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from ccm.aws.clients import error_code, http_status, is_not_found, is_precondition_failed
from ccm.errors import CcmError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class RecordAccessDenied(CcmError):
    def __init__(self, owner: str, prefix: str, action: str, resource: str) -> None:
        super().__init__(
            f"{owner} may not use its records: {action} on {resource} was refused; its role needs s3:ListBucket on "
            f"the bucket (s3:prefix {prefix}*) and s3:GetObject and s3:PutObject on {prefix}*"
        )


class RecordConflict(CcmError):
    def __init__(self, owner: str, code: str) -> None:
        super().__init__(f"another run of {owner} changed the record of {code} meanwhile; run it again")


@dataclass(frozen=True)
class StoredRecord:
    body: bytes | None
    """``None`` when the customer has no record yet."""
    etag: str | None = None


def _refused(error: ClientError) -> bool:
    return http_status(error) == 403 or error_code(error) == "AccessDenied"


class JsonRecords:
    """``<prefix><code>.json`` for each customer; ``owner`` names who keeps them, in error messages."""

    def __init__(self, s3: S3Client, bucket: str, prefix: str, owner: str) -> None:
        self._s3 = s3
        self.bucket = bucket
        self.prefix = prefix
        self.owner = owner

    def key(self, code: str) -> str:
        return f"{self.prefix}{code}.json"

    def _denied(self, action: str, resource: str) -> RecordAccessDenied:
        return RecordAccessDenied(self.owner, self.prefix, action, resource)

    def _exists(self, key: str) -> bool:
        try:
            listing = self._s3.list_objects_v2(Bucket=self.bucket, Prefix=key, MaxKeys=1)
        except ClientError as error:
            if _refused(error):
                raise self._denied("s3:ListBucket", f"s3://{self.bucket} (prefix {key})") from None
            raise
        return any(item.get("Key") == key for item in listing.get("Contents", []))

    def read(self, code: str) -> StoredRecord:
        key = self.key(code)
        if not self._exists(key):
            return StoredRecord(None)
        try:
            response = self._s3.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if is_not_found(error):  # deleted between the listing and the read
                return StoredRecord(None)
            if _refused(error):
                raise self._denied("s3:GetObject", f"s3://{self.bucket}/{key}") from None
            raise
        return StoredRecord(response["Body"].read(), response["ETag"])

    def write(self, code: str, body: bytes, etag: str | None) -> None:
        """Replace the record read with ``etag`` (``None``: create it); :class:`RecordConflict` if it changed."""
        key = self.key(code)
        try:
            if etag:
                self._s3.put_object(
                    Bucket=self.bucket, Key=key, Body=body, ContentType="application/json", IfMatch=etag
                )
            else:
                self._s3.put_object(
                    Bucket=self.bucket, Key=key, Body=body, ContentType="application/json", IfNoneMatch="*"
                )
        except ClientError as error:
            if is_precondition_failed(error) or error_code(error) == "ConditionalRequestConflict":
                raise RecordConflict(self.owner, code) from None
            if _refused(error):
                raise self._denied("s3:PutObject", f"s3://{self.bucket}/{key}") from None
            raise
