"""Plain values to DynamoDB attribute maps and back, for the rows outside the catalog (delegations, templates):
nested maps and lists too, unlike ``ccm.storage.attribute_values``. boto3's serialisers come from
``ccm.storage.attribute_values``, made on first use, so importing this module does not load boto3."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ccm.storage.attribute_values import _deserializer, _serializer


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
