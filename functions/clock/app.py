"""EventBridge Scheduler target: the clock, every 5 minutes. Wiring only; the clock lives in ``ccm.clock``.

Structured logs, CloudWatch metrics in namespace ``CCM`` (what was handed over, skipped, or failed), and the
report as the result. A run that could not hand everything over fails, so the function's error alarm fires; the
claims it freed are taken up by the next run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ccm.aws.lambda_entry import traced
from ccm.clock.runner import Clock, ClockFailed, ClockReport
from ccm.clock.schedule_event import read_schedule_event
from ccm.clock.wiring import build_clock
from ccm.settings import Settings

SERVICE = "ccm-clock"
logger = Logger(service=SERVICE)
metrics = Metrics(namespace="CCM", service=SERVICE)

_clock: Clock | None = None
_entry: Callable[[dict[str, Any], LambdaContext], dict[str, Any]] | None = None


def clock() -> Clock:
    global _clock
    if _clock is None:
        copy_config_to_registered_loggers(source_logger=logger, include={"ccm"})
        _clock = build_clock(Settings.from_env())
    return _clock


def _count(report: ClockReport | None) -> None:
    """Every run publishes every count, zeros included, so the alarms and graphs see the clock running."""
    handed = report.handed if report is not None else {}
    metrics.add_metric(name="RemindersHandedOver", unit=MetricUnit.Count, value=handed.get("reminder", 0))
    metrics.add_metric(name="NudgesHandedOver", unit=MetricUnit.Count, value=handed.get("nudge", 0))
    metrics.add_metric(name="ClockActionsSkipped", unit=MetricUnit.Count, value=report.skipped if report else 0)
    metrics.add_metric(name="ClockActionsFailed", unit=MetricUnit.Count, value=report.failed if report else 0)


def _run(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report: ClockReport | None = None
    try:
        schedule = read_schedule_event(event)
        the_clock = clock()
        now = the_clock.clock()
        logger.append_keys(execution_id=schedule.execution_id, attempt=schedule.attempt, lag_seconds=schedule.lag(now))
        try:
            report = the_clock.run(now)
        except ClockFailed as failed:
            report = failed.report
            raise
        return report.public()
    finally:
        _count(report)


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _entry
    if _entry is None:
        _entry = traced(SERVICE, logger.inject_lambda_context(metrics.log_metrics(_run)))
    return _entry(event, context)
