"""The way to a connected browser: API Gateway's management API (``POST``/``DELETE /@connections/{id}``).

The local stack serves the same two calls on its edge (``ccm.local.live_socket``), so this very client reaches the
browsers of ``make dev``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import ClientError

from ccm.aws.clients import error_code, retry_config

if TYPE_CHECKING:
    from mypy_boto3_apigatewaymanagementapi import ApiGatewayManagementApiClient

GONE = frozenset({"GoneException", "410"})


class Gateway(Protocol):
    def post(self, connection_id: str, data: bytes) -> bool:
        """Send one message; ``False`` when the connection is gone (closed without a ``$disconnect`` yet)."""
        ...

    def close(self, connection_id: str) -> None:
        """End a connection (its session is over); a connection already gone is no error."""
        ...


class ManagementApiGateway:
    def __init__(self, endpoint: str, client: ApiGatewayManagementApiClient | None = None) -> None:
        self.endpoint = endpoint
        self._client = client
        self._lock = threading.Lock()

    @property
    def client(self) -> ApiGatewayManagementApiClient:
        with self._lock:
            if self._client is None:
                import boto3

                self._client = boto3.client(
                    "apigatewaymanagementapi", endpoint_url=self.endpoint, config=retry_config()
                )
            return self._client

    def post(self, connection_id: str, data: bytes) -> bool:
        try:
            self.client.post_to_connection(ConnectionId=connection_id, Data=data)
        except ClientError as error:
            if error_code(error) in GONE:
                return False
            raise
        return True

    def close(self, connection_id: str) -> None:
        try:
            self.client.delete_connection(ConnectionId=connection_id)
        except ClientError as error:
            if error_code(error) not in GONE:
                raise


@dataclass
class InMemoryGateway:
    """Records what each connection received; ``gone`` connections refuse, as API Gateway does with 410."""

    received: dict[str, list[bytes]] = field(default_factory=dict)
    gone: set[str] = field(default_factory=set)
    closed: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def post(self, connection_id: str, data: bytes) -> bool:
        with self._lock:
            if connection_id in self.gone:
                return False
            self.received.setdefault(connection_id, []).append(data)
            return True

    def close(self, connection_id: str) -> None:
        with self._lock:
            self.closed.append(connection_id)
            self.gone.add(connection_id)
