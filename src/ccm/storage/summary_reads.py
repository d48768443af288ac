"""The catalog's summary rows of given objects by ``BatchGetItem``: what a list shows of the ids an index found.

DynamoDB takes at most 100 keys per request and may leave some unread when throttled (``UnprocessedKeys``); those
are asked for again with backoff until none are left.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from ccm.storage.table import PARTITION_KEY, SORT_KEY

BATCH_GET = 100
"""DynamoDB's limit of keys in one BatchGetItem."""


def summary_key(object_id: str) -> dict[str, Any]:
    return {PARTITION_KEY: {"S": f"OBJ#{object_id}"}, SORT_KEY: {"S": "SUMMARY"}}


def summary_items(ddb: Any, table_name: str, ids: Sequence[str], *, consistent: bool = False) -> dict[str, Any]:
    """The summary rows (attribute values) of ``ids`` that exist, by id."""
    unique = list(dict.fromkeys(ids))
    found: dict[str, Any] = {}
    for start in range(0, len(unique), BATCH_GET):
        request: Any = {
            table_name: {
                "Keys": [summary_key(object_id) for object_id in unique[start : start + BATCH_GET]],
                "ConsistentRead": consistent,
            }
        }
        delay = 0.05
        while request:
            response = ddb.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(table_name, []):
                found[item["id"]["S"]] = item
            request = response.get("UnprocessedKeys") or None
            if request:
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
    return found
