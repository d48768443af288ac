"""What the local stack keeps between runs: one JSON file in the data folder, written on shutdown and periodically.

The emulator keeps everything in memory, so the stack saves what a restart must not lose and brings it back
before anyone can sign in:

- every object of the data bucket (archive, drafts, versions, deleted objects, import grant records) with its
  content type and user metadata; the pending triggers under ``customers/`` go back last, after the queues and
  their notifications exist, so work that was interrupted resumes (the delivery ledger mails nobody twice);
- the table's rows other than the catalog (delivery ledger, meeting claims, sign-in replay records not yet
  expired); the catalog is rebuilt from the archive with the code of ``ccm catalog rebuild``;
- every event of the audit bucket (restoring the archive's objects is no new write: the stack drops the audit
  queue's messages those puts cause, as the events and report sums come back from the snapshot);
- every customer's SES contact list, in the format of ``ccm ses backup`` and restored with its code;
- the outbox (emails and meetings of earlier runs);
- the local Graph endpoint's calendars, so a meeting made in an earlier run is updated or cancelled in place.

Queues (their messages), the Identity Center directories and the SSM parameters are rebuilt at start instead.
The file is replaced atomically, so a crash while saving leaves the previous snapshot intact.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

from ccm.aws.assume import RoleSessions
from ccm.aws.clients import RETRY_CONFIG
from ccm.config import AppConfig, CustomerMapping
from ccm.domain.times import format_rfc3339, utc_now
from ccm.errors import CcmError
from ccm.fleet import Outcome, run_each
from ccm.local.fake_graph import FakeGraph
from ccm.local.outbox import Outbox
from ccm.ses_admin.backup import BackupFile, backup_document, plan_restore
from ccm.ses_admin.contacts import ContactList
from ccm.ses_admin.edits import restore
from ccm.storage.archive import ArchiveStore
from ccm.storage.catalog import CATALOG_PREFIXES, Catalog, RebuildResult
from ccm.storage.table import PARTITION_KEY, TTL_ATTRIBUTE

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

logger = logging.getLogger(__name__)

SNAPSHOT_FILE = "state.json"
FORMAT_VERSION = 1
TRIGGER_PREFIX = "customers/"
_TEXT_TYPES = ("application/json", "text/")


class SnapshotError(CcmError):
    pass


# -- DynamoDB items as JSON -----------------------------------------------------------------------------------


def item_to_json(value: Any) -> Any:
    """A low-level DynamoDB item (or attribute value) with its binary values base64-encoded."""
    if isinstance(value, bytes | bytearray):
        return {"$base64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Mapping):
        return {str(key): item_to_json(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple | set):
        return [item_to_json(inner) for inner in value]
    return value


def item_from_json(value: Any) -> Any:
    if isinstance(value, Mapping):
        if set(value) == {"$base64"}:
            return base64.b64decode(str(value["$base64"]))
        return {str(key): item_from_json(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [item_from_json(inner) for inner in value]
    return value


BUCKET_KINDS: tuple[tuple[str, str], ...] = (
    ("archive/", "archived changes and announcements"),
    ("drafts/", "drafts"),
    ("versions/", "earlier versions"),
    ("deleted/", "deleted objects"),
    ("identity-import/", "contact-import records"),
    (TRIGGER_PREFIX, "pending triggers"),
)
"""What the data bucket's objects are, by key prefix (``ccm.storage.archive``, ``ccm.contact_import.record``)."""

ROW_KINDS: tuple[tuple[str, str], ...] = (
    ("LEDGER#", "delivery-ledger rows"),
    ("MEETING#", "meeting claims"),
    ("SAML#", "sign-in replay records"),
    ("FEEDTOKEN#", "customer feed tokens"),
    ("DELEGATION#", "delegations"),
    ("TEMPLATE", "standard change templates and their counter"),
    ("CLOCK#", "clock claims"),
    ("SESMSG#", "SES message pointers"),
    ("DELIVERABILITY#", "deliverability day counts"),
    ("TRIGGERFAIL#", "trigger failure reasons"),
    ("FEEDBACK#", "customers' ratings"),
    ("FEEDBACKKEY", "the rating links' signing keys"),
)
"""The table's rows that are kept, by partition key prefix (``ccm.storage.ledger``, ``ccm.storage.meeting_claims``,
``ccm.edge.replay``, ``ccm.storage.feed_tokens``: a customer's subscribed address survives a restart,
``ccm.storage.delegations``, ``ccm.storage.templates``, ``ccm.storage.clock_claims``, ``ccm.storage.delivery_records``,
``ccm.storage.trigger_failures``, ``ccm.storage.feedback``: a rating link in the outbox still works after a restart).
Sign-in replay records live only as long as the assertion they stop being replayed
(five minutes for the development identity provider); like DynamoDB's TTL, the snapshot lets them go once expired."""


