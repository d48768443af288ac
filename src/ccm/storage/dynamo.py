"""Plain values to DynamoDB attribute maps and back, for the rows outside the catalog (delegations, templates):
nested maps and lists too, unlike ``ccm.storage.attribute_values``. boto3's serialisers come from
``ccm.storage.attribute_values``, made on first use, so importing this module does not load boto3; nor does the
stores' shared client, :class:`LazyDynamoDB`."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from ccm.storage.attribute_values import _deserializer, _serializer

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [_plain(each) for each in value]
    if isinstance(value, dict):
        return {key: _plain(each) for key, each in value.items()}
    if isinstance(value, set):
        return sorted(_plain(each) for each in value)
    return value


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """Attribute map of ``values``; ``None`` values are left out (DynamoDB has no use for them)."""
    serialize = _serializer().serialize
    return {name: serialize(value) for name, value in values.items() if value is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """Plain values of an attribute map: numbers as ``int`` (or ``float``), nested maps and lists included."""
    deserialize = _deserializer().deserialize
    return {name: _plain(deserialize(value)) for name, value in item.items()}


class _HoldsDynamoDB(Protocol):
    _ddb: DynamoDBClient | None


_CLIENT_LOCK = threading.Lock()


class LazyDynamoDB:
    """A store's DynamoDB client, made on first use: ``ddb = LazyDynamoDB()`` on a class whose ``__init__`` sets
    ``self._ddb`` (a client given by the caller, or ``None``).

    boto3 loads with the first request, never on import, so a cold start that never reaches the table does not pay
    for the SDK. One lock for every store: making a client is rare and must happen once per store under threads.
    """

    def __get__(self, instance: _HoldsDynamoDB, owner: type | None = None) -> DynamoDBClient:
        client = instance._ddb
        if client is not None:
            return client
        with _CLIENT_LOCK:
            if instance._ddb is None:
                import boto3

                from ccm.aws.clients import retry_config

                instance._ddb = boto3.client("dynamodb", config=retry_config())
            return instance._ddb
