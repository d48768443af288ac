"""What an SQS message of a customer's trigger queue can carry: an S3 event notification, S3's test event, or an
action of the clock (:mod:`ccm.domain.due_actions`).

S3 URL-encodes object keys in notifications (spaces as ``+``); keys are decoded here, once. Anything else is a
:class:`MalformedEvent`: retrying it cannot help, so the caller acknowledges it with a log line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote_plus

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ccm.domain.due_actions import BadAction, NudgeAction, ReminderAction, is_clock_message, read_action
from ccm.domain.ids import is_notice_id, validate_id
from ccm.errors import CcmError, InvalidId

TRIGGER_PREFIX = "customers"
TRIGGER_SUFFIX = ".json"


class MalformedEvent(CcmError):
    """The message is not something this backend can act on; acknowledged, never retried."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class _Bucket(_Model):
    name: str = Field(min_length=1)


class _Object(_Model):
    key: str = Field(min_length=1)
    etag: str | None = Field(default=None, alias="eTag")


class _Entity(_Model):
    bucket: _Bucket
    object: _Object


class _UserIdentity(_Model):
    principal_id: str = Field(default="", alias="principalId")


class _Record(_Model):
    event_source: Literal["aws:s3"] = Field(alias="eventSource")
    event_name: str = Field(alias="eventName")
    user_identity: _UserIdentity | None = Field(default=None, alias="userIdentity")
    s3: _Entity


class _Notification(_Model):
    records: list[_Record] = Field(alias="Records", min_length=1)


@dataclass(frozen=True)
class S3TestEvent:
    """Sent by S3 once when a notification configuration is saved."""

    bucket: str


@dataclass(frozen=True)
class ObjectEvent:
    """One S3 record, its key decoded."""

    bucket: str
    key: str
    event_name: str
    principal_id: str

    @property
    def is_creation(self) -> bool:
        return self.event_name.startswith("ObjectCreated:")


@dataclass(frozen=True)
class TriggerKey:
    """``customers/{code}/{id}.json``: which customer, which object (or which delegation notice, ``DLG-...``)."""

    customer_code: str
    object_id: str


def _describe(error: ValidationError) -> str:
    first = error.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "(body)"
    return f"{where}: {first['msg']}"


def parse_message(body: str) -> S3TestEvent | ReminderAction | NudgeAction | list[ObjectEvent]:
    """Read an SQS message body as S3 sends it (no SNS envelope), or as the clock sends it."""
    try:
        data: Any = json.loads(body)
    except (json.JSONDecodeError, TypeError):
        raise MalformedEvent("the message body is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedEvent("the message body is not a JSON object")
    if data.get("Event") == "s3:TestEvent":
        return S3TestEvent(bucket=str(data.get("Bucket", "")))
    if is_clock_message(data):
        try:
            return read_action(data)
        except BadAction as error:
            raise MalformedEvent(str(error)) from None
    if "Records" not in data:
        raise MalformedEvent(f"not an S3 event notification (keys: {', '.join(sorted(data)[:8]) or 'none'})")
    try:
        notification = _Notification.model_validate(data)
    except ValidationError as error:
        raise MalformedEvent(f"not an S3 event notification: {_describe(error)}") from None
    return [
        ObjectEvent(
            bucket=record.s3.bucket.name,
            key=unquote_plus(record.s3.object.key),
            event_name=record.event_name,
            principal_id=record.user_identity.principal_id if record.user_identity else "",
        )
        for record in notification.records
    ]


def parse_trigger_key(key: str) -> TriggerKey:
    """Split ``customers/{code}/{id}.json``; anything else is malformed."""
    parts = key.split("/")
    if len(parts) != 3 or parts[0] != TRIGGER_PREFIX or not parts[2].endswith(TRIGGER_SUFFIX):
        raise MalformedEvent(f"{key!r} is not a trigger key (customers/<code>/<id>.json)")
    code, object_id = parts[1], parts[2].removesuffix(TRIGGER_SUFFIX)
    if not code:
        raise MalformedEvent(f"{key!r} names no customer")
    if is_notice_id(object_id):
        return TriggerKey(customer_code=code, object_id=object_id)
    try:
        validate_id(object_id)
    except InvalidId as error:
        raise MalformedEvent(f"{key!r}: {error}") from None
    return TriggerKey(customer_code=code, object_id=object_id)
