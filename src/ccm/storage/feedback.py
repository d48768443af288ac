"""Customers' answers to the rating links of completion emails, and the key that signs those links.

Answers live in the one table, never in the archive object (an answer must not bump the object's version or ETag):
``pk = FEEDBACK#<object id>``, ``sk = <customer>#<recipient hash>``, one item per recipient, overwritten when the
recipient sends again. The same item sits in the shared ``by_group`` index under ``group_pk =
FEEDBACKMONTH#<yyyy-mm>`` (the month it was answered, UTC), ``group_sk = <answered at>#<customer>#<object
id>#<recipient hash>``: the answers of the last 90 days, of every customer or of one, are four Queries whatever the
number of customers (a partition per customer would cost the dashboard one Query per customer, a thousand in a large
deployment). The address is kept only when configuration asks for it.

The signing keys: ``pk = FEEDBACKKEY``, ``sk = CURRENT``, the current key and the one before it. The first reader
creates them (the first writer wins); ``ccm feedback rotate-key`` makes a new current key and keeps the old one as
the previous, so links already mailed keep working.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError

from ccm.aws.clients import error_code
from ccm.domain.feedback import Answer, FeedbackKey, FeedbackKeys
from ccm.domain.times import utc_now
from ccm.storage.dynamo import LazyDynamoDB, from_item, to_item
from ccm.storage.table import PARTITION_KEY, SORT_KEY
from ccm.storage.window_index import months_touched

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

FEEDBACK_PREFIX = "FEEDBACK#"
BY_MONTH_PREFIX = "FEEDBACKMONTH#"
KEYS_PARTITION = "FEEDBACKKEY"
QUERY_PAGE_SIZE = 500


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _answer(document: dict[str, Any]) -> Answer:
    return Answer(
        object_id=str(document["object_id"]),
        kind=str(document.get("kind") or ""),
        version=int(document.get("version") or 0),
        customer_code=str(document["customer_code"]),
        recipient_hash=str(document["recipient_hash"]),
        rating=int(document["rating"]),
        comment=str(document.get("comment") or ""),
        answered_at=datetime.fromisoformat(str(document["answered_at"])),
        first_answered_at=datetime.fromisoformat(str(document.get("first_answered_at") or document["answered_at"])),
        title=str(document.get("title") or ""),
        recipient=str(document["recipient"]) if document.get("recipient") else None,
        revision=int(document.get("revision") or 1),
    )


class FeedbackStore(Protocol):
    def record(self, answer: Answer) -> Answer:
        """Store the recipient's answer (replacing an earlier one); the stored answer, first answer time and
        revision counted."""
        ...

    def for_object(self, object_id: str) -> list[Answer]: ...

    def between(self, since: datetime, until: datetime, customer_code: str | None = None) -> list[Answer]:
        """The answers given in ``[since, until)``, of one customer or of all, newest first."""
        ...


class FeedbackKeyStore(Protocol):
    def keys(self) -> FeedbackKeys:
        """The keys, created now if there are none yet (what signs)."""
        ...

    def existing(self) -> FeedbackKeys | None:
        """The keys if there are any (what verifies: a public GET never writes)."""
        ...

    def rotate(self) -> FeedbackKeys: ...


class DynamoFeedback:
    def __init__(self, table_name: str, dynamodb: DynamoDBClient | None = None) -> None:
        self.table_name = table_name
        self._ddb = dynamodb
        self._lock = threading.Lock()

    ddb = LazyDynamoDB()

    def record(self, answer: Answer) -> Answer:
        answered = _iso(answer.answered_at)
        values: dict[str, Any] = {
            "object_id": answer.object_id,
            "kind": answer.kind,
            "version": answer.version,
            "customer_code": answer.customer_code,
            "recipient_hash": answer.recipient_hash,
            "rating": answer.rating,
            "comment": answer.comment,
            "title": answer.title,
            "answered_at": answered,
            "group_pk": f"{BY_MONTH_PREFIX}{answered[:7]}",
            "group_sk": f"{answered}#{answer.customer_code}#{answer.object_id}#{answer.recipient_hash}",
        }
        if answer.recipient is not None:
            values["recipient"] = answer.recipient
        names = {f"#a{n}": name for n, name in enumerate(values)}
        attributes = {f":a{n}": value for n, value in enumerate(to_item(values).values())}
        assignments = [f"#a{n} = :a{n}" for n in range(len(values))]
        assignments.append("first_answered_at = if_not_exists(first_answered_at, :now)")
        assignments.append("revision = if_not_exists(revision, :zero) + :one")
        expression = "SET " + ", ".join(assignments)
        if answer.recipient is None:
            # Configuration may have stopped keeping addresses since this recipient's first answer.
            expression += " REMOVE recipient"
        response = self.ddb.update_item(
            TableName=self.table_name,
            Key={
                PARTITION_KEY: {"S": f"{FEEDBACK_PREFIX}{answer.object_id}"},
                SORT_KEY: {"S": f"{answer.customer_code}#{answer.recipient_hash}"},
            },
            UpdateExpression=expression,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={
                **attributes,
                ":now": {"S": answered},
                ":zero": {"N": "0"},
                ":one": {"N": "1"},
            },
            ReturnValues="ALL_NEW",
        )
        return _answer(from_item(response["Attributes"]))

    def _query(self, **arguments: Any) -> Iterator[Answer]:
        paginator = self.ddb.get_paginator("query")
        for page in paginator.paginate(
            TableName=self.table_name, PaginationConfig={"PageSize": QUERY_PAGE_SIZE}, **arguments
        ):
            for item in page.get("Items", []):
                yield _answer(from_item(item))

    def for_object(self, object_id: str) -> list[Answer]:
        return list(
            self._query(
                KeyConditionExpression="#pk = :pk",
                ExpressionAttributeNames={"#pk": PARTITION_KEY},
                ExpressionAttributeValues={":pk": {"S": f"{FEEDBACK_PREFIX}{object_id}"}},
            )
        )

    def between(self, since: datetime, until: datetime, customer_code: str | None = None) -> list[Answer]:
        found: list[Answer] = []
        for month in reversed(months_touched(since, until)):
            arguments: dict[str, Any] = {
                "IndexName": "by_group",
                "ScanIndexForward": False,
                "KeyConditionExpression": "group_pk = :pk AND group_sk BETWEEN :since AND :until",
                "ExpressionAttributeValues": {
                    ":pk": {"S": f"{BY_MONTH_PREFIX}{month}"},
                    ":since": {"S": _iso(since)},
                    ":until": {"S": _iso(until)},
                },
            }
            if customer_code is not None:
                arguments["FilterExpression"] = "customer_code = :customer"
                arguments["ExpressionAttributeValues"][":customer"] = {"S": customer_code}
            found.extend(answer for answer in self._query(**arguments) if _in_range(answer, since, until))
        return found


def _in_range(answer: Answer, since: datetime, until: datetime) -> bool:
    return since <= answer.answered_at < until


@dataclass
class InMemoryFeedback:
    answers: dict[tuple[str, str, str], Answer] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, answer: Answer) -> Answer:
        key = (answer.object_id, answer.customer_code, answer.recipient_hash)
        with self._lock:
            earlier = self.answers.get(key)
            stored = replace(
                answer,
                answered_at=answer.answered_at.replace(microsecond=0),
                first_answered_at=earlier.first_answered_at if earlier else answer.answered_at.replace(microsecond=0),
                revision=earlier.revision + 1 if earlier else 1,
            )
            self.answers[key] = stored
            return stored

    def for_object(self, object_id: str) -> list[Answer]:
        with self._lock:
            return sorted(
                (a for a in self.answers.values() if a.object_id == object_id),
                key=lambda a: (a.customer_code, a.recipient_hash),
            )

    def between(self, since: datetime, until: datetime, customer_code: str | None = None) -> list[Answer]:
        with self._lock:
            found = [
                a
                for a in self.answers.values()
                if customer_code in (None, a.customer_code) and _in_range(a, since, until)
            ]
        return sorted(
            found, key=lambda a: (a.answered_at, a.customer_code, a.object_id, a.recipient_hash), reverse=True
        )


def _key_document(key: FeedbackKey) -> dict[str, str]:
    return {"id": key.key_id, "secret": base64.urlsafe_b64encode(key.secret).decode("ascii")}


def _key_from(document: Any) -> FeedbackKey:
    return FeedbackKey(str(document["id"]), base64.urlsafe_b64decode(str(document["secret"])))


class DynamoFeedbackKeys:
    def __init__(
        self, table_name: str, dynamodb: DynamoDBClient | None = None, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.feedback = DynamoFeedback(table_name, dynamodb)
        self.clock = clock

    @property
    def ddb(self) -> DynamoDBClient:
        return self.feedback.ddb

    @property
    def _key(self) -> dict[str, dict[str, str]]:
        return {PARTITION_KEY: {"S": KEYS_PARTITION}, SORT_KEY: {"S": "CURRENT"}}

    def _read(self) -> FeedbackKeys | None:
        item = self.ddb.get_item(TableName=self.feedback.table_name, Key=self._key, ConsistentRead=True).get("Item")
        if not item:
            return None
        document = from_item(item)
        previous = document.get("previous")
        return FeedbackKeys(current=_key_from(document["current"]), previous=_key_from(previous) if previous else None)

    def _write(self, keys: FeedbackKeys, *, only_if_absent: bool) -> None:
        values: dict[str, Any] = {"current": _key_document(keys.current)}
        if keys.previous is not None:
            values["previous"] = _key_document(keys.previous)
        item = {**self._key, **to_item(values)}
        if only_if_absent:
            self.ddb.put_item(
                TableName=self.feedback.table_name,
                Item=item,
                ConditionExpression=f"attribute_not_exists({PARTITION_KEY})",
            )
        else:
            self.ddb.put_item(TableName=self.feedback.table_name, Item=item)

    def existing(self) -> FeedbackKeys | None:
        return self._read()

    def keys(self) -> FeedbackKeys:
        found = self._read()
        if found is not None:
            return found
        made = FeedbackKeys(current=FeedbackKey.generate(self.clock()))
        try:
            self._write(made, only_if_absent=True)
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            # Another process made them at the same moment: theirs sign from now on.
            again = self._read()
            assert again is not None
            return again
        return made

    def rotate(self) -> FeedbackKeys:
        rotated = self.keys().rotated(self.clock())
        self._write(rotated, only_if_absent=False)
        return rotated


@dataclass
class InMemoryFeedbackKeys:
    clock: Callable[[], datetime] = utc_now
    current: FeedbackKeys | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def existing(self) -> FeedbackKeys | None:
        with self._lock:
            return self.current

    def keys(self) -> FeedbackKeys:
        with self._lock:
            if self.current is None:
                self.current = FeedbackKeys(current=FeedbackKey.generate(self.clock()))
            return self.current

    def rotate(self) -> FeedbackKeys:
        rotated = self.keys().rotated(self.clock())
        with self._lock:
            self.current = rotated
        return rotated
