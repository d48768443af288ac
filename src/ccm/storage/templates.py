"""Standard change templates in the one table, all in one partition (a catalog of tens, not thousands).

Rows: ``pk = TEMPLATE``, ``sk = T#<number, 8 digits>`` (the template's document, written only over the version it
was read at), and ``sk = COUNTER`` (the last number given out, so ids are ``T-1``, ``T-2``, ... and never reused).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError

from ccm.aws.clients import error_code
from ccm.domain.templates import ChangeTemplate, template_number
from ccm.errors import CcmError
from ccm.storage.dynamo import LazyDynamoDB, from_item, to_item
from ccm.storage.table import PARTITION_KEY, SORT_KEY

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TEMPLATE_PARTITION = "TEMPLATE"
COUNTER = "COUNTER"
TEMPLATE_ROW_PREFIX = "T#"
"""The sort key prefix of a template's document row (the counter row has none)."""


class TemplateChanged(CcmError):
    """Someone else saved the template since it was read."""

    def __init__(self, template_id: str) -> None:
        super().__init__(f"template {template_id} was changed since it was read; reload it")
        self.template_id = template_id


class TemplateStore(Protocol):
    def every(self) -> list[ChangeTemplate]:
        """Every template, retired ones included, by number."""
        ...

    def get(self, template_id: str) -> ChangeTemplate | None: ...

    def next_id(self) -> str:
        """A number never given out before."""
        ...

    def save(self, template: ChangeTemplate) -> None:
        """Write a new template (version 1) or a new version over exactly the one before it
        (:class:`TemplateChanged` otherwise)."""
        ...


def _sort_key(template_id: str) -> str:
    number = template_number(template_id)
    if number is None:
        raise ValueError(f"{template_id!r} is not a template id")
    return f"{TEMPLATE_ROW_PREFIX}{number:08d}"


class DynamoTemplates:
    def __init__(self, table_name: str, dynamodb: DynamoDBClient | None = None) -> None:
        self.table_name = table_name
        self._ddb = dynamodb

    ddb = LazyDynamoDB()

    @staticmethod
    def _template(item: dict[str, Any]) -> ChangeTemplate:
        values = from_item(item)
        return ChangeTemplate.model_validate(values["document"])

    def every(self) -> list[ChangeTemplate]:
        found: list[ChangeTemplate] = []
        paginator = self.ddb.get_paginator("query")
        pages = paginator.paginate(
            TableName=self.table_name,
            KeyConditionExpression="#pk = :pk AND begins_with(#sk, :prefix)",
            ExpressionAttributeNames={"#pk": PARTITION_KEY, "#sk": SORT_KEY},
            ExpressionAttributeValues={":pk": {"S": TEMPLATE_PARTITION}, ":prefix": {"S": TEMPLATE_ROW_PREFIX}},
            ConsistentRead=True,
        )
        for page in pages:
            found.extend(self._template(item) for item in page.get("Items", []))
        return found

    def get(self, template_id: str) -> ChangeTemplate | None:
        if template_number(template_id) is None:
            return None
        key = to_item({PARTITION_KEY: TEMPLATE_PARTITION, SORT_KEY: _sort_key(template_id)})
        item = self.ddb.get_item(TableName=self.table_name, Key=key, ConsistentRead=True).get("Item")
        return self._template(item) if item else None

    def next_id(self) -> str:
        response = self.ddb.update_item(
            TableName=self.table_name,
            Key=to_item({PARTITION_KEY: TEMPLATE_PARTITION, SORT_KEY: COUNTER}),
            UpdateExpression="ADD #n :one",
            ExpressionAttributeNames={"#n": "last_number"},
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="UPDATED_NEW",
        )
        return f"T-{int(response['Attributes']['last_number']['N'])}"

    def save(self, template: ChangeTemplate) -> None:
        item = to_item(
            {
                PARTITION_KEY: TEMPLATE_PARTITION,
                SORT_KEY: _sort_key(template.id),
                "version": template.version,
                "document": template.to_document(),
            }
        )
        condition: dict[str, Any]
        if template.version == 1:
            condition = {"ConditionExpression": f"attribute_not_exists({PARTITION_KEY})"}
        else:
            condition = {
                "ConditionExpression": "#v = :previous",
                "ExpressionAttributeNames": {"#v": "version"},
                "ExpressionAttributeValues": {":previous": {"N": str(template.version - 1)}},
            }
        try:
            self.ddb.put_item(TableName=self.table_name, Item=item, **condition)
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                raise TemplateChanged(template.id) from None
            raise


@dataclass
class InMemoryTemplates:
    rows: dict[str, ChangeTemplate] = field(default_factory=dict)
    last_number: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def every(self) -> list[ChangeTemplate]:
        return [self.rows[key] for key in sorted(self.rows, key=_sort_key)]

    def get(self, template_id: str) -> ChangeTemplate | None:
        return self.rows.get(template_id)

    def next_id(self) -> str:
        with self._lock:
            self.last_number += 1
            return f"T-{self.last_number}"

    def save(self, template: ChangeTemplate) -> None:
        with self._lock:
            current = self.rows.get(template.id)
            expected = None if template.version == 1 else template.version - 1
            if (current.version if current else None) != expected:
                raise TemplateChanged(template.id)
            self.rows[template.id] = template
