"""The emulator's DynamoDB transactions, as the local stack and the tests run them: all or nothing, as in AWS.

The local stack replaces moto's whole-table copy with a copy of what a rollback needs; these tests hold that
replacement to AWS's contract: a cancelled transaction leaves every row as it was, a committed one changes them all.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

TABLE = "emulator-transactions"


@pytest.fixture
def table(aws: None) -> Iterator[Any]:
    ddb = boto3.client("dynamodb", region_name="us-east-1")
    ddb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for index in range(50):
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": "ROW"}, "sk": {"S": f"{index:03}"}, "n": {"N": "0"}})
    yield ddb


def rows(ddb: Any) -> list[dict[str, Any]]:
    found = ddb.query(
        TableName=TABLE, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": "ROW"}}
    )["Items"]
    return sorted(found, key=lambda row: row["sk"]["S"])


def test_a_cancelled_transaction_leaves_updated_put_and_deleted_rows_as_they_were(table: Any) -> None:
    before = rows(table)

    with pytest.raises(ClientError) as refused:
        table.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": {"pk": {"S": "ROW"}, "sk": {"S": "001"}},
                        "UpdateExpression": "SET n = n + :one, added = :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
                {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "ROW"}, "sk": {"S": "new"}}}},
                {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "ROW"}, "sk": {"S": "002"}, "n": {"N": "9"}}}},
                {"Delete": {"TableName": TABLE, "Key": {"pk": {"S": "ROW"}, "sk": {"S": "003"}}}},
                {
                    "ConditionCheck": {
                        "TableName": TABLE,
                        "Key": {"pk": {"S": "ROW"}, "sk": {"S": "004"}},
                        "ConditionExpression": "n = :nine",
                        "ExpressionAttributeValues": {":nine": {"N": "9"}},
                    }
                },
            ]
        )

    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert rows(table) == before


def test_a_committed_transaction_changes_every_row_it_names_and_no_other(table: Any) -> None:
    before = copy.deepcopy(rows(table))

    table.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": TABLE,
                    "Key": {"pk": {"S": "ROW"}, "sk": {"S": "001"}},
                    "UpdateExpression": "SET n = n + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}},
                }
            },
            {"Delete": {"TableName": TABLE, "Key": {"pk": {"S": "ROW"}, "sk": {"S": "003"}}}},
        ]
    )

    after = {row["sk"]["S"]: row for row in rows(table)}
    assert after["001"]["n"] == {"N": "1"}
    assert "003" not in after
    unchanged = [row for row in before if row["sk"]["S"] not in {"001", "003"}]
    assert [after[row["sk"]["S"]] for row in unchanged] == unchanged


def test_a_cancelled_transaction_then_a_committed_one_see_each_others_rows_correctly(table: Any) -> None:
    update = {
        "Update": {
            "TableName": TABLE,
            "Key": {"pk": {"S": "ROW"}, "sk": {"S": "010"}},
            "UpdateExpression": "SET n = n + :one",
            "ConditionExpression": "n = :zero",
            "ExpressionAttributeValues": {":one": {"N": "1"}, ":zero": {"N": "0"}},
        }
    }
    table.transact_write_items(TransactItems=[update])
    with pytest.raises(ClientError):
        table.transact_write_items(TransactItems=[update])

    [row] = [row for row in rows(table) if row["sk"]["S"] == "010"]
    assert row["n"] == {"N": "1"}
