"""Requests to the AWS emulator made atomic, as S3 and DynamoDB requests are in AWS.

S3 (``If-Match``/``If-None-Match`` on PUT and DELETE) and DynamoDB (condition expressions, transactions) decide
a conditional write and apply it as one step. moto checks the condition and then writes, with nothing between
the two that stops another thread: two writers can both pass the check and the second silently replaces the
first. Reads are not safe either: two threads reading one S3 object share its body's file position, and an
item being updated in place can be read half-written. The one-writer discipline of the archive, the catalog's
conditional rows and the delivery ledger's claims all rest on AWS's atomicity, so the local stack and the tests
(both run moto with threads) make every S3 object request and every DynamoDB request run alone. They are
in-memory and short: one lock for all of them costs nothing visible.

moto also keeps a transaction undoable by deep-copying every table it names before it starts. That copy grows with
the table: with a few thousand rows (the demo data, a test session's changes, the search index) one
TransactWriteItems took seconds of the emulator's CPU, and the portal's requests queued behind it. Under the same
lock, the copy is made of what a rollback needs: the table's rows as they were (the row objects shared, which is
safe since nothing else writes meanwhile) with a private copy of each row the transaction may change in place.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_LOCK = threading.RLock()
_PATCHED = "_ccm_atomic"

S3_OBJECT_REQUESTS = "_key_response"
"""moto's entry point for every request on one object (GET, HEAD, PUT, POST, DELETE)."""
DYNAMODB_REQUESTS = "call_action"
DYNAMODB_TRANSACTIONS = "transact_write_items"
COPY_HOOK = "__deepcopy__"


def _one_at_a_time(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return method(*args, **kwargs)

    setattr(locked, _PATCHED, True)
    return locked


def make_emulator_requests_atomic() -> None:
    """From now on, the emulator's S3 object requests and DynamoDB requests in this process run one at a time."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler
    from moto.s3.responses import S3Response

    for handler, name in ((S3Response, S3_OBJECT_REQUESTS), (DynamoHandler, DYNAMODB_REQUESTS)):
        method = getattr(handler, name)
        if not getattr(method, _PATCHED, False):
            setattr(handler, name, _one_at_a_time(method))
    transact = getattr(DynamoDBBackend, DYNAMODB_TRANSACTIONS)
    if not getattr(transact, _PATCHED, False):
        setattr(DynamoDBBackend, DYNAMODB_TRANSACTIONS, _with_rollback_copies_of_touched_rows(transact))


def _with_rollback_copies_of_touched_rows(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> Any:
        with _LOCK, _rollback_copies(_touched_keys(backend, transact_items)):
            return method(backend, transact_items)

    setattr(transact_write_items, _PATCHED, True)
    return transact_write_items


def _touched_keys(backend: Any, transact_items: list[dict[str, Any]]) -> dict[int, set[tuple[Any, Any]]]:
    """Per table (by identity), the (hash, range) keys the transaction names, as moto stores them."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    touched: dict[int, set[tuple[Any, Any]]] = {}
    for entry in transact_items:
        for operation in entry.values():
            table = backend.tables.get(operation.get("TableName")) if isinstance(operation, dict) else None
            if table is None:
                continue
            key = operation.get("Key") or operation.get("Item") or {}
            hash_value = key.get(table.hash_key_attr)
            range_value = key.get(table.range_key_attr) if table.range_key_attr else None
            if hash_value is None:
                continue
            touched.setdefault(id(table), set()).add(
                (DynamoType(hash_value), DynamoType(range_value) if range_value is not None else None)
            )
    return touched


@contextmanager
def _rollback_copies(touched: dict[int, set[tuple[Any, Any]]]) -> Iterator[None]:
    """While active (under the lock), ``copy.deepcopy`` of a table gives a rollback copy, not a full one."""
    from moto.dynamodb.models.table import Table

    def rollback_copy(table: Any, memo: dict[int, Any]) -> Any:
        snapshot = copy.copy(table)
        rows: defaultdict[Any, Any] = defaultdict(dict)
        for hash_value, stored in table.items.items():
            rows[hash_value] = dict(stored) if table.range_key_attr else stored
        for hash_value, range_value in touched.get(id(table), ()):
            if table.range_key_attr:
                if range_value in rows.get(hash_value, {}):
                    rows[hash_value][range_value] = copy.deepcopy(rows[hash_value][range_value], memo)
            elif hash_value in rows:
                rows[hash_value] = copy.deepcopy(rows[hash_value], memo)
        snapshot.items = rows
        return snapshot

    setattr(Table, COPY_HOOK, rollback_copy)
    try:
        yield
    finally:
        delattr(Table, COPY_HOOK)
