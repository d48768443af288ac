"""Text search that reads only what it returns: an inverted index of the catalog's search text.

A text search used to read the whole kind partition of the catalog with a ``contains`` filter: its DynamoDB
requests grew with the archive. The index keeps, per catalog row, one small item per **term** of its search text
(object id, title, tickets, reason or summary; :attr:`ccm.storage.catalog.Summary.search_text`):

* ``pk`` ``TERM#<kind>#<term>``, ``sk`` the row's order (``<modifiedAt>#<id>``, as the catalog's indexes), with
  ``id``, ``status``, ``created_by``, ``customers`` and ``object_type``: what the filters need.
* A term is a normalised word (lower case, split at anything that is not a letter or digit) and each of its
  prefixes of :data:`MIN_PREFIX` characters or more (up to :data:`MAX_PREFIX`), so "kernel" is found by "ker",
  "kern", ... "kernel". Words of one or two characters are indexed whole.

A search looks each of the query's longest words up (newest first, one Query per 1 MB of postings) and intersects
the lists as it reads them, applies the listing's other filters to the postings, and reads the summaries of only
the candidates it returns (BatchGetItem), where the catalog's own rule decides: the query, lower-cased, must occur
in the row's search text. So the results, and their order (newest first, by the catalog's order), are those of the
filtered listing, except that a search must start at the beginning of a word: "ernel" no longer finds "kernel".
There is no relevance ranking: like every list of the portal, results are ordered by last modification.

The rows are written with the catalog row (:meth:`SearchIndex.replace`) and recreated by ``ccm catalog rebuild``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError

from ccm.aws.clients import error_code
from ccm.domain.status import Status
from ccm.errors import InvalidCursor
from ccm.storage.attribute_values import from_item
from ccm.storage.batch_writes import write_in_batches
from ccm.storage.summary_reads import BATCH_GET, summary_items
from ccm.storage.table import PARTITION_KEY, SORT_KEY

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from ccm.storage.catalog import Query, Summary

TERM_PREFIX = "TERM#"
MIN_PREFIX = 3
MAX_PREFIX = 24
"""Longer prefixes of a long word are not indexed: a longer query word is looked up by its first 24 characters."""
MAX_LOOKUP_TERMS = 4
"""The longest (so the most selective) words of a query are looked up; the text rule checks the rest."""
FIRST_PAGE = 250
MAX_UNDECIDED = 2 * BATCH_GET
"""Postings of a complete list that the other lists do not reach yet, checked row by row at most this many."""
_WORD = re.compile(r"[^\W_]+")
_CURSOR_INDEX = "search"


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def index_terms(search_text: str) -> set[str]:
    """Every term a row is found by."""
    terms: set[str] = set()
    for word in words(search_text):
        if len(word) < MIN_PREFIX:
            terms.add(word)
            continue
        terms.update(word[:length] for length in range(MIN_PREFIX, min(len(word), MAX_PREFIX) + 1))
        terms.add(word)
    return terms


def lookup_terms(text: str) -> list[str]:
    """The terms a query is looked up by: its longest words (as prefixes); one- and two-letter words only when the
    query has no longer one, then as whole words. Empty: the query has no word to look up."""
    found = words(text)
    long_words = [word for word in found if len(word) >= MIN_PREFIX]
    chosen = long_words or found
    unique = sorted(set(chosen), key=lambda word: (-len(word), word))[:MAX_LOOKUP_TERMS]
    return [word[:MAX_PREFIX] for word in unique]


def term_partition(kind: str, term: str) -> str:
    return f"{TERM_PREFIX}{kind}#{term}"


class Listed(Protocol):
    """What the filters read: a posting or a summary."""

    @property
    def status_value(self) -> str: ...

    @property
    def creator(self) -> str: ...

    @property
    def customer_codes(self) -> Sequence[str]: ...

    @property
    def type_name(self) -> str: ...


@dataclass(frozen=True)
class Posting:
    order: str
    id: str
    status: str
    created_by: str
    customers: tuple[str, ...]
    object_type: str

    @property
    def status_value(self) -> str:
        return self.status

    @property
    def creator(self) -> str:
        return self.created_by

    @property
    def customer_codes(self) -> Sequence[str]:
        return self.customers

    @property
    def type_name(self) -> str:
        return self.object_type

    @classmethod
    def from_attributes(cls, item: dict[str, Any]) -> Posting:
        """Read straight from the attribute values: a page holds thousands, and boto3's deserialiser is slow."""

        def text(name: str) -> str:
            return str(item.get(name, {}).get("S", ""))

        return cls(
            order=text(SORT_KEY),
            id=text("id"),
            status=text("status"),
            created_by=text("created_by"),
            customers=tuple(str(code.get("S", "")) for code in item.get("customers", {}).get("L", ())),
            object_type=text("object_type"),
        )


