"""The catalog: one summary row per change or announcement, so that lists never read the archive object by object.

Rows (all in the one table of :mod:`ccm.storage.table`):

* ``OBJ#<id>`` / ``SUMMARY``: the summary, indexed by kind, by kind+status and by kind+creator
* ``OBJ#<id>`` / ``CUST#<code>``: one per affected customer, indexed by kind+customer; it carries only what the
  customer-filtered listing and the customer's feed filter and order by (:data:`CUSTOMER_ROW_FIELDS`), and those
  read the summaries of what they return (``BatchGetItem``). So a write that changes none of that (the backend's
  ``processed`` entry, a meeting's link, an ETag) writes no customer row: each write puts only the rows that change.
* ``STATS#<kind>`` / ``ALL`` and ``USER#<email>``: counts by status, updated in the same transaction
* ``OBJ#<id>`` / ``WINDOW#<YYYY-MM>``: the window index, one lean copy per month the object's window touches
  (:mod:`ccm.storage.window_index`); the ``CUST#`` copies of what a customer's feed shows are in that customer's
  feed partition of the same index
* ``TERM#<kind>#<term>`` / ``<order>``: the text search's inverted index (:mod:`ccm.storage.search_index`),
  written right after the transaction

A summary row of an approved emergency change whose retrospective review is still open also carries
``group_pk = REVIEW#change`` and ``group_sk = <due by>#<id>`` (the shared ``by_group`` index), so the dashboard finds
the overdue ones with one Query.

Each write is conditional on the archive ETag the row was built from, so a catalog that missed a write is
detected and re-synchronised from the archive (the source of truth) rather than silently overwritten. Customer rows
that do not fit in the transaction (over 100 items) follow it in batches; until they are all written the summary row
carries ``customer_rows_pending``, which makes other writers wait (:meth:`Catalog.resync`), since they write only
the rows that differ from those of the summary they replace. A writer that stopped half-way leaves the flag, and the
next writer then reads which customer rows exist and rewrites them all.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict

from ccm.aws.clients import error_code
from ccm.domain.approval_state import ApprovalState
from ccm.domain.objects import Announcement, Change
from ccm.domain.status import Status
from ccm.domain.times import format_rfc3339
from ccm.domain.windows import object_window
from ccm.errors import InvalidCursor
from ccm.storage.archive import ArchiveStore, Stored
from ccm.storage.attribute_values import from_item, to_item
from ccm.storage.batch_writes import write_in_batches
from ccm.storage.dynamo import LazyDynamoDB
from ccm.storage.search_index import TERM_PREFIX, SearchIndex, lookup_terms, matches
from ccm.storage.summary_reads import summary_items
from ccm.storage.table import INDEXES, PARTITION_KEY, SORT_KEY
from ccm.storage.window_index import WindowIndex, feed_keys, feed_visible, window_months, window_rows

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

SEARCH_TEXT_LIMIT = 400
FEED_TEXT_LIMIT = 2000
"""Characters of a change's reason and customer impact kept for the customers' feeds (their emails show them)."""
MAX_PAGE = 200
REVIEW_GROUP = "REVIEW#change"
TRANSACTION_ITEMS = 100
"""DynamoDB's limit of items in one TransactWriteItems."""
SETTLE_ATTEMPTS = 5
RESYNC_ATTEMPTS = 10
ROWS_PENDING = "customer_rows_pending"
"""Set on a summary row while its customer rows are written in batches after its transaction."""
PENDING_WAIT = 10.0
"""Seconds a writer waits for another's customer rows (a thousand take a few seconds) before it rewrites them all."""
CUSTOMER_ROW_FIELDS = (
    "id",
    "kind",
    "status",
    "created_by",
    "object_type",
    "outcome",
    "change_type",
    "risk",
    "window_end",
)
"""What an object's per-customer rows carry besides their keys: what the customer-filtered listing and the customer's
feed filter on. What they show is read from the summary rows, so what changes on every annotation (the ETag, a
delivery summary's history entry, a meeting's link), an edit of the text, and the other customers of the object
never make a customer row change (a listing by customer that also filters by text or by other customers reads the
summary rows instead: :func:`customer_rows_serve`)."""
CATALOG_PREFIXES = ("OBJ#", "STATS#", TERM_PREFIX)
"""Partition key prefixes of the rows the catalog owns; every other row of the table belongs to someone else."""


def _ts(value: datetime | None) -> str | None:
    return format_rfc3339(value) if value is not None else None


