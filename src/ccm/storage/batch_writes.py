"""DynamoDB ``BatchWriteItem`` for any number of requests: 25 at a time, unprocessed items sent again with backoff."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

BATCH_SIZE = 25
"""DynamoDB's limit of requests per ``BatchWriteItem`` call."""


def write_in_batches(ddb: Any, table_name: str, requests: Iterable[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for request in requests:
        batch.append(request)
        if len(batch) == BATCH_SIZE:
            _flush(ddb, table_name, batch)
            batch = []
    if batch:
        _flush(ddb, table_name, batch)


def _flush(ddb: Any, table_name: str, batch: list[dict[str, Any]]) -> None:
    # Throttled writes come back as UnprocessedItems rather than an error: send those again until none are left.
    pending: Any = {table_name: batch}
    delay = 0.05
    while pending:
        response = ddb.batch_write_item(RequestItems=pending)
        pending = response.get("UnprocessedItems") or None
        if pending:
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
