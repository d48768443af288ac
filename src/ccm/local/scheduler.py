"""EventBridge Scheduler, played locally: the clock function invoked on a short interval with the schedule's event.

The event is the template's target input with Scheduler's context attributes filled in as Scheduler fills them
(:func:`ccm.clock.schedule_event.schedule_input`), so the function runs on what it gets in AWS. Every 15 seconds by
default instead of every 5 minutes, so that reminders and nudges show up in /dev/outbox while one watches.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime
from typing import Any

from ccm.clock.schedule_event import schedule_input
from ccm.domain.times import format_rfc3339, utc_now
from ccm.local.edge_server import Invoker
from ccm.local.lambdas import ACCOUNT_ID, FunctionError

logger = logging.getLogger(__name__)

SCHEDULE_ARN = f"arn:aws:scheduler:us-east-1:{ACCOUNT_ID}:schedule/default/ccm-clock"
DEFAULT_INTERVAL = 15.0


def scheduler_event(scheduled_time: datetime, schedule_arn: str = SCHEDULE_ARN, attempt: int = 1) -> dict[str, Any]:
    """The target input with every ``<aws.scheduler.*>`` keyword replaced, as Scheduler invokes the function."""
    values = {
        "<aws.scheduler.scheduled-time>": format_rfc3339(scheduled_time),
        "<aws.scheduler.schedule-arn>": schedule_arn,
        "<aws.scheduler.execution-id>": uuid.uuid4().hex[:16],
        "<aws.scheduler.attempt-number>": str(attempt),
    }
    text = json.dumps(schedule_input())
    for keyword, value in values.items():
        text = text.replace(keyword, value)
    event: dict[str, Any] = json.loads(text)
    return event


class LocalSchedule:
    """What one tick of the schedule does: invoke the clock, log what it handed over."""

    def __init__(self, clock_function: Invoker) -> None:
        self.clock_function = clock_function

    def tick(self) -> dict[str, Any] | None:
        try:
            report: dict[str, Any] = self.clock_function.invoke(scheduler_event(utc_now()))
        except FunctionError as error:
            logger.warning("the clock failed: %s", error)
            return None
        if report.get("handed") or report.get("skipped"):
            logger.info("clock: handed over %s, skipped %s", report.get("handed"), report.get("skipped"))
        return report
