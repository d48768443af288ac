"""Reading the archive's versioned writes: the document one write stored and the one it replaced.

The data bucket keeps every version of ``archive/{id}.json`` (versioning), so the write an S3 notification names
(key and version id) is read exactly, however many writes came after it, and so is the version just before it.
A retired object's last document is the copy under ``deleted/``; the version before it is the archive's last.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from ccm.aws.clients import RETRY_CONFIG, is_not_found

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ARCHIVE_PREFIX = "archive/"
DELETED_ARCHIVE_PREFIX = "deleted/archive/"
AUDITED_PREFIXES = (ARCHIVE_PREFIX, DELETED_ARCHIVE_PREFIX)


@dataclass(frozen=True)
class ArchiveVersion:
    key: str
    version_id: str
    last_modified: datetime
    is_delete_marker: bool = False
    etag: str | None = None


def is_audited(key: str) -> bool:
    return key.startswith(AUDITED_PREFIXES) and key.endswith(".json")


def archive_key_of(key: str) -> str:
    """The archive key a write concerns: ``deleted/archive/X.json`` concerns ``archive/X.json``."""
    return key.removeprefix("deleted/")


def object_id_of(key: str) -> str:
    return archive_key_of(key).removeprefix(ARCHIVE_PREFIX).removesuffix(".json")


class ArchiveVersions:
    def __init__(self, bucket: str, s3: S3Client | None = None) -> None:
        self.bucket = bucket
        self._s3 = s3

    @property
    def s3(self) -> S3Client:
        if self._s3 is None:
            self._s3 = boto3.client("s3", config=RETRY_CONFIG)
        return self._s3

    def history(self, key: str) -> list[ArchiveVersion]:
        """Every version of exactly ``key``, oldest first, delete markers included; paged to the end."""
        found: list[ArchiveVersion] = []
        paginator = self.s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=key):
            for item in page.get("Versions", []):
                if item["Key"] == key:
                    found.append(
                        ArchiveVersion(
                            key, item["VersionId"], item["LastModified"], etag=item.get("ETag", "").strip('"')
                        )
                    )
            for marker in page.get("DeleteMarkers", []):
                if marker["Key"] == key:
                    found.append(ArchiveVersion(key, marker["VersionId"], marker["LastModified"], True))
        # S3 lists a key's versions newest first; reversed, they are in the order they were written.
        return list(reversed(found))

    def all_versions(self, prefix: str) -> Iterator[ArchiveVersion]:
        """Every version under ``prefix`` (``ccm audit verify``), keys in order, each key's versions oldest first."""
        paginator = self.s3.get_paginator("list_object_versions")
        current: str | None = None
        pending: list[ArchiveVersion] = []
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Versions", []):
                if item["Key"] != current:
                    yield from reversed(pending)
                    current, pending = item["Key"], []
                pending.append(ArchiveVersion(item["Key"], item["VersionId"], item["LastModified"]))
        yield from reversed(pending)

    def version_with_etag(self, key: str, etag: str | None) -> str | None:
        """The version of ``key`` whose content has ``etag`` (a notification without a version id names the write
        by its ETag); the newest such version, ``None`` when there is none."""
        wanted = (etag or "").strip('"')
        matching = [v.version_id for v in self.history(key) if not v.is_delete_marker and v.etag == wanted]
        return matching[-1] if matching else None

    def document(self, key: str, version_id: str | None = None) -> dict[str, Any] | None:
        """The document at ``version_id`` (the current one without it); ``None`` when it is not there."""
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        try:
            body = self.s3.get_object(**kwargs)["Body"].read()
        except ClientError as error:
            if is_not_found(error) or _is_delete_marker(error):
                return None
            raise
        document = json.loads(body)
        return document if isinstance(document, dict) else None

    def previous(self, key: str, version_id: str | None) -> dict[str, Any] | None:
        """The document the write ``version_id`` of ``key`` replaced (``None`` for a first write). For a copy under
        ``deleted/`` it is the archive's last document before the object was retired."""
        if key.startswith(DELETED_ARCHIVE_PREFIX):
            versions = [v for v in self.history(archive_key_of(key)) if not v.is_delete_marker]
            return self.document(versions[-1].key, versions[-1].version_id) if versions else None
        versions = self.history(key)
        ids = [version.version_id for version in versions]
        if version_id not in ids:
            return None
        before = versions[: ids.index(version_id)]
        # After a delete marker the key starts afresh: the write is a first one.
        if not before or before[-1].is_delete_marker:
            return None
        return self.document(key, before[-1].version_id)


def _is_delete_marker(error: ClientError) -> bool:
    headers = error.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    return str(headers.get("x-amz-delete-marker", "")).lower() == "true" or (
        error.response.get("Error", {}).get("Code") == "MethodNotAllowed"
    )