class Summary(BaseModel):
    """What lists, search and the dashboard show of an object."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    kind: str
    object_type: str
    announcement_type: str | None = None
    title: str
    status: Status
    customers: list[str]
    created_by: str
    created_at: str | None = None
    modified_at: str
    modified_by: str | None = None
    submitted_at: str | None = None
    submitted_by: str | None = None
    approved_at: str | None = None
    approved_by: str | None = None
    version: int
    snow_ticket: str = ""
    jira_ticket: str = ""
    include_meeting: bool = False
    join_url: str | None = None
    implementation_start: str | None = None
    implementation_end: str | None = None
    timezone: str | None = None
    summary: str = ""
    outcome: str | None = None
    outcome_note: str | None = None
    change_type: str | None = None
    risk: str | None = None
    approval: ApprovalState | None = None
    review_due_by: str | None = None
    """When an approved emergency change's retrospective review is due, while it is still open."""
    location: str
    etag: str
    search_text: str = ""
    changed_since_approval: int | None = None
    """Waiting for approval again after an edit: the approved version its changes are measured against."""
    window_start: str | None = None
    """The window the calendar shows (a change's implementation window, an announcement's meeting), UTC."""
    window_end: str | None = None
    window_timezone: str | None = None
    reason_excerpt: str = ""
    """What a customer's feed says of the object: the start of its reason (an announcement's summary)."""
    impact_excerpt: str = ""

    @classmethod
    def from_stored(cls, stored: Stored) -> Summary:
        obj = stored.obj
        modified = obj.modified_at or obj.submitted_at or obj.created_at
        common: dict[str, Any] = {
            "id": obj.id,
            "kind": obj.kind,
            "object_type": obj.object_type,
            "title": obj.title,
            "status": obj.status,
            "customers": list(obj.customers),
            "created_by": obj.owner,
            "created_at": _ts(obj.created_at),
            "modified_at": _ts(modified) or "1970-01-01T00:00:00Z",
            "modified_by": obj.modified_by,
            "submitted_at": _ts(obj.submitted_at),
            "submitted_by": obj.submitted_by,
            "approved_at": _ts(obj.approved_at),
            "approved_by": obj.approved_by,
            "version": obj.version,
            "include_meeting": obj.include_meeting,
            "join_url": obj.meeting_metadata.join_url if obj.meeting_metadata else None,
            "approval": obj.approval,
            "location": stored.location,
            "etag": stored.etag,
            "changed_since_approval": obj.changed_since_approval,
        }
        review = obj.approval.review if obj.approval is not None and obj.approval.review_pending else None
        if review is not None and obj.status in (Status.APPROVED, Status.COMPLETED):
            common["review_due_by"] = _ts(review.due_by)
        window = object_window(obj)
        if window is not None:
            common.update(window_start=_ts(window.start), window_end=_ts(window.end), window_timezone=window.timezone)
        searchable: list[str]
        if isinstance(obj, Change):
            common.update(
                snow_ticket=obj.snow_ticket,
                jira_ticket=obj.jira_ticket,
                implementation_start=_ts(obj.implementation_start),
                implementation_end=_ts(obj.implementation_end),
                timezone=obj.timezone,
                summary=obj.change_reason[:200],
                outcome=obj.outcome.value if obj.outcome else None,
                outcome_note=(obj.outcome_note or "")[:200] or None,
                change_type=obj.change_type.value,
                risk=obj.risk.value,
                reason_excerpt=obj.change_reason[:FEED_TEXT_LIMIT],
                impact_excerpt=obj.customer_impact[:FEED_TEXT_LIMIT],
            )
            searchable = [obj.id, obj.title, obj.snow_ticket, obj.jira_ticket, obj.change_reason]
            if obj.outcome:
                searchable += [obj.outcome.words, obj.outcome_note or ""]
        else:
            assert isinstance(obj, Announcement)
            common.update(
                announcement_type=obj.announcement_type.value,
                summary=obj.summary[:200],
                created_at=common["created_at"] or _ts(obj.announcement_created_at),
                reason_excerpt=obj.summary[:FEED_TEXT_LIMIT],
            )
            searchable = [obj.id, obj.title, obj.summary]
        common["search_text"] = " ".join(part for part in searchable if part).lower()[:SEARCH_TEXT_LIMIT]
        return cls.model_validate(common)

    @property
    def order(self) -> str:
        return f"{self.modified_at}#{self.id}"

    def public(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude=set(PRIVATE_SUMMARY_FIELDS))

    @property
    def window_months(self) -> list[str]:
        if self.window_start is None or self.window_end is None:
            return []
        return window_months(self.window_start, self.window_end)


