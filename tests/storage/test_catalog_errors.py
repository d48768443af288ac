"""DynamoDB's refusals, as the catalog adapter turns them into the port's errors."""

from __future__ import annotations

import base64
import json
from typing import Any, cast

import pytest
from botocore.exceptions import ClientError

from ccm.errors import InvalidCursor
from ccm.storage.catalog import Catalog, Query


class _RefusingDynamoDB:
    def query(self, **request: Any) -> dict[str, Any]:
        raise ClientError({"Error": {"Code": "ValidationException", "Message": "bad start key"}}, "Query")


def refusing_catalog() -> Catalog:
    return Catalog("ccm-table", cast(Any, _RefusingDynamoDB()))


def test_a_start_key_dynamodb_refuses_is_an_invalid_cursor() -> None:
    # Well formed for the listing by kind, so that it reaches DynamoDB, which refuses it (e.g. another partition).
    key = {"pk": "OBJ#CHG-1", "sk": "SUMMARY", "kind_pk": "announcement", "order_sk": "2030#CHG-1"}
    cursor = base64.urlsafe_b64encode(json.dumps({"i": "by_kind", "k": key}).encode()).decode().rstrip("=")
    with pytest.raises(InvalidCursor):
        refusing_catalog().query(Query(cursor=cursor))


def test_without_a_cursor_a_dynamodb_refusal_is_a_real_error() -> None:
    with pytest.raises(ClientError):
        refusing_catalog().query(Query())
