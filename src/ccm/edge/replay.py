"""Once-only records of sign-in, at every edge location: each assertion signs someone in once, and each login
request is answered once.

A conditional put in the one DynamoDB table with an ``expires_at`` TTL: ``pk=SAML#<assertion id>, sk=REPLAY`` for
an assertion, ``pk=SAML#<login request id>, sk=ANSWERED`` for the AuthnRequest it answers (the browser keeps its
pending requests in a cookie that can be sent again, so only the table can say a request was already answered).
Both keys start with ``SAML#``, the only rows the SAML handler's role may write. A row whose TTL has passed but
that DynamoDB has not removed yet does not block: by then what it records has expired and fails validation anyway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from ccm.aws.clients import error_code

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SORT_KEY_VALUE = "REPLAY"
ANSWERED_REQUEST_SORT_KEY = "ANSWERED"


class ReplayCacheUnavailable(Exception):
    """The table could not be asked; signing in without it would allow replays, so sign-in waits."""


class ReplayCache(Protocol):
    def first_use(self, assertion_id: str, expires_at: int, now: int) -> bool:
        """Record ``assertion_id`` until ``expires_at``; False when it was already used."""
        ...

    def first_answer(self, request_id: str, expires_at: int, now: int) -> bool:
        """Record that login request ``request_id`` is answered, until ``expires_at``; False when it already was."""
        ...


def replay_key(assertion_id: str) -> str:
    return f"SAML#{assertion_id}"


class DynamoReplayCache:
    def __init__(self, table: str, client: DynamoDBClient) -> None:
        self.table = table
        self.client = client

    def first_use(self, assertion_id: str, expires_at: int, now: int) -> bool:
        return self._first(replay_key(assertion_id), SORT_KEY_VALUE, expires_at, now, "replay check")

    def first_answer(self, request_id: str, expires_at: int, now: int) -> bool:
        return self._first(replay_key(request_id), ANSWERED_REQUEST_SORT_KEY, expires_at, now, "login request check")

    def _first(self, pk: str, sk: str, expires_at: int, now: int, check: str) -> bool:
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": pk},
                    "sk": {"S": sk},
                    "expires_at": {"N": str(expires_at)},
                    "used_at": {"N": str(now)},
                },
                ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise ReplayCacheUnavailable(f"DynamoDB refused the {check}: {error_code(error)}") from error
        except BotoCoreError as error:
            raise ReplayCacheUnavailable(f"DynamoDB could not be reached for the {check}: {error}") from error
        return True


class MemoryReplayCache:
    """The same contract in memory, for tests and benchmarks."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], int] = {}

    def first_use(self, assertion_id: str, expires_at: int, now: int) -> bool:
        return self._first((SORT_KEY_VALUE, assertion_id), expires_at, now)

    def first_answer(self, request_id: str, expires_at: int, now: int) -> bool:
        return self._first((ANSWERED_REQUEST_SORT_KEY, request_id), expires_at, now)

    def _first(self, key: tuple[str, str], expires_at: int, now: int) -> bool:
        if self.entries.get(key, 0) >= now:
            return False
        self.entries[key] = expires_at
        return True
