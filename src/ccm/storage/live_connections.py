"""The live portal's open WebSocket connections, and the claims that publish each event once.

Rows on the one table, no index:

* ``pk = LIVE#CONNECTIONS``, ``sk = <connection id>``: ``email``, ``groups`` (a list), ``session_ends`` (epoch
  seconds: the connection is closed then), ``connected_at`` and ``expires_at`` (the table's TTL, a day later, so a
  connection whose ``$disconnect`` never ran does not stay forever). Fan-out reads them with one Query, paged to
  the end; every signed-in user of one portal is a few thousand rows at most.
* ``pk = LIVE#EVENT#<object id>``, ``sk = v<version>#<event>``: the claim that the event was published (TTL a
  week): an archive write the audit queue delivers twice publishes its events once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import ClientError

from ccm.aws.clients import error_code
from ccm.storage.dynamo import LazyDynamoDB
from ccm.storage.table import PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import QueryInputTypeDef

CONNECTIONS_PARTITION = "LIVE#CONNECTIONS"
EVENT_CLAIM_PREFIX = "LIVE#EVENT#"
CONNECTION_TTL_SECONDS = 24 * 3600
CLAIM_TTL_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class LiveConnection:
    connection_id: str
    email: str
    groups: tuple[str, ...]
    session_ends: int
    connected_at: int


class LiveConnections(Protocol):
    def add(self, connection: LiveConnection) -> None: ...

    def remove(self, connection_id: str) -> None: ...

    def all(self) -> Iterator[LiveConnection]:
        """Every open connection, read to the end."""
        ...

    def claim_event(self, object_id: str, version: int, event: str, now: int) -> bool:
        """``True`` for the first caller for this event, ``False`` ever after."""
        ...


class DynamoLiveConnections:
    def __init__(self, table_name: str, dynamodb: DynamoDBClient | None = None) -> None:
        self.table_name = table_name
        self._ddb = dynamodb

    ddb = LazyDynamoDB()

    def add(self, connection: LiveConnection) -> None:
        self.ddb.put_item(
            TableName=self.table_name,
            Item={
                PARTITION_KEY: {"S": CONNECTIONS_PARTITION},
                SORT_KEY: {"S": connection.connection_id},
                "email": {"S": connection.email},
                "groups": {"L": [{"S": group} for group in connection.groups]},
                "session_ends": {"N": str(connection.session_ends)},
                "connected_at": {"N": str(connection.connected_at)},
                TTL_ATTRIBUTE: {"N": str(connection.connected_at + CONNECTION_TTL_SECONDS)},
            },
        )

    def remove(self, connection_id: str) -> None:
        self.ddb.delete_item(
            TableName=self.table_name,
            Key={PARTITION_KEY: {"S": CONNECTIONS_PARTITION}, SORT_KEY: {"S": connection_id}},
        )

    def all(self) -> Iterator[LiveConnection]:
        query: QueryInputTypeDef = {
            "TableName": self.table_name,
            "KeyConditionExpression": f"{PARTITION_KEY} = :pk",
            "ExpressionAttributeValues": {":pk": {"S": CONNECTIONS_PARTITION}},
        }
        while True:
            page = self.ddb.query(**query)
            for item in page.get("Items", []):
                yield LiveConnection(
                    connection_id=item[SORT_KEY]["S"],
                    email=item["email"]["S"],
                    groups=tuple(group["S"] for group in item.get("groups", {}).get("L", [])),
                    session_ends=int(item["session_ends"]["N"]),
                    connected_at=int(item["connected_at"]["N"]),
                )
            last = page.get("LastEvaluatedKey")
            if not last:
                return
            query["ExclusiveStartKey"] = last

    def claim_event(self, object_id: str, version: int, event: str, now: int) -> bool:
        try:
            self.ddb.put_item(
                TableName=self.table_name,
                Item={
                    PARTITION_KEY: {"S": f"{EVENT_CLAIM_PREFIX}{object_id}"},
                    SORT_KEY: {"S": f"v{version}#{event}"},
                    TTL_ATTRIBUTE: {"N": str(now + CLAIM_TTL_SECONDS)},
                },
                ConditionExpression=f"attribute_not_exists({PARTITION_KEY})",
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True


@dataclass
class InMemoryLiveConnections:
    connections: dict[str, LiveConnection] = field(default_factory=dict)
    claims: set[tuple[str, int, str]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, connection: LiveConnection) -> None:
        with self._lock:
            self.connections[connection.connection_id] = connection

    def remove(self, connection_id: str) -> None:
        with self._lock:
            self.connections.pop(connection_id, None)

    def all(self) -> Iterator[LiveConnection]:
        with self._lock:
            current: Iterable[LiveConnection] = list(self.connections.values())
        yield from current

    def claim_event(self, object_id: str, version: int, event: str, now: int) -> bool:
        with self._lock:
            if (object_id, version, event) in self.claims:
                return False
            self.claims.add((object_id, version, event))
            return True
