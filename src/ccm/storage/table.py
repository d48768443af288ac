"""The one DynamoDB table: catalog rows, statistics counters, the delivery ledger and the SAML replay cache.

Its shape is defined here once; ``ccm local provision`` creates it from this and the SAM template is checked
against it.
"""

from __future__ import annotations

from typing import Any

PARTITION_KEY = "pk"
SORT_KEY = "sk"
TTL_ATTRIBUTE = "expires_at"

INDEXES: dict[str, tuple[str, str]] = {
    # name: (partition key attribute, sort key attribute); sort keys are "<modifiedAt>#<id>", newest last
    "by_kind": ("kind_pk", "order_sk"),
    "by_status": ("status_pk", "order_sk"),
    "by_creator": ("creator_pk", "order_sk"),
    "by_customer": ("customer_pk", "order_sk"),
}


def create_table_arguments(table_name: str) -> dict[str, Any]:
    attributes = {PARTITION_KEY, SORT_KEY}
    for pk, sk in INDEXES.values():
        attributes.update((pk, sk))
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"} for name in sorted(attributes)],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": name,
                "KeySchema": [
                    {"AttributeName": pk, "KeyType": "HASH"},
                    {"AttributeName": sk, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for name, (pk, sk) in INDEXES.items()
        ],
    }