PRIVATE_SUMMARY_FIELDS = frozenset({"search_text", "etag", "reason_excerpt", "impact_excerpt"})
"""Kept for the catalog's own use (search, concurrency, the customers' feeds); lists never show them."""


def _same_customer_rows(
    shared_before: dict[str, Any], shared_after: dict[str, Any], before: Summary, after: Summary
) -> bool:
    """Whether every customer both summaries name has the same row in both."""
    return shared_before == shared_after and feed_keys(before, "") == feed_keys(after, "")


@dataclass(frozen=True)
class Page:
    items: list[Summary]
    cursor: str | None


@dataclass(frozen=True)
class RebuildResult:
    objects: int
    rows_removed: int


class CatalogDrift(Exception):
    """The row was not built from the archive version the writer replaced; re-synchronise from the archive."""


_item = to_item
_plain = from_item


def _as_transaction_item(table_name: str, request: dict[str, Any]) -> TransactWriteItemTypeDef:
    if "PutRequest" in request:
        return cast("TransactWriteItemTypeDef", {"Put": {"TableName": table_name, **request["PutRequest"]}})
    return cast("TransactWriteItemTypeDef", {"Delete": {"TableName": table_name, **request["DeleteRequest"]}})


def _summary_key(object_id: str) -> dict[str, Any]:
    return _item({PARTITION_KEY: f"OBJ#{object_id}", SORT_KEY: "SUMMARY"})


def _stats_keys(kind: str, creator: str) -> list[dict[str, Any]]:
    return [
        _item({PARTITION_KEY: f"STATS#{kind}", SORT_KEY: "ALL"}),
        _item({PARTITION_KEY: f"STATS#{kind}", SORT_KEY: f"USER#{creator}"}),
    ]