AUDIT_ROW_KINDS: tuple[tuple[str, str], ...] = (
    ("AUDIT#", "audit index rows"),
    ("REPORTFACT#", "report facts"),
    ("REPORT#", "monthly report sums"),
)
"""Rows the audit function writes (``ccm.storage.audit_index``, ``ccm.storage.report_store``); named when present."""


def _kind(name: str, kinds: tuple[tuple[str, str], ...], other: str) -> str:
    return next((label for prefix, label in kinds if name.startswith(prefix)), other)


def _expired(item: Mapping[str, Any], now: float) -> bool:
    expires = item.get(TTL_ATTRIBUTE, {}).get("N")
    return expires is not None and float(expires) <= now


def _is_catalog(item: Mapping[str, Any]) -> bool:
    return str(item[PARTITION_KEY]["S"]).startswith(CATALOG_PREFIXES)


@dataclass(frozen=True)
class SnapshotCounts:
    """What a snapshot holds, each number named by what it counts."""

    objects_by_kind: Mapping[str, int]
    rows_by_kind: Mapping[str, int]
    contacts: int
    emails: int
    meeting_actions: int
    expired_rows: int = 0
    """Rows left out because their TTL had passed (sign-in replay records)."""

    @classmethod
    def of(cls, document: Mapping[str, Any], expired_rows: int = 0) -> SnapshotCounts:
        objects: dict[str, int] = {label: 0 for _, label in BUCKET_KINDS}
        for entry in document.get("bucket", {}).get("objects", []):
            label = _kind(str(entry["key"]), BUCKET_KINDS, "other bucket objects")
            objects[label] = objects.get(label, 0) + 1
        rows: dict[str, int] = {label: 0 for _, label in ROW_KINDS}
        for row in document.get("table", {}).get("rows", []):
            label = _kind(str(row[PARTITION_KEY]["S"]), ROW_KINDS + AUDIT_ROW_KINDS, "other table rows")
            rows[label] = rows.get(label, 0) + 1
        if "audit_bucket" in document:
            objects["audit events"] = len(document["audit_bucket"].get("objects", []))
        outbox = document.get("outbox", {})
        return cls(
            objects_by_kind=objects,
            rows_by_kind=rows,
            contacts=sum(len(backup.get("contacts", [])) for backup in document.get("contacts", {}).values()),
            emails=len(outbox.get("emails", [])),
            meeting_actions=len(outbox.get("meetings", [])),
            expired_rows=expired_rows,
        )

    @property
    def triggers(self) -> int:
        return self.objects_by_kind.get("pending triggers", 0)

    @property
    def objects(self) -> int:
        """Every bucket object but the pending triggers."""
        return sum(self.objects_by_kind.values()) - self.triggers

    @property
    def rows(self) -> int:
        return sum(self.rows_by_kind.values())

    def describe(self) -> str:
        def named(counts: Mapping[str, int]) -> str:
            return ", ".join(f"{count} {label}" for label, count in counts.items() if count) or "none"

        expired = f" ({self.expired_rows} expired sign-in replay records left out)" if self.expired_rows else ""
        return (
            f"bucket: {named(self.objects_by_kind)}; table: {named(self.rows_by_kind)}{expired} "
            f"(the catalog is rebuilt from the archive at start); {self.contacts} contacts in the customers' SES "
            f"contact lists; outbox: {self.emails} emails, {self.meeting_actions} meeting actions"
        )


@dataclass(frozen=True)
class Restored:
    counts: SnapshotCounts
    catalog: RebuildResult


