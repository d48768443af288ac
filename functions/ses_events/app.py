"""SQS consumer of the SES events queue: each customer's SES events -> the delivery ledger.

Thin wiring: Powertools batch processing with partial failures, structured logs, CloudWatch metrics in namespace
``CCM``. The table client is built on the first call of a cold start, not at import.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ccm.aws.lambda_entry import traced
from ccm.ses_events.recorder import EventRecorder
from ccm.settings import Settings
from ccm.storage.delivery_records import DynamoDeliveryRecords

METRICS = {
    "recorded": "SesEventsRecorded",
    "unchanged": "SesEventsUnchanged",
    "unknown": "SesEventsUnknown",
    "malformed": "SesEventsMalformed",
}
SERVICE = "ccm-ses-events"
logger = Logger(service=SERVICE)
metrics = Metrics(namespace="CCM", service=SERVICE)
batch = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

_recorder: EventRecorder | None = None
_entry: Callable[[dict[str, Any], LambdaContext], dict[str, Any]] | None = None
_counts: Counter[str] = Counter()


def recorder() -> EventRecorder:
    global _recorder
    if _recorder is None:
        copy_config_to_registered_loggers(source_logger=logger, include={"ccm"})
        _recorder = EventRecorder(DynamoDeliveryRecords(Settings.from_env().table))
    return _recorder


def record_handler(record: SQSRecord) -> None:
    logger.set_correlation_id(record.message_id)
    _counts[recorder().process(record.body)] += 1


def _process(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _counts.clear()
    try:
        return dict(process_partial_response(event, record_handler, batch, context))
    finally:
        for outcome, name in METRICS.items():
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=_counts[outcome])


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _entry
    if _entry is None:
        _entry = traced(SERVICE, logger.inject_lambda_context(metrics.log_metrics(_process)))
    return _entry(event, context)
