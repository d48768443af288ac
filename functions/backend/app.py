"""SQS consumer of the customers' trigger queues: S3 trigger events -> emails (and more) -> archive updates.

Thin wiring: Powertools batch processing with partial failures, structured logs with the message id as the
correlation id, CloudWatch metrics in namespace ``CCM``. Dependencies are built (and their modules imported:
boto3, the templates, the pipeline) on the first call of a cold start or by :func:`warm`, not at import; the X-Ray
tracer is imported only when tracing is enabled.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ccm.aws.lambda_entry import traced
from ccm.settings import Settings

if TYPE_CHECKING:
    from ccm.backend.wiring import Backend

METRICS = (
    "TriggersProcessed",
    "TriggersFailed",
    "EmailsSent",
    "EmailsFailed",
    "EmailsRejected",
    "EmailsThrottled",
    "MeetingsCreated",
    "MeetingsUpdated",
    "MeetingsCancelled",
    "ChannelPostsSent",
    "ChannelPostsFailed",
    "ChannelPostsRetried",
    "TicketUpdatesSent",
    "TicketUpdatesFailed",
    "TicketUpdatesRetried",
)
TIMEOUT_MARGIN_SECONDS = 30.0
"""Stop starting sends this long before the Lambda times out; the redelivery finishes the rest."""

SERVICE = "ccm-backend"
logger = Logger(service=SERVICE)
metrics = Metrics(namespace="CCM", service=SERVICE)
batch = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

_backend: Backend | None = None
_entry: Callable[[dict[str, Any], LambdaContext], dict[str, Any]] | None = None
_counts: Counter[str] = Counter()


def backend() -> Backend:
    global _backend
    if _backend is None:
        from ccm.backend.wiring import build_backend

        copy_config_to_registered_loggers(source_logger=logger, include={"ccm"})
        _backend = build_backend(Settings.from_env())
    return _backend


def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> None:
    """One message; Powertools hands over the invocation's context, whose remaining time sets the deadline."""
    logger.set_correlation_id(record.message_id)
    logger.append_keys(receive_count=record.attributes.approximate_receive_count)
    remaining = lambda_context.get_remaining_time_in_millis() / 1000.0
    deadline = time.monotonic() + max(0.0, remaining - TIMEOUT_MARGIN_SECONDS)
    processor = backend().processor
    from ccm.backend.processor import MessageFailed

    try:
        result = processor.process_message(record.body, deadline=deadline)
    except MessageFailed as failed:
        _counts.update(failed.counts)
        raise
    _counts.update(result.counts)


def _process(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _counts.clear()
    try:
        response = process_partial_response(event, record_handler, batch, context)
        return dict(response)
    finally:
        for name in METRICS:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=_counts[name])


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _entry
    if _entry is None:
        _entry = traced(SERVICE, logger.inject_lambda_context(metrics.log_metrics(_process)))
    return _entry(event, context)