class Snapshot:
    def __init__(
        self,
        path: Path,
        config: AppConfig,
        bucket: str,
        table: str,
        outbox: Outbox,
        *,
        graph: FakeGraph | None = None,
        sessions: RoleSessions | None = None,
        concurrency: int = 8,
        clock: Callable[[], float] = time.time,
        audit_bucket: str | None = None,
    ) -> None:
        self.path = path
        self.audit_bucket = audit_bucket
        self.config = config
        self.bucket = bucket
        self.table = table
        self.outbox = outbox
        self.graph = graph
        self.sessions = sessions or RoleSessions(session_prefix="ccm-local-snapshot")
        self.concurrency = concurrency
        self.clock = clock
        """What expiry (TTL) is judged by."""
        self.s3: S3Client = boto3.client("s3", region_name=config.aws_region, config=RETRY_CONFIG)
        self.ddb: DynamoDBClient = boto3.client("dynamodb", region_name=config.aws_region, config=RETRY_CONFIG)
        self._object_caches: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {}
        self._saving = threading.Lock()
        self._pending_triggers: list[dict[str, Any]] = []

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    # -- saving ---------------------------------------------------------------------------------------------

    def save(self) -> SnapshotCounts:
        with self._saving:
            objects = self._objects()
            rows, expired = self._rows()
            contacts = self._contacts()
            outbox = self.outbox.document()
            document = {
                "format": FORMAT_VERSION,
                "saved_at": format_rfc3339(utc_now()),
                "bucket": {"name": self.bucket, "objects": objects},
                "table": {"name": self.table, "rows": rows},
                "contacts": contacts,
                "outbox": {"emails": outbox["emails"], "meetings": outbox["meetings"]},
            }
            if self.audit_bucket:
                document["audit_bucket"] = {"name": self.audit_bucket, "objects": self._objects(self.audit_bucket)}
            if self.graph is not None:
                document["graph"] = {"base_url": self.graph.base_url, "events": self.graph.export_events()}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps(document), encoding="utf-8")
            temporary.replace(self.path)
            return SnapshotCounts.of(document, expired_rows=expired)

    def _objects(self, bucket: str | None = None) -> list[dict[str, Any]]:
        """Every object's current version; unchanged objects (same ETag) are not read again."""
        name = bucket or self.bucket
        cache = self._object_caches.setdefault(name, {})
        entries: list[dict[str, Any]] = []
        listed: set[str] = set()
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=name):
            for item in page.get("Contents", []):
                key, etag = item["Key"], item["ETag"]
                listed.add(key)
                cached = cache.get(key)
                if cached is None or cached[0] != etag:
                    cached = (etag, self._read_object(key, name))
                    cache[key] = cached
                entries.append(cached[1])
        for gone in set(cache) - listed:
            del cache[gone]
        return entries

    def _read_object(self, key: str, bucket: str | None = None) -> dict[str, Any]:
        response = self.s3.get_object(Bucket=bucket or self.bucket, Key=key)
        body = response["Body"].read()
        content_type = response.get("ContentType", "binary/octet-stream")
        entry: dict[str, Any] = {"key": key, "content_type": content_type, "metadata": response.get("Metadata", {})}
        if content_type.startswith(_TEXT_TYPES):
            try:
                entry["text"] = body.decode("utf-8")
                return entry
            except UnicodeDecodeError:
                pass
        entry["base64"] = base64.b64encode(body).decode("ascii")
        return entry

    def _rows(self) -> tuple[list[dict[str, Any]], int]:
        """The rows to keep, and how many were left out because their TTL had passed."""
        now = self.clock()
        rows: list[dict[str, Any]] = []
        expired = 0
        for page in self.ddb.get_paginator("scan").paginate(TableName=self.table):
            for item in page.get("Items", []):
                if _is_catalog(item):
                    continue
                if _expired(item, now):
                    expired += 1
                else:
                    rows.append(item_to_json(item))
        return rows, expired

    def _contact_list(self, customer: CustomerMapping) -> ContactList:
        session = self.sessions.session(customer.ses_role_arn, customer.region, "ccm-local-snapshot")
        return ContactList.find(session.client("sesv2", config=RETRY_CONFIG))

    def _backup(self, customer: CustomerMapping) -> dict[str, Any]:
        contact_list = self._contact_list(customer)
        contacts = list(contact_list.all_contacts().values())
        return backup_document(customer.customer_code, contact_list.details(), contacts, "local-snapshot")

    def _contacts(self) -> dict[str, Any]:
        outcomes = self._each_customer(self._backup)
        for outcome in outcomes:
            if not outcome.ok:
                raise SnapshotError(f"the contacts of {outcome.key} could not be read: {outcome.error}")
        return {outcome.key: outcome.value for outcome in outcomes}

    def _each_customer(self, work: Callable[[CustomerMapping], Any]) -> list[Outcome[Any]]:
        customers = [self.config.customer(code) for code in self.config.customer_codes]
        return run_each(customers, work, key=lambda c: c.customer_code, max_concurrency=self.concurrency)

    # -- restoring ------------------------------------------------------------------------------------------

    def load(self) -> dict[str, Any]:
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise SnapshotError(f"{self.path} cannot be read ({error}); `make dev-reset` starts afresh") from None
        if not isinstance(document, dict) or document.get("format") != FORMAT_VERSION:
            raise SnapshotError(f"{self.path} is not a snapshot of format {FORMAT_VERSION}; `make dev-reset`")
        return document

    def restore_state(self, document: Mapping[str, Any]) -> Restored:
        """Objects (but not triggers), rows, the rebuilt catalog and the outbox; contacts separately.

        Rows whose TTL passed while the stack was stopped are left out, as DynamoDB would have removed them.
        """
        objects = list(document.get("bucket", {}).get("objects", []))
        for entry in objects:
            if entry["key"].startswith(TRIGGER_PREFIX):
                self._pending_triggers.append(entry)
            else:
                self._put_object(entry)
        if self.audit_bucket:
            for entry in document.get("audit_bucket", {}).get("objects", []):
                self._put_object(entry, self.audit_bucket)
        now = self.clock()
        kept: list[dict[str, Any]] = []
        for row in document.get("table", {}).get("rows", []):
            item = item_from_json(row)
            if not _expired(item, now):
                self.ddb.put_item(TableName=self.table, Item=item)
                kept.append(row)
        expired = len(document.get("table", {}).get("rows", [])) - len(kept)
        restored = {**document, "table": {**document.get("table", {}), "rows": kept}}
        result = Catalog(self.table, self.ddb).rebuild(ArchiveStore(self.bucket, self.s3))
        self.outbox.restore(document.get("outbox", {}))
        calendar = document.get("graph") or {}
        if self.graph is not None and calendar:
            self.graph.import_events(list(calendar.get("events", [])), str(calendar.get("base_url", "")))
        return Restored(SnapshotCounts.of(restored, expired_rows=expired), result)

    def restore_contacts(self, document: Mapping[str, Any]) -> list[Outcome[int]]:
        backups: dict[str, Any] = dict(document.get("contacts", {}))

        def bring_back(customer: CustomerMapping) -> int:
            saved = backups.get(customer.customer_code)
            if saved is None:
                return 0
            backup = BackupFile.model_validate(saved)
            contact_list = self._contact_list(customer)
            plan = plan_restore(backup, contact_list.all_contacts(), contact_list.details().topic_names())
            result = restore(contact_list, plan, lambda: None)
            if result.failed:
                raise SnapshotError(f"{result.failed} contact(s) could not be restored: {'; '.join(result.errors)}")
            return result.done

        return self._each_customer(bring_back)

    def restore_triggers(self) -> int:
        """Put back the triggers that were pending at the last save: their S3 events queue the work again."""
        pending, self._pending_triggers = self._pending_triggers, []
        for entry in pending:
            self._put_object(entry)
        return len(pending)

    def _put_object(self, entry: Mapping[str, Any], bucket: str | None = None) -> None:
        body = entry["text"].encode("utf-8") if "text" in entry else base64.b64decode(entry.get("base64", ""))
        self.s3.put_object(
            Bucket=bucket or self.bucket,
            Key=entry["key"],
            Body=body,
            ContentType=entry.get("content_type", "binary/octet-stream"),
            Metadata=dict(entry.get("metadata", {})),
        )