def _encode_cursor(index: str, key: dict[str, Any]) -> str:
    raw = json.dumps({"i": index, "k": _plain(key)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(index: str, cursor: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidCursor() from None
    pk_name, sk_name = INDEXES[index]
    allowed = {PARTITION_KEY, SORT_KEY, pk_name, sk_name}
    if (
        not isinstance(data, dict)
        or data.get("i") != index
        or not isinstance(data.get("k"), dict)
        or set(data["k"]) != allowed
        or not all(isinstance(value, str) for value in data["k"].values())
    ):
        raise InvalidCursor()
    return _item(data["k"])


@dataclass(frozen=True)
class Query:
    """A catalog listing. Exactly the filters given apply; drafts show only to their owner (``viewer``)."""

    kind: str = "change"
    status: Status | None = None
    creator: str | None = None
    customer: str | None = None
    text: str | None = None
    creator_contains: str | None = None
    customers_any: Sequence[str] = ()
    modified_from: str | None = None
    modified_to: str | None = None
    viewer: str | None = None
    limit: int = 50
    cursor: str | None = None
    object_type: str | None = None
    outcome: str | None = None
    change_type: str | None = None
    risk: str | None = None


def customer_rows_serve(query: Query) -> bool:
    """Whether the customer rows hold what ``query``'s filters read (they have no text and no customer list)."""
    return bool(query.customer) and not query.text and not query.customers_any


class Catalog:
    def __init__(
        self, table_name: str, dynamodb: DynamoDBClient | None = None, *, pending_wait: float = PENDING_WAIT
    ) -> None:
        self.table_name = table_name
        self.pending_wait = pending_wait
        self._ddb = dynamodb
        self.search_index = SearchIndex(table_name, lambda: self.ddb)

    ddb = LazyDynamoDB()

    # -- writing -----------------------------------------------------------------------------------------

    def _row(self, summary: Summary) -> dict[str, Any]:
        values = summary.model_dump(mode="json")
        values.update(
            {
                PARTITION_KEY: f"OBJ#{summary.id}",
                SORT_KEY: "SUMMARY",
                "kind_pk": summary.kind,
                "status_pk": f"{summary.kind}#{summary.status.value}",
                "creator_pk": f"{summary.kind}#{summary.created_by}",
                "order_sk": summary.order,
            }
        )
        if summary.review_due_by:
            values.update(group_pk=REVIEW_GROUP, group_sk=f"{summary.review_due_by}#{summary.id}")
        return _item(values)

    def _customer_values(self, summary: Summary) -> dict[str, Any]:
        """The attribute values every customer's row of ``summary`` shares: the fields the customer-filtered listing
        filters on, and its order."""
        values = summary.model_dump(mode="json", include=set(CUSTOMER_ROW_FIELDS))
        values["order_sk"] = summary.order
        return _item(values)

    def _customer_row(self, summary: Summary, code: str, shared: dict[str, Any] | None = None) -> dict[str, Any]:
        keys = {
            PARTITION_KEY: f"OBJ#{summary.id}",
            SORT_KEY: f"CUST#{code}",
            "customer_pk": f"{summary.kind}#{code}",
            **feed_keys(summary, code),
        }
        return {**(shared if shared is not None else self._customer_values(summary)), **_item(keys)}

    def _window_items(self, summary: Summary) -> list[dict[str, Any]]:
        return [_item(row) for row in window_rows(summary)]

    def _counter_updates(self, before: Summary | None, after: Summary | None) -> list[TransactWriteItemTypeDef]:
        deltas: dict[tuple[str, str], dict[str, int]] = {}
        for summary, delta in ((before, -1), (after, 1)):
            if summary is None:
                continue
            for key in (("ALL", summary.kind), (f"USER#{summary.created_by}", summary.kind)):
                counts = deltas.setdefault(key, {})
                counts[summary.status.value] = counts.get(summary.status.value, 0) + delta
        updates: list[TransactWriteItemTypeDef] = []
        for (sort_key, kind), counts in deltas.items():
            nonzero = {status: n for status, n in counts.items() if n}
            if not nonzero:
                continue
            names = {f"#s{i}": f"n_{status}" for i, status in enumerate(nonzero)}
            values = {f":v{i}": {"N": str(n)} for i, n in enumerate(nonzero.values())}
            expression = "ADD " + ", ".join(f"#s{i} :v{i}" for i in range(len(nonzero)))
            updates.append(
                {
                    "Update": {
                        "TableName": self.table_name,
                        "Key": _item({PARTITION_KEY: f"STATS#{kind}", SORT_KEY: sort_key}),
                        "UpdateExpression": expression,
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": values,
                    }
                }
            )
        return updates

    def _customer_row_writes(
        self,
        object_id: str,
        before: Summary | None,
        after: Summary | None,
        *,
        existing: Iterable[str] | None = None,
    ) -> list[dict[str, Any]]:
        """BatchWriteItem requests that make the object's per-customer rows, now those of ``before``, those of
        ``after``: a row that would be written as it is is not written. ``existing``: the customers whose rows are
        in the table whatever ``before`` says (read by a repair), every one of them then put or deleted."""
        new_customers = sorted(set(after.customers)) if after else []
        writes: list[dict[str, Any]] = []
        if after is not None:
            shared = self._customer_values(after)
            if existing is not None:
                unchanged: set[str] = set()
            elif before is not None and _same_customer_rows(self._customer_values(before), shared, before, after):
                unchanged = set(before.customers)
            else:
                unchanged = set()
            writes.extend(
                {"PutRequest": {"Item": self._customer_row(after, code, shared)}}
                for code in new_customers
                if code not in unchanged
            )
        old_customers = set(existing) if existing is not None else set(before.customers) if before else set()
        for code in sorted(old_customers - set(new_customers)):
            key = _item({PARTITION_KEY: f"OBJ#{object_id}", SORT_KEY: f"CUST#{code}"})
            writes.append({"DeleteRequest": {"Key": key}})
        return writes

    def _settle_customer_rows(self, object_id: str, written: Summary | None) -> None:
        """After customer rows written outside the transaction: if a later writer's summary landed meanwhile (a
        repair, :meth:`resync`), its rows may have been overwritten by ours, so the rows that differ are written again
        from the summary now stored. Each writer checks after its own batches; whichever finishes last leaves the
        rows of the last summary."""
        for _ in range(SETTLE_ATTEMPTS):
            stored = self.get(object_id)
            if stored is None or (written is not None and stored.etag == written.etag):
                return
            write_in_batches(self.ddb, self.table_name, self._customer_row_writes(object_id, written, stored))
            written = stored

    def _release(self, written: Summary) -> None:
        """The customer rows of ``written`` are all in the table: writers may rely on them again."""
        try:
            self.ddb.update_item(
                TableName=self.table_name,
                Key=_summary_key(written.id),
                UpdateExpression=f"REMOVE {ROWS_PENDING}",
                ConditionExpression="etag = :etag",
                ExpressionAttributeValues={":etag": {"S": written.etag}},
            )
        except ClientError as error:
            # Another summary was stored since, by a repair that rewrites (and then releases) every row itself.
            if error_code(error) != "ConditionalCheckFailedException":
                raise

    def apply(self, before: Summary | None, after: Summary | None) -> None:
        """Replace the row built from ``before`` (``None``: no row yet) with one built from ``after``.

        Raises :class:`CatalogDrift` if the stored row was not built from ``before``, or if another writer's customer
        rows are still being written (the object's customer rows are then not known to be those of ``before``).
        """
        self._write(before, after, existing=None)

    def _write(self, before: Summary | None, after: Summary | None, *, existing: Iterable[str] | None) -> None:
        subject = after or before
        if subject is None:
            return
        items: list[TransactWriteItemTypeDef] = []
        condition: dict[str, Any]
        if before is None:
            condition = {"ConditionExpression": f"attribute_not_exists({PARTITION_KEY})"}
        else:
            # A repair rewrites every customer row, so it need not wait for another writer's rows.
            expression = (
                "etag = :etag" if existing is not None else f"etag = :etag AND attribute_not_exists({ROWS_PENDING})"
            )
            condition = {"ConditionExpression": expression, "ExpressionAttributeValues": {":etag": {"S": before.etag}}}
        customer_rows = self._customer_row_writes(subject.id, before, after, existing=existing)
        if after is not None:
            for row in self._window_items(after):
                items.append({"Put": {"TableName": self.table_name, "Item": row}})
        new_months = set(after.window_months) if after else set()
        for month in sorted(set(before.window_months if before else []) - new_months):
            key = _item({PARTITION_KEY: f"OBJ#{subject.id}", SORT_KEY: f"WINDOW#{month}"})
            items.append({"Delete": {"TableName": self.table_name, "Key": key}})
        items.extend(self._counter_updates(before, after))
        # A change for a handful of customers stays one transaction; one whose customer rows change for hundreds of
        # customers has more than a transaction holds (100 items), so those follow the summary row in batches, and
        # the summary says so until they are all written.
        together = len(items) + 1 + len(customer_rows) <= TRANSACTION_ITEMS
        if after is not None:
            row = self._row(after)
            if not together:
                row[ROWS_PENDING] = {"BOOL": True}
            items.insert(
                0, cast("TransactWriteItemTypeDef", {"Put": {"TableName": self.table_name, "Item": row, **condition}})
            )
        else:
            delete = {"TableName": self.table_name, "Key": _summary_key(subject.id), **condition}
            items.insert(0, cast("TransactWriteItemTypeDef", {"Delete": delete}))
        if together:
            items.extend(_as_transaction_item(self.table_name, request) for request in customer_rows)
        try:
            self.ddb.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error_code(error) == "TransactionCanceledException":
                reasons = error.response.get("CancellationReasons", [])
                if any(reason.get("Code") == "ConditionalCheckFailed" for reason in reasons):
                    raise CatalogDrift(subject.id) from None
            raise
        if not together:
            write_in_batches(self.ddb, self.table_name, customer_rows)
            self._settle_customer_rows(subject.id, after)
            if after is not None:
                self._release(after)
        # Up to a few hundred postings: more than a transaction holds. The row written above is what a search
        # returns, so a posting missed here (a crash in between) costs a missed hit until the next write of the
        # object or a rebuild, never a wrong one.
        self.search_index.replace(before, after)

    def _stored_row(self, object_id: str) -> tuple[Summary | None, bool]:
        """The summary row, and whether its customer rows are still being written."""
        response = self.ddb.get_item(TableName=self.table_name, Key=_summary_key(object_id), ConsistentRead=True)
        item = response.get("Item")
        if not item:
            return None, False
        return Summary.model_validate(_plain(item)), ROWS_PENDING in item

    def _row_when_settled(self, object_id: str) -> tuple[Summary | None, bool]:
        """The summary row once no writer is writing its customer rows, or after :attr:`pending_wait` seconds
        (then still pending: its writer stopped half-way)."""
        waited, pause = 0.0, 0.05
        while True:
            row, pending = self._stored_row(object_id)
            if not pending or waited >= self.pending_wait:
                return row, pending
            time.sleep(min(pause, self.pending_wait - waited))
            waited, pause = waited + pause, min(pause * 2, 1.0)

    def _customer_codes(self, object_id: str) -> list[str]:
        """The customers whose rows the object has in the table (one Query, paged to its end)."""
        paginator = self.ddb.get_paginator("query")
        pages = paginator.paginate(
            TableName=self.table_name,
            KeyConditionExpression="#pk = :pk AND begins_with(#sk, :cust)",
            ExpressionAttributeNames={"#pk": PARTITION_KEY, "#sk": SORT_KEY},
            ExpressionAttributeValues={":pk": {"S": f"OBJ#{object_id}"}, ":cust": {"S": "CUST#"}},
            ProjectionExpression="#sk",
        )
        return [item[SORT_KEY]["S"].removeprefix("CUST#") for page in pages for item in page.get("Items", [])]

    def resync(self, object_id: str, load_current: Callable[[], Summary | None]) -> None:
        """Make the row match the archive as it is now, whatever the row says (it is only an index).

        The row is read before the archive on every attempt: a writer that lands in between then either
        makes our conditional write fail (and we retry) or left the row already equal to what we read. While
        another writer's customer rows are being written, this waits for them (up to :attr:`pending_wait` seconds);
        a writer that never finished (it crashed between its transaction and its batches) left rows nobody knows,
        so they are read and every one rewritten.
        """
        for attempt in range(RESYNC_ATTEMPTS):
            row, pending = self._row_when_settled(object_id)
            current = load_current()
            if row is None and current is None:
                return
            if row is not None and current is not None and row.etag == current.etag and not pending:
                return
            try:
                self._write(row, current, existing=self._customer_codes(object_id) if pending else None)
                return
            except CatalogDrift:
                # Another writer moved the row meanwhile; back off with jitter so the two stop colliding.
                time.sleep(random.uniform(0, 0.02 * 2**attempt))
        raise CatalogDrift(object_id)

    # -- reading -----------------------------------------------------------------------------------------

    def review_due(self, until: str | None = None) -> list[Summary]:
        """Approved emergency changes whose review is open, due by ``until`` (RFC 3339) if given; paged to the end."""
        condition = "group_pk = :pk"
        values: dict[str, Any] = {":pk": {"S": REVIEW_GROUP}}
        if until is not None:
            condition += " AND group_sk <= :until"
            values[":until"] = {"S": until + "~"}
        found: list[Summary] = []
        paginator = self.ddb.get_paginator("query")
        pages = paginator.paginate(
            TableName=self.table_name,
            IndexName="by_group",
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
        )
        for page in pages:
            found.extend(Summary.model_validate(_plain(item)) for item in page.get("Items", []))
        return found

    def get(self, object_id: str) -> Summary | None:
        response = self.ddb.get_item(TableName=self.table_name, Key=_summary_key(object_id), ConsistentRead=True)
        item = response.get("Item")
        return Summary.model_validate(_plain(item)) if item else None

    def counts(self, kind: str, creator: str | None = None) -> dict[str, int]:
        sort_key = "ALL" if creator is None else f"USER#{creator.lower()}"
        response = self.ddb.get_item(
            TableName=self.table_name, Key=_item({PARTITION_KEY: f"STATS#{kind}", SORT_KEY: sort_key})
        )
        values = _plain(response.get("Item", {}))
        return {status.value: max(0, int(values.get(f"n_{status.value}", 0))) for status in Status}

    def query(self, query: Query) -> Page:
        limit = max(1, min(query.limit, MAX_PAGE))
        terms = lookup_terms(query.text) if query.text else []
        if terms:
            result = self.search_index.search(query, terms, limit)
            return Page(result.items, result.cursor)
        if query.creator:
            index, partition = "by_creator", f"{query.kind}#{query.creator.lower()}"
        elif query.status:
            index, partition = "by_status", f"{query.kind}#{query.status.value}"
        elif customer_rows_serve(query):
            index, partition = "by_customer", f"{query.kind}#{query.customer}"
        else:
            index, partition = "by_kind", query.kind
        pk_name, sk_name = INDEXES[index]

        names: dict[str, str] = {"#pk": pk_name}
        values: dict[str, Any] = {":pk": {"S": partition}}
        key_condition = "#pk = :pk"
        if query.modified_from or query.modified_to:
            names["#sk"] = sk_name
            values[":from"] = {"S": query.modified_from or "0"}
            values[":to"] = {"S": (query.modified_to or "9999") + "~"}
            key_condition += " AND #sk BETWEEN :from AND :to"

        filters: list[str] = []
        if query.status and index != "by_status":
            names["#status"] = "status"
            values[":status"] = {"S": query.status.value}
            filters.append("#status = :status")
        if query.customer and index != "by_customer":
            values[":customer"] = {"S": query.customer}
            filters.append("contains(customers, :customer)")
        if query.object_type:
            values[":object_type"] = {"S": query.object_type}
            filters.append("object_type = :object_type")
        if query.outcome:
            names["#outcome"] = "outcome"
            values[":outcome"] = {"S": query.outcome}
            filters.append("#outcome = :outcome")
        if query.change_type:
            names["#change_type"] = "change_type"
            values[":change_type"] = {"S": query.change_type}
            filters.append("#change_type = :change_type")
        if query.risk:
            names["#risk"] = "risk"
            values[":risk"] = {"S": query.risk}
            filters.append("#risk = :risk")
        if query.text:
            values[":text"] = {"S": query.text.strip().lower()}
            filters.append("contains(search_text, :text)")
        if query.creator_contains:
            values[":creator_part"] = {"S": query.creator_contains.strip().lower()}
            filters.append("contains(created_by, :creator_part)")
        if query.customers_any:
            alternatives = []
            for i, code in enumerate(sorted(set(query.customers_any))):
                values[f":any{i}"] = {"S": code}
                alternatives.append(f"contains(customers, :any{i})")
            filters.append("(" + " OR ".join(alternatives) + ")")
        if query.viewer and index != "by_creator":
            names["#status"] = "status"
            values[":draft"] = {"S": Status.DRAFT.value}
            values[":viewer"] = {"S": query.viewer.lower()}
            filters.append("(#status <> :draft OR created_by = :viewer)")

        request: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": index,
            "KeyConditionExpression": key_condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
        }
        selective = bool(
            query.text
            or query.outcome
            or query.object_type
            or query.change_type
            or query.risk
            or query.creator_contains
            or query.customers_any
            or (query.status and index != "by_status")
            or (query.customer and index != "by_customer")
        )
        if filters:
            request["FilterExpression"] = " AND ".join(filters)
        if not selective:
            # Only other people's drafts can be filtered out here, so a page a little larger than asked
            # almost always fills in one request; selective filters read whole 1 MB pages instead.
            request["Limit"] = limit + 10 if filters else limit
        if query.cursor:
            request["ExclusiveStartKey"] = _decode_cursor(index, query.cursor)

        found: list[dict[str, Any]] = []
        while True:
            try:
                response = self.ddb.query(**request)
            except ClientError as error:
                # A well-formed cursor from another listing (another status, another creator) points outside this
                # partition; DynamoDB refuses it as a bad start key. To the caller it is not a cursor of this list.
                if query.cursor and error_code(error) == "ValidationException":
                    raise InvalidCursor() from None
                raise
            found.extend(response.get("Items", []))
            last = response.get("LastEvaluatedKey")
            if len(found) >= limit or not last:
                break
            request["ExclusiveStartKey"] = last
        items = found[:limit]
        cursor: str | None = None
        if len(found) > limit or (last and items):
            tail = items[-1]
            cursor = _encode_cursor(index, {name: tail[name] for name in (PARTITION_KEY, SORT_KEY, pk_name, sk_name)})
        if index == "by_customer":
            return Page(self._current(items, lambda summary: matches(summary, query)), cursor)
        return Page([Summary.model_validate(_plain(item)) for item in items], cursor)

    def _current(self, rows: Sequence[dict[str, Any]], still: Callable[[Summary], bool]) -> list[Summary]:
        """The summaries of the objects of customer rows, in the rows' order: the rows only say which objects a list
        holds. A row left over from an older summary (written late, or of a customer since taken off the object) is
        shown only while its object still belongs in the list."""
        items = summary_items(self.ddb, self.table_name, [row["id"]["S"] for row in rows], consistent=True)
        found: list[Summary] = []
        for object_id in dict.fromkeys(row["id"]["S"] for row in rows):
            item = items.get(object_id)
            summary = Summary.model_validate(_plain(item)) if item is not None else None
            if summary is not None and still(summary):
                found.append(summary)
        return found

    @property
    def windows(self) -> WindowIndex:
        """The window index (module :mod:`ccm.storage.window_index`): by month, then by window start."""
        return WindowIndex(self.table_name, lambda: self.ddb)

    def meeting(self, start: datetime, end: datetime) -> list[Summary]:
        """Every object whose window meets [start, end): one Query per month touched."""
        return [Summary.model_validate(_plain(item)) for item in self.windows.meeting(start, end)]

    def feed(self, code: str, since: datetime) -> list[Summary]:
        """What customer ``code``'s feed lists, whose window ends after ``since``: one Query, and one BatchGetItem per
        100 objects it finds."""
        after = format_rfc3339(since)

        def listed(summary: Summary) -> bool:
            ends = summary.window_end
            return code in summary.customers and feed_visible(summary) and ends is not None and ends > after

        found = self._current(self.windows.feed(code, since), listed)
        return sorted(found, key=lambda summary: (summary.window_start or "", summary.id))

    def starting(self, start: datetime, end: datetime) -> list[Summary]:
        """Every object whose window starts in [start, end): one Query per month touched."""
        return [Summary.model_validate(_plain(item)) for item in self.windows.starting(start, end)]

    def ending(self, start: datetime, end: datetime) -> list[Summary]:
        """Every object whose window ends in [start, end): one Query per month touched."""
        return [Summary.model_validate(_plain(item)) for item in self.windows.ending(start, end)]

    def iter_all(self, query: Query) -> Iterator[Summary]:
        cursor = query.cursor
        while True:
            page = self.query(replace(query, cursor=cursor, limit=MAX_PAGE))
            yield from page.items
            if page.cursor is None:
                return
            cursor = page.cursor

    # -- rebuilding --------------------------------------------------------------------------------------

    def _scan_keys(self, prefixes: tuple[str, ...]) -> Iterator[dict[str, Any]]:
        paginator = self.ddb.get_paginator("scan")
        for page in paginator.paginate(TableName=self.table_name, ProjectionExpression=f"{PARTITION_KEY}, {SORT_KEY}"):
            for item in page.get("Items", []):
                if item[PARTITION_KEY]["S"].startswith(prefixes):
                    yield item

    def _batch_write(self, requests: Iterable[dict[str, Any]]) -> None:
        write_in_batches(self.ddb, self.table_name, requests)

    def clear(self) -> int:
        """Delete every catalog row and counter (ledger and replay rows are kept). Returns rows deleted."""
        keys = list(self._scan_keys(CATALOG_PREFIXES))
        self._batch_write({"DeleteRequest": {"Key": key}} for key in keys)
        return len(keys)

    def load(self, summaries: Iterable[Summary]) -> int:
        """Bulk-write rows and counters for objects known to have no rows (after :meth:`clear`)."""
        counts: dict[tuple[str, str], dict[str, int]] = {}

        def requests() -> Iterator[dict[str, Any]]:
            for summary in summaries:
                yield {"PutRequest": {"Item": self._row(summary)}}
                yield from self.search_index.put_requests(summary)
                shared = self._customer_values(summary)
                for code in sorted(set(summary.customers)):
                    yield {"PutRequest": {"Item": self._customer_row(summary, code, shared)}}
                for row in self._window_items(summary):
                    yield {"PutRequest": {"Item": row}}
                for sort_key in ("ALL", f"USER#{summary.created_by}"):
                    bucket = counts.setdefault((summary.kind, sort_key), {})
                    bucket[summary.status.value] = bucket.get(summary.status.value, 0) + 1

        self._batch_write(requests())
        self._batch_write(
            {
                "PutRequest": {
                    "Item": _item(
                        {
                            PARTITION_KEY: f"STATS#{kind}",
                            SORT_KEY: sort_key,
                            **{f"n_{status}": n for status, n in by_status.items()},
                        }
                    )
                }
            }
            for (kind, sort_key), by_status in counts.items()
        )
        return sum(sum(by_status.values()) for (_, sort_key), by_status in counts.items() if sort_key == "ALL")

    def rebuild(self, archive: ArchiveStore, on_object: Callable[[], None] | None = None) -> RebuildResult:
        """Wipe every catalog row and counter and recreate them from every object in ``archive/`` and ``drafts/``."""
        removed = self.clear()

        def summaries() -> Iterator[Summary]:
            for stored in archive.iter_objects():
                if on_object is not None:
                    on_object()
                yield Summary.from_stored(stored)

        return RebuildResult(objects=self.load(summaries()), rows_removed=removed)

    def export_rows(self) -> list[dict[str, Any]]:
        """Every catalog row and counter as plain values, sorted: used to compare a rebuild with the original."""
        rows = []
        paginator = self.ddb.get_paginator("scan")
        for page in paginator.paginate(TableName=self.table_name):
            for item in page.get("Items", []):
                if item[PARTITION_KEY]["S"].startswith(CATALOG_PREFIXES):
                    row = _plain(item)
                    # A counter that went up and down again reads 0; a rebuilt one has no attribute at all.
                    rows.append({k: v for k, v in row.items() if not (k.startswith("n_") and v == 0)})
        return sorted(rows, key=lambda row: (row[PARTITION_KEY], row[SORT_KEY]))
