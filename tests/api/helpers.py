"""Building blocks of the API tests: request bodies, objects in a given state, what S3 holds."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import boto3

from ccm.aws.clients import RETRY_CONFIG
from ccm.domain.ids import AnnouncementType
from ccm.domain.objects import AnyObject
from ccm.domain.status import Status
from ccm.storage.archive import Stored
from ccm.workflow import Services
from tests.api.client import ApiClient
from tests.conftest import BUCKET
from tests.factories import announcement_document, change_document, make_announcement, make_change

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

_CLIENTS: list[Any] = []


def shared_clients() -> tuple[S3Client, DynamoDBClient]:
    """One S3 and one DynamoDB client for the whole run: creating clients is what made each test slow.

    They are created after moto is imported (its request hook is in every client made from then on), so each
    test's ``mock_aws`` serves them with that test's fresh state.
    """
    if not _CLIENTS:
        _CLIENTS.extend([boto3.client("s3", config=RETRY_CONFIG), boto3.client("dynamodb", config=RETRY_CONFIG)])
    return _CLIENTS[0], _CLIENTS[1]


def s3() -> S3Client:
    return shared_clients()[0]


WORKFLOW_KEYS = ("status", "version", "createdBy", "createdAt", "modifiedAt", "modifiedBy", "created_by", "created_at")


def change_input(**overrides: Any) -> dict[str, Any]:
    """A change as the portal's form sends it."""
    document = change_document()
    for key in WORKFLOW_KEYS:
        document.pop(key, None)
    document.update(overrides)
    return document


def announcement_input(kind: AnnouncementType = AnnouncementType.CIC, **overrides: Any) -> dict[str, Any]:
    document = announcement_document(kind)
    for key in WORKFLOW_KEYS:
        document.pop(key, None)
    document.update(overrides)
    return document


def submit_change(api: ApiClient, **overrides: Any) -> dict[str, Any]:
    response = api.post("/api/changes", change_input(**overrides))
    assert response.status == 201, response.text
    document: dict[str, Any] = response.json["object"]
    return document


def stored_object(services: Services, kind: str, status: Status, **overrides: Any) -> Stored:
    """An object put straight into storage in ``status``, created by requester@example.com."""
    obj: AnyObject
    if kind == "change":
        obj = make_change(status=status.value, **overrides)
    else:
        obj = make_announcement(status=status.value, **overrides)
    return services.repository.create(obj)


def collection(kind: str) -> str:
    return "changes" if kind == "change" else "announcements"


def bucket_state() -> dict[str, str]:
    """Every key in the bucket with its ETag: equal states mean nothing was written or deleted."""
    state = {}
    for page in s3().get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            state[item["Key"]] = item["ETag"]
    return state


def keys(prefix: str) -> list[str]:
    return sorted(key for key in bucket_state() if key.startswith(prefix))


def read_json(key: str) -> dict[str, Any]:
    body = s3().get_object(Bucket=BUCKET, Key=key)["Body"].read()
    loaded: dict[str, Any] = json.loads(body)
    return loaded


def trigger(code: str, object_id: str) -> tuple[dict[str, Any], dict[str, str]]:
    response = s3().get_object(Bucket=BUCKET, Key=f"customers/{code}/{object_id}.json")
    return json.loads(response["Body"].read()), response["Metadata"]


def clear_triggers() -> None:
    for key in keys("customers/"):
        s3().delete_object(Bucket=BUCKET, Key=key)
