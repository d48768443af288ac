"""The event EventBridge Scheduler passes the clock: the target's ``Input``, with its context attributes filled in.

The template's schedule sets the input to ``{"source": "ccm.schedule", "scheduledTime":
"<aws.scheduler.scheduled-time>", "scheduleArn": "<aws.scheduler.schedule-arn>", "executionId":
"<aws.scheduler.execution-id>", "attemptNumber": "<aws.scheduler.attempt-number>"}``; Scheduler replaces each
keyword when it invokes the function. Every field is optional: a test invocation with ``{}`` runs the clock too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ccm.domain.stamps import OptionalTimestamp
from ccm.errors import CcmError

SCHEDULE_SOURCE = "ccm.schedule"


class NotAScheduleEvent(CcmError):
    """The event is not what the schedule sends."""


class ScheduleEvent(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    source: str = SCHEDULE_SOURCE
    scheduled_time: OptionalTimestamp = Field(default=None, alias="scheduledTime")
    schedule_arn: str | None = Field(default=None, alias="scheduleArn")
    execution_id: str | None = Field(default=None, alias="executionId")
    attempt: int | None = Field(default=None, alias="attemptNumber")

    def lag(self, now: datetime) -> float | None:
        """Seconds between the moment the schedule meant and the run: how late the clock is."""
        return None if self.scheduled_time is None else (now - self.scheduled_time).total_seconds()


def schedule_input() -> dict[str, str]:
    """The target input the template gives the schedule (and the local stack fills in itself)."""
    return {
        "source": SCHEDULE_SOURCE,
        "scheduledTime": "<aws.scheduler.scheduled-time>",
        "scheduleArn": "<aws.scheduler.schedule-arn>",
        "executionId": "<aws.scheduler.execution-id>",
        "attemptNumber": "<aws.scheduler.attempt-number>",
    }


def read_schedule_event(event: Any) -> ScheduleEvent:
    if not isinstance(event, dict):
        raise NotAScheduleEvent("the clock's event must be a JSON object")
    try:
        parsed = ScheduleEvent.model_validate(event)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        raise NotAScheduleEvent(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    if parsed.source != SCHEDULE_SOURCE:
        raise NotAScheduleEvent(f"the clock runs on its schedule's events, not on {parsed.source!r}")
    return parsed