@dataclass(frozen=True)
class _SummaryView:
    summary: Summary

    @property
    def status_value(self) -> str:
        return self.summary.status.value

    @property
    def creator(self) -> str:
        return self.summary.created_by

    @property
    def customer_codes(self) -> Sequence[str]:
        return self.summary.customers

    @property
    def type_name(self) -> str:
        return self.summary.object_type


def passes_filters(row: Listed, query: Query) -> bool:
    """The catalog listing's filters other than text and dates, as its FilterExpression applies them."""
    if query.status and row.status_value != query.status.value:
        return False
    if query.creator and row.creator != query.creator.lower():
        return False
    if query.customer and query.customer not in row.customer_codes:
        return False
    if query.object_type and row.type_name != query.object_type:
        return False
    if query.creator_contains and query.creator_contains.strip().lower() not in row.creator:
        return False
    if query.customers_any and not set(query.customers_any) & set(row.customer_codes):
        return False
    if query.viewer and not query.creator:
        return row.status_value != Status.DRAFT.value or row.creator == query.viewer.lower()
    return True


def matches(summary: Summary, query: Query) -> bool:
    """The whole rule of a text search, on the summary itself."""
    text = (query.text or "").strip().lower()
    return text in summary.search_text and passes_filters(_SummaryView(summary), query)


