"""What the clock asks the backend to do: the messages it puts on a customer's queue beside the S3 events.

The clock decides *that* something is due and claims it once; the backend, the only sender, re-reads the object
and sends the email only if what was due still holds (still approved, the same window). Each message names the
object version the clock saw, so a redelivered message is delivered under the same ledger key.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ccm.domain.stamps import Timestamp
from ccm.domain.times import format_rfc3339
from ccm.durations import format_duration, parse_duration
from ccm.errors import CcmError

SOURCE: Final = "ccm.clock"


class BadAction(CcmError):
    """A clock message that cannot be read; retrying cannot help."""


class _Action(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    source: Literal["ccm.clock"] = SOURCE
    object_id: str = Field(min_length=1, max_length=200)
    customer_code: str = Field(min_length=1, max_length=32)
    version: int = Field(ge=1)
    due_at: Timestamp

    def body(self) -> str:
        return json.dumps(self.model_dump(mode="json"), separators=(",", ":"), sort_keys=True)


class ReminderAction(_Action):
    """Remind one customer's subscribers that an approved change's window starts soon."""

    action: Literal["reminder"] = "reminder"
    offset: str
    window_start: Timestamp

    @property
    def key(self) -> str:
        return f"REMINDER#{self.customer_code}#{self.offset}#{format_rfc3339(self.window_start)}"

    @property
    def event(self) -> str:
        """The delivery ledger's event name: one per offset (and per version, as every key)."""
        return f"reminder_{self.offset}"

    @property
    def offset_duration(self) -> timedelta:
        return parse_duration(self.offset)


class NudgeAction(_Action):
    """Ask the requester of an approved change whose window ended to complete or cancel it.

    ``customer_code`` names the customer whose SES account sends it (the requester is no customer contact).
    """

    action: Literal["nudge"] = "nudge"
    number: int = Field(ge=1)
    limit: int = Field(ge=1)
    window_end: Timestamp
    requester: str = Field(min_length=3, max_length=254)

    @property
    def key(self) -> str:
        return f"NUDGE#{self.number}#{format_rfc3339(self.window_end)}"

    @property
    def event(self) -> str:
        return f"overdue_{self.number}"


DueAction = Annotated[ReminderAction | NudgeAction, Field(discriminator="action")]
_ADAPTER: TypeAdapter[ReminderAction | NudgeAction] = TypeAdapter(DueAction)


def is_clock_message(data: Any) -> bool:
    return isinstance(data, dict) and data.get("source") == SOURCE


def read_action(data: dict[str, Any]) -> ReminderAction | NudgeAction:
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "(body)"
        raise BadAction(f"not a clock action: {where}: {first['msg']}") from None


def reminder(
    object_id: str, customer_code: str, version: int, offset: str, window_start: datetime, due_at: datetime
) -> ReminderAction:
    return ReminderAction(
        object_id=object_id,
        customer_code=customer_code,
        version=version,
        offset=format_duration(parse_duration(offset)),
        window_start=window_start,
        due_at=due_at,
    )
