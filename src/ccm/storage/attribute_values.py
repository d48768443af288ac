"""Plain Python values <-> DynamoDB attribute values, for the rows written with the low-level client.

boto3's serialisers live in ``boto3.dynamodb``, whose import loads all of boto3: they are made on first use, so
that importing the storage layer (on every handler's cold-start path) does not.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer


@cache
def _serializer() -> TypeSerializer:
    from boto3.dynamodb.types import TypeSerializer

    return TypeSerializer()


@cache
def _deserializer() -> TypeDeserializer:
    from boto3.dynamodb.types import TypeDeserializer

    return TypeDeserializer()


def to_item(values: dict[str, Any]) -> dict[str, Any]:
    """Attribute values of every value that is not None (DynamoDB stores no nulls in these rows)."""
    serialize = _serializer().serialize
    return {name: serialize(value) for name, value in values.items() if value is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    """Plain values; numbers come back as int (every number in these rows is a whole number)."""
    deserialize = _deserializer().deserialize
    values = {name: deserialize(value) for name, value in item.items()}
    return {name: int(value) if isinstance(value, Decimal) else value for name, value in values.items()}
