"""Which DynamoDB rows a piece of code writes: every item of every write call, recorded from botocore's events.

Shared by the catalog's tests and bench/catalog_writes.py. A call is recorded as it is made, so the items of a
``BatchWriteItem`` sent again (``UnprocessedItems``) count again: they are written again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

WRITE_OPERATIONS = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")


def _key(item: dict[str, Any]) -> tuple[str, str]:
    return str(item["pk"]["S"]), str(item["sk"]["S"])


def _written(operation: str, params: dict[str, Any]) -> Iterator[tuple[str, str]]:
    if operation in ("PutItem",):
        yield _key(params["Item"])
    elif operation in ("UpdateItem", "DeleteItem"):
        yield _key(params["Key"])
    elif operation == "BatchWriteItem":
        for requests in params["RequestItems"].values():
            for request in requests:
                if "PutRequest" in request:
                    yield _key(request["PutRequest"]["Item"])
                else:
                    yield _key(request["DeleteRequest"]["Key"])
    else:
        for entry in params["TransactItems"]:
            action = next(iter(entry.values()))
            if "ConditionCheck" not in entry:
                yield _key(action.get("Item") or action["Key"])


@dataclass
class WrittenRows:
    """The keys (``pk``, ``sk``) written, one entry per item written, and the read calls, by operation."""

    rows: list[tuple[str, str]] = field(default_factory=list)
    reads: dict[str, int] = field(default_factory=dict)

    def attach(self, client: Any) -> Any:
        client.meta.events.register("before-parameter-build.dynamodb", self._record)
        return client

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in WRITE_OPERATIONS:
            self.rows.extend(_written(model.name, params))
        else:
            self.reads[model.name] = self.reads.get(model.name, 0) + 1

    def clear(self) -> None:
        self.rows.clear()
        self.reads.clear()

    def of(self, sort_key_prefix: str) -> list[tuple[str, str]]:
        return [row for row in self.rows if row[1].startswith(sort_key_prefix)]

    @property
    def read_requests(self) -> int:
        return sum(self.reads.values())
