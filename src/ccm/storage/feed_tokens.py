"""The secret in each customer's feed address (``/feeds/<customer>/<token>.ics``).

A random token per customer, never derived from the code, kept in the one table: ``pk = FEEDTOKEN#<code>``,
``sk = CURRENT``, ``token``, ``issued_at``. Issuing is idempotent (the first writer wins, everyone else reads its
token); rotating replaces it, so the old address answers 404 from then on. Tokens are compared in constant time.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import ClientError

from ccm.aws.clients import error_code
from ccm.domain.times import format_rfc3339, utc_now
from ccm.storage.dynamo import LazyDynamoDB
from ccm.storage.table import PARTITION_KEY, SORT_KEY

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

FEED_TOKEN_PREFIX = "FEEDTOKEN#"
TOKEN_BYTES = 32
_DECOY = secrets.token_urlsafe(TOKEN_BYTES)
"""Compared against when a customer has no token, so an unknown customer costs what a wrong token costs."""


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_matches(given: str, stored: str | None) -> bool:
    """Constant-time comparison; ``False`` when there is no stored token (after the same amount of work)."""
    expected = stored if stored is not None else _DECOY
    matched = hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
    return matched and stored is not None


class FeedTokens(Protocol):
    def current(self, code: str) -> str | None:
        """The customer's token, ``None`` if none was ever issued."""
        ...

    def issue(self, code: str) -> str:
        """The customer's token, made now if there is none yet."""
        ...

    def rotate(self, code: str) -> str:
        """A new token for the customer; the old one stops working."""
        ...


def _key(code: str) -> dict[str, dict[str, str]]:
    return {PARTITION_KEY: {"S": f"{FEED_TOKEN_PREFIX}{code}"}, SORT_KEY: {"S": "CURRENT"}}


class DynamoFeedTokens:
    def __init__(
        self, table_name: str, dynamodb: DynamoDBClient | None = None, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.table_name = table_name
        self._ddb = dynamodb
        self.clock = clock

    ddb = LazyDynamoDB()

    def current(self, code: str) -> str | None:
        item = self.ddb.get_item(TableName=self.table_name, Key=_key(code), ConsistentRead=True).get("Item")
        return item["token"]["S"] if item and "token" in item else None

    def _put(self, code: str, token: str, *, only_if_absent: bool) -> None:
        item = {**_key(code), "token": {"S": token}, "issued_at": {"S": format_rfc3339(self.clock())}}
        if only_if_absent:
            self.ddb.put_item(
                TableName=self.table_name, Item=item, ConditionExpression=f"attribute_not_exists({PARTITION_KEY})"
            )
        else:
            self.ddb.put_item(TableName=self.table_name, Item=item)

    def issue(self, code: str) -> str:
        existing = self.current(code)
        if existing is not None:
            return existing
        token = new_token()
        try:
            self._put(code, token, only_if_absent=True)
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            # Someone issued one at the same moment: theirs is the customer's token.
            found = self.current(code)
            assert found is not None
            return found
        return token

    def rotate(self, code: str) -> str:
        token = new_token()
        self._put(code, token, only_if_absent=False)
        return token


@dataclass
class InMemoryFeedTokens:
    tokens: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def current(self, code: str) -> str | None:
        return self.tokens.get(code)

    def issue(self, code: str) -> str:
        with self._lock:
            return self.tokens.setdefault(code, new_token())

    def rotate(self, code: str) -> str:
        with self._lock:
            self.tokens[code] = new_token()
            return self.tokens[code]
