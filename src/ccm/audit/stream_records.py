"""What the table's stream carries to the audit function: writes of the administrative rows (standard change
templates and delegations), each with the row before and after (``NEW_AND_OLD_IMAGES``).

The event source mapping's filter lets only those rows' records through (``STREAM_FILTERS``, which the template
states as JSON and the local stack's poller applies the same way): the catalog, search, index, ledger and report
rows, written far more often, never invoke the function.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ccm.domain.admin_audit import delegation_events, template_events
from ccm.domain.audit import AuditEvent
from ccm.errors import CcmError
from ccm.storage.delegations import DELEGATION_PREFIX
from ccm.storage.dynamo import from_item
from ccm.storage.table import PARTITION_KEY, SORT_KEY
from ccm.storage.templates import TEMPLATE_PARTITION, TEMPLATE_ROW_PREFIX

STREAM_FILTERS: tuple[dict[str, Any], ...] = (
    {
        "dynamodb": {
            "Keys": {PARTITION_KEY: {"S": [TEMPLATE_PARTITION]}, SORT_KEY: {"S": [{"prefix": TEMPLATE_ROW_PREFIX}]}}
        }
    },
    {"dynamodb": {"Keys": {PARTITION_KEY: {"S": [{"prefix": DELEGATION_PREFIX}]}}}},
)
"""Lambda event filter patterns (any one passes a record): a template's document row, a delegation row."""


def filter_patterns() -> list[str]:
    """The patterns as the event source mapping's ``FilterCriteria`` states them."""
    return [json.dumps(pattern, separators=(",", ":")) for pattern in STREAM_FILTERS]


def _matches(pattern: Any, value: Any) -> bool:
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            name in value and _matches(each, value[name]) for name, each in pattern.items()
        )
    # A list of alternatives: an exact value, or {"prefix": ...} (the two operators the patterns use).
    for alternative in pattern:
        if isinstance(alternative, dict) and isinstance(value, str) and value.startswith(alternative["prefix"]):
            return True
        if alternative == value:
            return True
    return False


def passes_filter(record: dict[str, Any]) -> bool:
    """Whether Lambda's filter lets ``record`` invoke the audit function."""
    return any(_matches(pattern, record) for pattern in STREAM_FILTERS)


class NotARowWrite(CcmError):
    """The record is no stream record of a row: retrying cannot help, so it is acknowledged with a log line."""


class _Change(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    keys: dict[str, Any] = Field(alias="Keys")
    sequence_number: str = Field(alias="SequenceNumber", min_length=1)
    created: Decimal = Field(alias="ApproximateCreationDateTime")
    new_image: dict[str, Any] | None = Field(default=None, alias="NewImage")
    old_image: dict[str, Any] | None = Field(default=None, alias="OldImage")


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    event_name: str = Field(alias="eventName", pattern="^(INSERT|MODIFY|REMOVE)$")
    dynamodb: _Change


@dataclass(frozen=True)
class RowWrite:
    """One write of one row: its key, the row before and after (plain values), when the table recorded it."""

    sequence_number: str
    event_name: str
    partition: str
    sort: str
    old: dict[str, Any] | None
    new: dict[str, Any] | None
    at: datetime

    def events(self) -> list[AuditEvent]:
        if self.partition == TEMPLATE_PARTITION and self.sort.startswith(TEMPLATE_ROW_PREFIX):
            before = self.old.get("document") if self.old else None
            after = self.new.get("document") if self.new else None
            return template_events(before, after, self.at)
        if self.partition.startswith(DELEGATION_PREFIX):
            return delegation_events(self.old, self.new, self.at)
        return []


def row_write(record: dict[str, Any]) -> RowWrite:
    """The write a stream record (as Lambda delivers it) tells of; :class:`NotARowWrite` for anything else."""
    try:
        parsed = _Record.model_validate(record)
        keys = from_item(parsed.dynamodb.keys)
        partition, sort = str(keys[PARTITION_KEY]), str(keys.get(SORT_KEY) or "")
    except (ValidationError, KeyError, TypeError, ValueError) as error:
        raise NotARowWrite(f"the record is no DynamoDB stream record of a row: {error}") from None
    change = parsed.dynamodb
    return RowWrite(
        sequence_number=change.sequence_number,
        event_name=parsed.event_name,
        partition=partition,
        sort=sort,
        old=from_item(change.old_image) if change.old_image else None,
        new=from_item(change.new_image) if change.new_image else None,
        at=datetime.fromtimestamp(float(change.created), UTC),
    )
