"""The S3 archive: the source of truth for every change and announcement.

Key layout (kept from the original system):

* ``archive/{id}.json``: the current object once it left draft
* ``drafts/{id}.json``: objects in status ``draft``
* ``versions/{id}/v{N}.json``: the object as it was before version N was replaced
* ``deleted/<original key>``: soft-deleted copies
* ``customers/{code}/{id}.json``: transient triggers, one per affected customer, consumed by the backend; a
  delegation notice (``DLG-...``) is a trigger too, naming the approver whose delegation it announces

Every write of an object is conditional: ``IfNoneMatch="*"`` to create, ``IfMatch=<etag>`` to replace. An
update re-reads and re-applies its change when someone else wrote in between, unless the caller pinned the
version it saw (``expected_etag``), in which case the conflict is the caller's to resolve.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import ClientError

from ccm.aws.clients import is_not_found, is_precondition_failed, retry_config
from ccm.domain.ids import is_feedback_notice_id, is_notice_id, validate_id
from ccm.domain.objects import AnyObject, parse_document
from ccm.domain.status import Status
from ccm.domain.times import format_rfc3339
from ccm.errors import AlreadyExists, ObjectNotFound, VersionConflict

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

logger = logging.getLogger(__name__)

Location = Literal["archive", "drafts"]
UPDATE_ATTEMPTS = 8


def archive_key(object_id: str) -> str:
    return f"archive/{validate_id(object_id)}.json"


def draft_key(object_id: str) -> str:
    return f"drafts/{validate_id(object_id)}.json"


def location_key(location: Location, object_id: str) -> str:
    return archive_key(object_id) if location == "archive" else draft_key(object_id)


def snapshot_key(object_id: str, version: int) -> str:
    return f"versions/{validate_id(object_id)}/v{int(version)}.json"


def trigger_key(customer_code: str, object_id: str) -> str:
    if not customer_code or "/" in customer_code or ".." in customer_code:
        raise ValueError(f"invalid customer code {customer_code!r}")
    trigger_id = object_id if is_notice_id(object_id) else validate_id(object_id)
    return f"customers/{customer_code}/{trigger_id}.json"


def location_for(status: Status) -> Location:
    return "drafts" if status is Status.DRAFT else "archive"


def normalize_etag(value: str | None) -> str | None:
    """Compare ETags as S3 reports them: quoted, strong. Clients may send them weak or unquoted."""
    if value is None:
        return None
    value = value.strip().removeprefix("W/")
    if not value:
        return None
    return value if value.startswith('"') else f'"{value}"'


@dataclass(frozen=True)
class Stored:
    """An object as read from (or written to) S3, with the ETag that pins that exact content."""

    obj: AnyObject
    etag: str
    location: Location

    @property
    def key(self) -> str:
        return location_key(self.location, self.obj.id)

    @property
    def document(self) -> dict[str, Any]:
        return self.obj.to_document()


@dataclass(frozen=True)
class Update:
    """The result of an update: what was replaced and what replaced it."""

    before: Stored
    after: Stored


@dataclass(frozen=True)
class VersionEntry:
    version: int
    key: str
    last_modified: datetime
    size: int


def _dump(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")


class ArchiveStore:
    def __init__(self, bucket: str, s3: S3Client | None = None) -> None:
        self.bucket = bucket
        self._s3 = s3

    @property
    def s3(self) -> S3Client:
        if self._s3 is None:
            import boto3

            self._s3 = boto3.client("s3", config=retry_config())
        return self._s3

    # -- reading -----------------------------------------------------------------------------------------

    def _get(self, key: str, if_none_match: str | None = None) -> tuple[dict[str, Any], str] | None:
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if if_none_match:
            kwargs["IfNoneMatch"] = if_none_match
        try:
            response = self.s3.get_object(**kwargs)
        except ClientError as error:
            if is_not_found(error):
                raise KeyError(key) from None
            if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 304:
                return None
            raise
        body = json.loads(response["Body"].read())
        if not isinstance(body, dict):
            raise ValueError(f"s3://{self.bucket}/{key} does not hold a JSON object")
        return body, response["ETag"]

    def _read(self, location: Location, object_id: str) -> Stored:
        got = self._get(location_key(location, object_id))
        assert got is not None
        document, etag = got
        return Stored(parse_document(document), etag, location)

    def read(self, object_id: str) -> Stored:
        """The object wherever it lives now: the archive first, then drafts."""
        validate_id(object_id)
        for location in ("archive", "drafts"):
            try:
                return self._read(location, object_id)
            except KeyError:
                continue
        raise ObjectNotFound(object_id)

    def read_at(self, location: Location, object_id: str) -> Stored:
        try:
            return self._read(location, object_id)
        except KeyError:
            raise ObjectNotFound(object_id) from None

    def read_if_changed(self, object_id: str, etag: str | None) -> Stored | None:
        """``None`` when the stored object still has ``etag`` (a conditional GET, answered 304 by S3)."""
        wanted = normalize_etag(etag)
        validate_id(object_id)
        for location in ("archive", "drafts"):
            try:
                got = self._get(location_key(location, object_id), if_none_match=wanted)
            except KeyError:
                continue
            if got is None:
                return None
            return Stored(parse_document(got[0]), got[1], location)
        raise ObjectNotFound(object_id)

    # -- writing -----------------------------------------------------------------------------------------

    def _put(self, key: str, document: dict[str, Any], metadata: dict[str, str], **conditions: str) -> str:
        response = self.s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=_dump(document),
            ContentType="application/json",
            Metadata={name: value.encode("ascii", "replace").decode("ascii") for name, value in metadata.items()},
            **conditions,  # type: ignore[arg-type]
        )
        return response["ETag"]

    @staticmethod
    def _metadata(obj: AnyObject) -> dict[str, str]:
        metadata = {
            "object-id": obj.id,
            "object-type": obj.object_type,
            "status": obj.status.value,
            "version": str(obj.version),
            "customers": ",".join(obj.customers),
        }
        if obj.modified_by:
            metadata["modified-by"] = obj.modified_by
        return metadata

    def create(self, obj: AnyObject, location: Location | None = None) -> Stored:
        """Store a new object; :class:`AlreadyExists` if its key is taken."""
        where = location or location_for(obj.status)
        key = location_key(where, obj.id)
        try:
            etag = self._put(key, obj.to_document(), self._metadata(obj), IfNoneMatch="*")
        except ClientError as error:
            if is_precondition_failed(error):
                raise AlreadyExists(obj.id) from None
            raise
        return Stored(obj, etag, where)

    def snapshot(self, stored: Stored) -> str:
        """Keep the object as it was before its version is replaced. Idempotent: a retry keeps the first copy."""
        key = snapshot_key(stored.obj.id, stored.obj.version)
        metadata = {"object-id": stored.obj.id, "version": str(stored.obj.version)}
        try:
            self._put(key, stored.document, metadata, IfNoneMatch="*")
        except ClientError as error:
            if not is_precondition_failed(error):
                raise
        return key

    def replace(self, before: Stored, obj: AnyObject, *, snapshot: bool = True) -> Stored:
        """Write ``obj`` over ``before`` if nobody wrote in between; :class:`VersionConflict` otherwise."""
        if snapshot:
            self.snapshot(before)
        try:
            etag = self._put(before.key, obj.to_document(), self._metadata(obj), IfMatch=before.etag)
        except ClientError as error:
            if is_precondition_failed(error) or is_not_found(error):
                current = self._current_or_none(before.location, obj.id)
                raise VersionConflict(
                    obj.id, current.etag if current else None, current.document if current else None
                ) from None
            raise
        return Stored(obj, etag, before.location)

    def _current_or_none(self, location: Location, object_id: str) -> Stored | None:
        try:
            return self._read(location, object_id)
        except KeyError:
            return None

    def update(
        self,
        object_id: str,
        change: Callable[[AnyObject], object],
        *,
        expected_etag: str | None = None,
        bump_version: bool = True,
        location: Location | None = None,
    ) -> Update:
        """Read, apply ``change`` to a fresh copy, write back conditionally; re-read and re-apply on conflict.

        With ``expected_etag`` the caller asserts which content it saw: a mismatch raises
        :class:`VersionConflict` at once instead of re-applying. ``bump_version`` adds one to ``version`` and
        snapshots the replaced version; system annotations (meeting details, processing marks) leave both alone.
        """
        wanted = normalize_etag(expected_etag)
        last_error: VersionConflict | None = None
        for _ in range(UPDATE_ATTEMPTS):
            before = self.read_at(location, object_id) if location else self.read(object_id)
            if wanted is not None and before.etag != wanted:
                raise VersionConflict(object_id, before.etag, before.document)
            obj = before.obj.model_copy(deep=True)
            change(obj)
            if bump_version:
                obj.version = before.obj.version + 1
            try:
                after = self.replace(before, obj, snapshot=bump_version)
            except VersionConflict as conflict:
                if wanted is not None:
                    raise
                last_error = conflict
                logger.info("archive write conflict on %s; re-reading and re-applying", object_id)
                continue
            return Update(before, after)
        assert last_error is not None
        raise last_error

    def move(self, before: Stored, obj: AnyObject, to: Location, reason: str, by: str, at: datetime) -> Update:
        """Move an object to another location (a draft being submitted): create there, retire the old copy."""
        after = self.create(obj, to)
        self.retire(before, reason=reason, by=by, at=at)
        return Update(before, after)

    def retire(self, stored: Stored, *, reason: str, by: str, at: datetime) -> str:
        """Soft-delete: copy under ``deleted/`` with who, when and why, then delete the original key."""
        document = stored.document
        document.update(
            {
                "deletedAt": format_rfc3339(at),
                "deletedBy": by,
                "deletionReason": reason,
                "originalPath": stored.key,
            }
        )
        deleted = f"deleted/{stored.key}"
        self._put(deleted, document, {"object-id": stored.obj.id, "deleted-by": by, "original-path": stored.key})
        try:
            self.s3.delete_object(Bucket=self.bucket, Key=stored.key, IfMatch=stored.etag)
        except ClientError as error:
            if is_precondition_failed(error) or is_not_found(error):
                current = self._current_or_none(stored.location, stored.obj.id)
                raise VersionConflict(
                    stored.obj.id, current.etag if current else None, current.document if current else None
                ) from None
            raise
        return deleted

    # -- versions ----------------------------------------------------------------------------------------

    def list_versions(self, object_id: str) -> list[VersionEntry]:
        prefix = f"versions/{validate_id(object_id)}/"
        entries: list[VersionEntry] = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                name = item["Key"].removeprefix(prefix)
                if name.startswith("v") and name.endswith(".json") and name[1:-5].isdigit():
                    entries.append(VersionEntry(int(name[1:-5]), item["Key"], item["LastModified"], item["Size"]))
        return sorted(entries, key=lambda entry: entry.version, reverse=True)

    def read_version(self, object_id: str, version: int) -> dict[str, Any]:
        try:
            got = self._get(snapshot_key(object_id, version))
        except KeyError:
            raise ObjectNotFound(f"{object_id} v{version}", "version") from None
        assert got is not None
        return got[0]

    # -- triggers ----------------------------------------------------------------------------------------

    def put_trigger(self, customer_code: str, obj: AnyObject, request_type: str) -> str:
        key = trigger_key(customer_code, obj.id)
        metadata = {**self._metadata(obj), "customer": customer_code, "request-type": request_type}
        self._put(key, obj.to_document(), metadata)
        return key

    def put_notice(self, customer_code: str, notice_id: str, body: dict[str, Any]) -> str:
        if not is_notice_id(notice_id):
            raise ValueError(f"{notice_id!r} is not a notice id")
        key = trigger_key(customer_code, notice_id)
        request_type = "feedback_notice" if is_feedback_notice_id(notice_id) else "delegation_notice"
        self._put(key, body, {"customer": customer_code, "request-type": request_type})
        return key

    def read_notice(self, customer_code: str, notice_id: str) -> dict[str, Any] | None:
        """A notice's body, or ``None`` once it was consumed."""
        try:
            got = self._get(trigger_key(customer_code, notice_id))
        except KeyError:
            return None
        return got[0] if got is not None else None

    def trigger_etag(self, customer_code: str, object_id: str) -> str | None:
        """The ETag of a customer's trigger, or ``None`` when there is none (it was consumed)."""
        try:
            response = self.s3.head_object(Bucket=self.bucket, Key=trigger_key(customer_code, object_id))
        except ClientError as error:
            if is_not_found(error):
                return None
            raise
        return response["ETag"]

    def trigger_exists(self, customer_code: str, object_id: str) -> bool:
        return self.trigger_etag(customer_code, object_id) is not None

    def delete_trigger(self, customer_code: str, object_id: str, *, if_match: str | None = None) -> bool:
        """Delete a trigger; with ``if_match`` only the version that was read, so that a trigger re-written in the
        meantime (a newer transition) survives for its own message. Returns False when it was kept."""
        key = trigger_key(customer_code, object_id)
        if if_match is None:
            self.s3.delete_object(Bucket=self.bucket, Key=key)
            return True
        try:
            self.s3.delete_object(Bucket=self.bucket, Key=key, IfMatch=if_match)
        except ClientError as error:
            if is_precondition_failed(error):
                return False
            if is_not_found(error):
                return True
            raise
        return True

    # -- bulk reading (catalog rebuild) ------------------------------------------------------------------

    def iter_objects(self) -> Iterator[Stored]:
        """Every stored object in ``archive/`` and ``drafts/``, paged to the end. Unreadable keys are logged."""
        for location in ("archive", "drafts"):
            paginator = self.s3.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=f"{location}/"):
                for item in page.get("Contents", []):
                    key = item["Key"]
                    object_id = key.removeprefix(f"{location}/").removesuffix(".json")
                    try:
                        yield self._read(location, object_id)
                    except Exception as error:  # one bad document must not stop a rebuild
                        logger.warning("skipping s3://%s/%s: %s", self.bucket, key, error)

    def count_objects(self) -> int:
        total = 0
        for location in ("archive", "drafts"):
            for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=f"{location}/"):
                total += page.get("KeyCount", 0)
        return total
