"""A model of one DynamoDB table and its global secondary indexes, for counting requests at 100,000 objects.

moto looks at (and sorts) every item of a table on each query and validates every write item by item, so a table of a
few million items (100,000 catalog rows with their customer copies and search postings) would take hours to fill and
minutes per query. This model keeps each partition sorted and answers the calls the catalog makes (``Query``,
``GetItem``, ``BatchGetItem``, ``BatchWriteItem``) with DynamoDB's documented paging: a query reads items in key
order until it has read ``Limit`` items or 1 MB (items sized as DynamoDB sizes them: names plus values), applies the
filter to what it read, and returns ``LastEvaluatedKey`` when it stopped early. That is what request counts depend
on. Filters are the forms the catalog writes: ``a = :v``, ``a <> :v``, ``contains(a, :v)``, joined by AND and OR
with parentheses; anything else raises, so a new filter form cannot be counted wrongly.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from typing import Any

PAGE_BYTES = 1024 * 1024
_TOKEN = re.compile(r"\s*(\(|\)|AND\b|OR\b|contains\(\s*([#\w]+)\s*,\s*(:\w+)\s*\)|([#\w]+)\s*(<>|=)\s*(:\w+))")


def _size(value: dict[str, Any]) -> int:
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return len(inner)
    if kind == "BOOL" or kind == "NULL":
        return 1
    if kind == "L":
        return 3 + sum(1 + _size(element) for element in inner)
    if kind == "M":
        return 3 + sum(1 + len(name) + _size(element) for name, element in inner.items())
    raise ValueError(f"the model does not size {kind} values")


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name) + _size(value) for name, value in item.items())


class _Filter:
    """A parsed filter expression: a tree of AND/OR over comparisons."""

    def __init__(self, expression: str, names: dict[str, str], values: dict[str, Any]) -> None:
        self.names, self.values = names, values
        self.tokens: list[re.Match[str]] = []
        position = 0
        while position < len(expression):
            match = _TOKEN.match(expression, position)
            if match is None:
                raise ValueError(f"the model does not read the filter {expression[position:]!r}")
            self.tokens.append(match)
            position = match.end()
            while position < len(expression) and expression[position].isspace():
                position += 1
        self.at = 0
        self.tree = self._or()

    def _name(self, token: str) -> str:
        return self.names[token] if token.startswith("#") else token

    def _or(self) -> Any:
        parts = [self._and()]
        while self.at < len(self.tokens) and self.tokens[self.at].group(1) == "OR":
            self.at += 1
            parts.append(self._and())
        return ("or", parts)

    def _and(self) -> Any:
        parts = [self._term()]
        while self.at < len(self.tokens) and self.tokens[self.at].group(1) == "AND":
            self.at += 1
            parts.append(self._term())
        return ("and", parts)

    def _term(self) -> Any:
        token = self.tokens[self.at]
        self.at += 1
        if token.group(1) == "(":
            inner = self._or()
            self.at += 1  # ")"
            return inner
        if token.group(2):
            return ("contains", self._name(token.group(2)), self.values[token.group(3)])
        return (token.group(5), self._name(token.group(4)), self.values[token.group(6)])

    def __call__(self, item: dict[str, Any]) -> bool:
        return self._evaluate(self.tree, item)

    def _evaluate(self, node: Any, item: dict[str, Any]) -> bool:
        operator = node[0]
        if operator == "or":
            return any(self._evaluate(part, item) for part in node[1])
        if operator == "and":
            return all(self._evaluate(part, item) for part in node[1])
        value = item.get(node[1])
        if operator == "=":
            return bool(value == node[2])
        if operator == "<>":
            return bool(value != node[2])
        if value is None:
            return False
        if "S" in value:
            return str(node[2]["S"]) in value["S"]
        if "L" in value:
            return node[2] in value["L"]
        return False


class _Partitions:
    """Items grouped by partition key, each group sorted by (sort key, table key) once read."""

    def __init__(self) -> None:
        self.groups: dict[str, list[tuple[tuple[str, ...], dict[str, Any]]]] = defaultdict(list)
        self.orders: dict[str, list[tuple[str, ...]]] = {}
        self.dirty: set[str] = set()

    def add(self, partition: str, order: tuple[str, ...], item: dict[str, Any]) -> None:
        self.groups[partition].append((order, item))
        self.dirty.add(partition)

    def remove(self, partition: str, order: tuple[str, ...]) -> None:
        self.groups[partition] = [entry for entry in self.groups[partition] if entry[0] != order]
        self.dirty.add(partition)

    def sorted(self, partition: str) -> tuple[list[tuple[tuple[str, ...], dict[str, Any]]], list[tuple[str, ...]]]:
        """The partition's entries in key order, and their keys (for bisecting)."""
        if partition in self.dirty or partition not in self.orders:
            self.groups[partition].sort(key=lambda entry: entry[0])
            self.orders[partition] = [entry[0] for entry in self.groups[partition]]
            self.dirty.discard(partition)
        return self.groups.get(partition, []), self.orders[partition]


