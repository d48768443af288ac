"""The reports' monthly sums and each change's facts, in the one table.

Rows (README "Audit and reports"):

* ``pk = REPORTFACT#<change id>``, ``sk = <scope>``: what the change last contributed to its month in that scope
  (``*`` or a customer code), with ``rev`` counting its rewrites. A change with a notice lead time also carries
  ``group_pk = NOTICE#<scope>#<month>`` and ``group_sk = <offset minutes>#<id>`` for the shared ``by_group``
  index, so the changes with less notice than the minimum are one query per month, in order of their notice.
* ``pk = REPORT#<YYYY-MM>``, ``sk = <scope>``: the month's counters (:func:`ccm.domain.reports.contributions`).

A change's facts and its months' counters move together in one transaction, conditional on the fact row being
the one that was read: a redelivered or concurrent refresh either finds nothing to do or re-reads and tries
again, so no contribution is ever counted twice or lost. A 12-month report reads 12 counter rows (one
``BatchGetItem``) and queries 12 notice partitions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ccm.aws.clients import error_code
from ccm.domain.reports import ChangeFacts, month_deltas
from ccm.errors import CcmError
from ccm.storage.dynamo import LazyDynamoDB
from ccm.storage.table import PARTITION_KEY, SORT_KEY

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

logger = logging.getLogger(__name__)

FACT_PREFIX = "REPORTFACT#"
MONTH_PREFIX = "REPORT#"
NOTICE_PREFIX = "NOTICE#"
NOTICE_OFFSET = 10**9
"""Added to notice minutes in the index's sort key, so that negative notice (emailed after the start) sorts first."""
BATCH_GET_LIMIT = 100


class StaleFacts(CcmError):
    """Someone else rewrote a change's facts since they were read: read again and recompute."""


def notice_sort_key(minutes: int, object_id: str) -> str:
    return f"{minutes + NOTICE_OFFSET:012d}#{object_id}"


def _number(value: Mapping[str, Any]) -> int:
    return int(value["N"])


def _plain(value: Any) -> dict[str, Any]:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int):
        return {"N": str(value)}
    if isinstance(value, list):
        return {"L": [_plain(item) for item in value]}
    return {"S": str(value)}


def _python(value: Mapping[str, Any]) -> Any:
    if "N" in value:
        return int(value["N"])
    if "S" in value:
        return value["S"]
    if "L" in value:
        return [_python(item) for item in value["L"]]
    if "BOOL" in value:
        return value["BOOL"]
    return None


