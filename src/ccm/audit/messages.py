"""What the audit queue carries: S3 event notifications of archive writes (or S3's test event)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import unquote_plus

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ccm.errors import CcmError


class NotAnArchiveWrite(CcmError):
    """The message is no S3 notification: retrying cannot help, so it is acknowledged with a log line."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class _Object(_Model):
    key: str = Field(min_length=1)
    version_id: str | None = Field(default=None, alias="versionId")
    etag: str | None = Field(default=None, alias="eTag")


class _Bucket(_Model):
    name: str = Field(min_length=1)


class _Entity(_Model):
    bucket: _Bucket
    object: _Object


class _Record(_Model):
    event_name: str = Field(alias="eventName")
    s3: _Entity


class _Notification(_Model):
    records: list[_Record] = Field(alias="Records", min_length=1)


@dataclass(frozen=True)
class ArchiveWrite:
    bucket: str
    key: str
    version_id: str | None
    etag: str | None = None


def archive_writes(body: str) -> list[ArchiveWrite]:
    """The writes a message announces (none for S3's test event); :class:`NotAnArchiveWrite` for anything else."""
    try:
        data = json.loads(body)
    except ValueError:
        raise NotAnArchiveWrite("the message is not JSON") from None
    if isinstance(data, dict) and data.get("Event") == "s3:TestEvent":
        return []
    try:
        notification = _Notification.model_validate(data)
    except ValidationError as error:
        raise NotAnArchiveWrite(f"the message is not an S3 notification: {error.errors()[0]['msg']}") from None
    return [
        ArchiveWrite(
            record.s3.bucket.name,
            unquote_plus(record.s3.object.key),
            record.s3.object.version_id,
            record.s3.object.etag,
        )
        for record in notification.records
        if record.event_name.startswith("ObjectCreated:")
    ]