class TableModel:
    """The low-level client's calls on one table (pk/sk strings), with the indexes of ``create_table_arguments``."""

    def __init__(self, table_name: str, indexes: dict[str, tuple[str, str]]) -> None:
        self.table_name = table_name
        self.indexes = indexes
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        self.table = _Partitions()
        self.index = {name: _Partitions() for name in indexes}
        self.calls: Counter[str] = Counter()
        self._values: dict[str, dict[str, Any]] = {}

    # -- writing -----------------------------------------------------------------------------------------

    def _put(self, written: dict[str, Any]) -> None:
        # Values repeat across millions of items (a status, a partition key): one copy of each is kept.
        item = {name: self._values.setdefault(repr(value), value) for name, value in written.items()}
        key = (item["pk"]["S"], item["sk"]["S"])
        if key in self.items:
            self._delete(key)
        self.items[key] = item
        self.table.add(key[0], (key[1],), item)
        for name, (pk, sk) in self.indexes.items():
            if pk in item and sk in item:
                self.index[name].add(item[pk]["S"], (item[sk]["S"], *key), item)

    def _delete(self, key: tuple[str, str]) -> None:
        item = self.items.pop(key, None)
        if item is None:
            return
        self.table.remove(key[0], (key[1],))
        for name, (pk, sk) in self.indexes.items():
            if pk in item and sk in item:
                self.index[name].remove(item[pk]["S"], (item[sk]["S"], *key))

    def batch_write_item(self, RequestItems: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
        self.calls["BatchWriteItem"] += 1
        for request in RequestItems[self.table_name]:
            if "PutRequest" in request:
                self._put(request["PutRequest"]["Item"])
            else:
                key = request["DeleteRequest"]["Key"]
                self._delete((key["pk"]["S"], key["sk"]["S"]))
        return {"UnprocessedItems": {}}

    # -- reading -----------------------------------------------------------------------------------------

    def get_item(self, TableName: str, Key: dict[str, Any], **_: Any) -> dict[str, Any]:
        self.calls["GetItem"] += 1
        item = self.items.get((Key["pk"]["S"], Key["sk"]["S"]))
        return {"Item": item} if item is not None else {}

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        self.calls["BatchGetItem"] += 1
        keys = RequestItems[self.table_name]["Keys"]
        if len(keys) > 100:
            raise ValueError("BatchGetItem takes at most 100 keys")
        found = [self.items.get((key["pk"]["S"], key["sk"]["S"])) for key in keys]
        return {"Responses": {self.table_name: [item for item in found if item is not None]}, "UnprocessedKeys": {}}

    def query(self, **request: Any) -> dict[str, Any]:
        self.calls["Query"] += 1
        names = request.get("ExpressionAttributeNames", {})
        values = request.get("ExpressionAttributeValues", {})
        index_name = request.get("IndexName")
        pk_name, sk_name = self.indexes[index_name] if index_name else ("pk", "sk")
        condition = re.fullmatch(
            r"(#?\w+) = (:\w+)(?: AND (#?\w+) BETWEEN (:\w+) AND (:\w+))?", request["KeyConditionExpression"]
        )
        if condition is None:
            raise ValueError(f"the model does not read the key condition {request['KeyConditionExpression']!r}")
        if names.get(condition.group(1), condition.group(1)) != pk_name:
            raise ValueError("the key condition must name the partition key first")
        partition = values[condition.group(2)]["S"]
        low, high = ("", "\U0010ffff")
        if condition.group(3):
            low, high = values[condition.group(4)]["S"], values[condition.group(5)]["S"]
        entries, orders = (self.index[index_name] if index_name else self.table).sorted(partition)
        forward = request.get("ScanIndexForward", True)
        start = request.get("ExclusiveStartKey")
        if forward:
            position = bisect.bisect_left(orders, (low,))
            if start is not None:
                position = max(position, bisect.bisect_right(orders, self._order(start, index_name)))
            step, stop = 1, bisect.bisect_right(orders, (high, "\U0010ffff", "\U0010ffff"))
        else:
            position = bisect.bisect_right(orders, (high, "\U0010ffff", "\U0010ffff")) - 1
            if start is not None:
                position = min(position, bisect.bisect_left(orders, self._order(start, index_name)) - 1)
            step, stop = -1, bisect.bisect_left(orders, (low,)) - 1
        keep = _Filter(request["FilterExpression"], names, values) if "FilterExpression" in request else None
        limit = request.get("Limit")
        read = size = 0
        items: list[dict[str, Any]] = []
        last: dict[str, Any] | None = None
        while position != stop:
            item = entries[position][1]
            read += 1
            size += item_size(item)
            if keep is None or keep(item):
                items.append(item)
            position += step
            if (limit is not None and read >= limit) or size >= PAGE_BYTES:
                if position != stop:
                    last = {name: item[name] for name in {"pk", "sk", pk_name, sk_name}}
                break
        response: dict[str, Any] = {"Items": items, "Count": len(items), "ScannedCount": read}
        if last is not None:
            response["LastEvaluatedKey"] = last
        return response

    def _order(self, key: dict[str, Any], index_name: str | None) -> tuple[str, ...]:
        if index_name is None:
            return (key["sk"]["S"],)
        return (key[self.indexes[index_name][1]]["S"], key["pk"]["S"], key["sk"]["S"])