class ReportStore:
    def __init__(self, table_name: str, dynamodb: DynamoDBClient | None = None) -> None:
        self.table_name = table_name
        self._ddb = dynamodb

    ddb = LazyDynamoDB()

    # -- keeping the sums ---------------------------------------------------------------------------------

    def facts(self, object_id: str) -> dict[str, tuple[ChangeFacts, int]]:
        """The facts last recorded for a change, by scope, with each row's revision."""
        found: dict[str, tuple[ChangeFacts, int]] = {}
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"{FACT_PREFIX}{object_id}"}},
            "ConsistentRead": True,
        }
        while True:
            response = self.ddb.query(**request)
            for item in response.get("Items", []):
                plain = {name: _python(value) for name, value in item.items()}
                found[str(plain[SORT_KEY])] = (ChangeFacts.from_item(plain), int(plain.get("rev") or 0))
            last = response.get("LastEvaluatedKey")
            if not last:
                return found
            request["ExclusiveStartKey"] = last

    def replace(self, scope: str, before: ChangeFacts | None, revision: int, after: ChangeFacts | None) -> None:
        """Move one scope of a change from ``before`` (at ``revision``, 0 when there was none) to ``after``, with
        its months' counters; :class:`StaleFacts` when the fact row is no longer the one read."""
        subject = after or before
        if subject is None:
            return
        key = {PARTITION_KEY: {"S": f"{FACT_PREFIX}{subject.object_id}"}, SORT_KEY: {"S": scope}}
        items: list[dict[str, Any]] = []
        guard = (
            {"ConditionExpression": "attribute_not_exists(pk)"}
            if revision == 0
            else {"ConditionExpression": "rev = :rev", "ExpressionAttributeValues": {":rev": {"N": str(revision)}}}
        )
        if after is None:
            items.append({"Delete": {"TableName": self.table_name, "Key": key, **guard}})
        else:
            row: dict[str, Any] = {**key, "rev": {"N": str(revision + 1)}}
            row.update({name: _plain(value) for name, value in after.to_item().items()})
            if after.notice_lead_minutes is not None:
                row["group_pk"] = {"S": f"{NOTICE_PREFIX}{scope}#{after.month}"}
                row["group_sk"] = {"S": notice_sort_key(after.notice_lead_minutes, after.object_id)}
            items.append({"Put": {"TableName": self.table_name, "Item": row, **guard}})
        for month, counters in month_deltas(before, after).items():
            items.append({"Update": self._month_update(month, scope, counters)})
        try:
            self.ddb.transact_write_items(TransactItems=items)  # type: ignore[arg-type]
        except ClientError as error:
            if error_code(error) == "TransactionCanceledException":
                reasons = error.response.get("CancellationReasons", [])
                if not reasons or any(r.get("Code") == "ConditionalCheckFailed" for r in reasons):
                    raise StaleFacts(f"the report facts of {subject.object_id} ({scope}) changed meanwhile") from None
            raise

    def _month_update(self, month: str, scope: str, counters: dict[str, int]) -> dict[str, Any]:
        names: dict[str, str] = {}
        values: dict[str, Any] = {}
        parts: list[str] = []
        for index, (name, count) in enumerate(sorted(counters.items())):
            names[f"#a{index}"] = name
            values[f":v{index}"] = {"N": str(count)}
            parts.append(f"#a{index} :v{index}")
        return {
            "TableName": self.table_name,
            "Key": {PARTITION_KEY: {"S": f"{MONTH_PREFIX}{month}"}, SORT_KEY: {"S": scope}},
            "UpdateExpression": "ADD " + ", ".join(parts),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    # -- reading them -------------------------------------------------------------------------------------

    def months(self, scope: str, months: Iterable[str]) -> dict[str, dict[str, int]]:
        """The counters of ``scope`` for each month (empty for a month without changes)."""
        wanted = list(dict.fromkeys(months))
        sums: dict[str, dict[str, int]] = {month: {} for month in wanted}
        for start in range(0, len(wanted), BATCH_GET_LIMIT):
            keys: list[dict[str, Any]] = [
                {PARTITION_KEY: {"S": f"{MONTH_PREFIX}{month}"}, SORT_KEY: {"S": scope}}
                for month in wanted[start : start + BATCH_GET_LIMIT]
            ]
            pending: dict[str, Any] = {self.table_name: {"Keys": keys}}
            while pending:
                response = self.ddb.batch_get_item(RequestItems=pending)
                for item in response.get("Responses", {}).get(self.table_name, []):
                    month = item[PARTITION_KEY]["S"].removeprefix(MONTH_PREFIX)
                    sums[month] = {
                        name: _number(value)
                        for name, value in item.items()
                        if name not in (PARTITION_KEY, SORT_KEY) and "N" in value
                    }
                pending = dict(response.get("UnprocessedKeys") or {})
        return sums

    def below_notice(self, scope: str, month: str, minimum_minutes: int, limit: int) -> list[ChangeFacts]:
        """The ``limit`` changes of ``month`` in ``scope`` with the least notice, of those whose notice was shorter
        than ``minimum_minutes``, least first (the index keeps them in that order, so no more are read)."""
        found: list[ChangeFacts] = []
        request: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": "by_group",
            "KeyConditionExpression": "group_pk = :pk AND group_sk < :below",
            "ExpressionAttributeValues": {
                ":pk": {"S": f"{NOTICE_PREFIX}{scope}#{month}"},
                ":below": {"S": notice_sort_key(minimum_minutes, "")},
            },
        }
        while len(found) < limit:
            request["Limit"] = limit - len(found)
            response = self.ddb.query(**request)
            for item in response.get("Items", []):
                found.append(ChangeFacts.from_item({name: _python(value) for name, value in item.items()}))
            last = response.get("LastEvaluatedKey")
            if not last:
                break
            request["ExclusiveStartKey"] = last
        return found[:limit]