def encode_cursor(order: str) -> str:
    raw = json.dumps({"i": _CURSOR_INDEX, "k": {"order_sk": order}}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidCursor() from None
    if not isinstance(data, dict) or data.get("i") != _CURSOR_INDEX or not isinstance(data.get("k"), dict):
        raise InvalidCursor()
    order = data["k"].get("order_sk")
    if set(data["k"]) != {"order_sk"} or not isinstance(order, str) or not order:
        raise InvalidCursor()
    return order


@dataclass
class _Stream:
    """One term's postings, read newest first a page at a time."""

    partition: str
    read: dict[str, Posting] = field(default_factory=dict)
    frontier: str | None = None
    next_key: dict[str, Any] | None = None
    exhausted: bool = False

    def covers(self, order: str) -> bool:
        """Whether every posting of this term at ``order`` or newer has been read."""
        return self.exhausted or (self.frontier is not None and order >= self.frontier)


@dataclass(frozen=True)
class _Scope:
    low: str
    high: str
    before: str | None


class _Rows:
    """The catalog rows of a search's candidates, read a batch at a time as the search walks through them."""

    def __init__(self, index: SearchIndex, ids: list[str]) -> None:
        self.index = index
        self.ids = ids
        self.position = {object_id: i for i, object_id in enumerate(ids)}
        self.rows: dict[str, Summary] = {}

    def verified(self, posting: Posting, query: Query, needed: int) -> list[Summary]:
        if posting.id not in self.rows:
            start = self.position[posting.id]
            # Only as many rows as the page still needs: most candidates of a precise search are hits.
            self.rows.update(self.index.summaries(self.ids[start : start + min(BATCH_GET, max(needed, 1))]))
        summary = self.rows.get(posting.id)
        # A posting left from an older version of the row is not the row: it shows where it is now.
        if summary is not None and summary.order == posting.order and matches(summary, query):
            return [summary]
        return []


@dataclass(frozen=True)
class SearchResult:
    items: list[Summary]
    cursor: str | None


class SearchIndex:
    def __init__(self, table_name: str, client: Callable[[], DynamoDBClient]) -> None:
        self.table_name = table_name
        self._client = client

    @property
    def ddb(self) -> DynamoDBClient:
        return self._client()

    # -- writing -----------------------------------------------------------------------------------------

    def rows(self, summary: Summary) -> dict[tuple[str, str], dict[str, Any]]:
        """The postings of one catalog row, by key, as attribute values (a row has dozens: written as they are,
        not through boto3's serialiser)."""
        values: dict[str, Any] = {
            SORT_KEY: {"S": summary.order},
            "id": {"S": summary.id},
            "status": {"S": summary.status.value},
            "created_by": {"S": summary.created_by},
            "customers": {"L": [{"S": code} for code in summary.customers]},
            "object_type": {"S": summary.object_type},
        }
        rows = {}
        for term in index_terms(summary.search_text):
            partition = term_partition(summary.kind, term)
            rows[(partition, summary.order)] = {PARTITION_KEY: {"S": partition}, **values}
        return rows

    def put_requests(self, summary: Summary) -> Iterator[dict[str, Any]]:
        for row in self.rows(summary).values():
            yield {"PutRequest": {"Item": row}}

    def replace(self, before: Summary | None, after: Summary | None) -> None:
        """Make the postings of ``before`` those of ``after`` (``None``: the row has none / has gone)."""
        old = self.rows(before) if before is not None else {}
        new = self.rows(after) if after is not None else {}
        requests: list[dict[str, Any]] = [
            {"DeleteRequest": {"Key": {PARTITION_KEY: {"S": partition}, SORT_KEY: {"S": order}}}}
            for partition, order in sorted(old.keys() - new.keys())
        ]
        requests.extend({"PutRequest": {"Item": row}} for key, row in sorted(new.items()) if old.get(key) != row)
        self.write(requests)

    def write(self, requests: Iterable[dict[str, Any]]) -> None:
        write_in_batches(self.ddb, self.table_name, requests)

    # -- searching ---------------------------------------------------------------------------------------

    def search(self, query: Query, terms: Sequence[str], limit: int) -> SearchResult:
        """The page of ``limit`` summaries a filtered listing with ``query.text`` returns, through the postings
        of ``terms`` (from :func:`lookup_terms`)."""
        before = decode_cursor(query.cursor) if query.cursor else None
        scope = _Scope(query.modified_from or "0", (query.modified_to or "9999") + "~", before)
        streams = [_Stream(term_partition(query.kind, term)) for term in terms]
        for stream in streams:
            # A short first page: a rare word's whole list, or the newest postings of a common one, is enough
            # for most searches; full pages (1 MB) only when they are not.
            self._read_page(stream, scope, FIRST_PAGE)
        found: list[Summary] = []
        examined = before
        while True:
            candidates = self._candidates(streams, examined, query)
            rows = _Rows(self, [posting.id for posting in candidates])
            for posting in candidates:
                if len(found) > limit:
                    break
                found.extend(rows.verified(posting, query, limit + 1 - len(found)))
                examined = posting.order
            threshold = _threshold(streams)
            if len(found) > limit or threshold is None:
                break
            if examined is None or examined > threshold:
                examined = threshold
            if any(stream.exhausted and not _older(stream, examined) for stream in streams):
                break  # a word whose every posting has been examined: no other row can have them all
            for stream in streams:
                # Read on only the lists that were read least far: the others already cover what can be decided.
                if not stream.exhausted and stream.frontier == threshold:
                    self._read_page(stream, scope, None)
        items = found[:limit]
        cursor = encode_cursor(items[-1].order) if len(found) > limit else None
        return SearchResult(items, cursor)

    def _candidates(self, streams: Sequence[_Stream], examined: str | None, query: Query) -> list[Posting]:
        """Postings not examined yet, newest first, that may be on every word's list: decided by the lists where
        they have all been read that far; a short complete list's postings also when the others have not (the
        row itself decides), since reading a row costs less than reading the long lists down to it."""
        threshold = _threshold(streams)
        complete = [stream for stream in streams if stream.exhausted]
        driver = min(complete or streams, key=lambda stream: len(stream.read))
        pending = [
            posting
            for order, posting in sorted(driver.read.items(), reverse=True)
            if (examined is None or order < examined)
            and all(order in stream.read for stream in streams if stream.covers(order))
            and passes_filters(posting, query)
        ]
        undecided = [posting for posting in pending if threshold is not None and posting.order < threshold]
        if len(undecided) > MAX_UNDECIDED:
            pending = [posting for posting in pending if threshold is None or posting.order >= threshold]
        return pending

    def _read_page(self, stream: _Stream, scope: _Scope, limit: int | None) -> None:
        values = {":pk": {"S": stream.partition}, ":low": {"S": scope.low}, ":high": {"S": scope.high}}
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :low AND :high",
            "ExpressionAttributeNames": {"#pk": PARTITION_KEY, "#sk": SORT_KEY},
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
        }
        if limit is not None:
            request["Limit"] = limit
        if stream.next_key is not None:
            request["ExclusiveStartKey"] = stream.next_key
        elif scope.before is not None:
            request["ExclusiveStartKey"] = {PARTITION_KEY: {"S": stream.partition}, SORT_KEY: {"S": scope.before}}
        try:
            response = self.ddb.query(**request)
        except ClientError as error:
            # A cursor outside the dates asked for is no cursor of this search.
            if scope.before is not None and error_code(error) == "ValidationException":
                raise InvalidCursor() from None
            raise
        for item in response.get("Items", []):
            posting = Posting.from_attributes(item)
            stream.read[posting.order] = posting
            stream.frontier = posting.order if stream.frontier is None else min(stream.frontier, posting.order)
        stream.next_key = response.get("LastEvaluatedKey")
        stream.exhausted = stream.next_key is None
        if stream.frontier is None and not stream.exhausted:
            # An empty page that is not the last (DynamoDB stops at 1 MB read): read on.
            self._read_page(stream, scope, None)

    def summaries(self, ids: Sequence[str]) -> dict[str, Summary]:
        from ccm.storage.catalog import Summary

        items = summary_items(self.ddb, self.table_name, ids)
        return {object_id: Summary.model_validate(from_item(item)) for object_id, item in items.items()}


def _threshold(streams: Sequence[_Stream]) -> str | None:
    """The oldest order down to which every term's postings have been read (None: every list is read)."""
    frontiers = [stream.frontier or "" for stream in streams if not stream.exhausted]
    return max(frontiers) if frontiers else None


def _older(stream: _Stream, order: str) -> bool:
    return any(posting_order < order for posting_order in stream.read)
