"""The replay cache: each assertion ID signs someone in once, at every edge location.

A conditional put in the one DynamoDB table (``pk=SAML#<assertion id>``, ``sk=REPLAY``) with an ``expires_at``
TTL. A row whose TTL has passed but that DynamoDB has not removed yet does not block: by then the assertion
itself has expired and fails validation anyway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from ccm.aws.clients import error_code

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

SORT_KEY_VALUE = "REPLAY"


class ReplayCacheUnavailable(Exception):
    """The replay cache could not be asked; signing in without it would allow replays, so sign-in waits."""


class ReplayCache(Protocol):
    def first_use(self, assertion_id: str, expires_at: int, now: int) -> bool:
        """Record ``assertion_id`` until ``expires_at``; False when it was already used."""
        ...


def replay_key(assertion_id: str) -> str:
    return f"SAML#{assertion_id}"


class DynamoReplayCache:
    def __init__(self, table: str, client: DynamoDBClient) -> None:
        self.table = table
        self.client = client

    def first_use(self, assertion_id: str, expires_at: int, now: int) -> bool:
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": replay_key(assertion_id)},
                    "sk": {"S": SORT_KEY_VALUE},
                    "expires_at": {"N": str(expires_at)},
                    "used_at": {"N": str(now)},
                },
                ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise ReplayCacheUnavailable(f"DynamoDB refused the replay check: {error_code(error)}") from error
        except BotoCoreError as error:
            raise ReplayCacheUnavailable(f"DynamoDB could not be reached for the replay check: {error}") from error
        return True


class MemoryReplayCache:
    """The same contract in memory, for tests and benchmarks."""

    def __init__(self) -> None:
        self.entries: dict[str, int] = {}

    def first_use(self, assertion_id: str, expires_at: int, now: int) -> bool:
        if self.entries.get(assertion_id, 0) >= now:
            return False
        self.entries[assertion_id] = expires_at
        return True
