"""The audit function: every archive write (S3 notification, from the audit queue) -> audit events and report
sums; every write of an administrative row (the table's stream, filtered to templates and delegations) -> its
audit event.

Thin wiring: Powertools batch processing with partial failures (a stream batch reports its failed sequence
numbers), the message id or sequence number as correlation id, metrics in namespace ``CCM``. The recorder is
built on the first call of a cold start.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from ccm.audit.messages import NotAnArchiveWrite, archive_writes
from ccm.audit.recorder import AuditRecorder
from ccm.audit.stream_records import NotARowWrite, row_write
from ccm.audit.wiring import build_recorder
from ccm.aws.lambda_entry import traced
from ccm.settings import Settings

METRICS = (
    "AuditEventsWritten",
    "AuditEventsAlreadyThere",
    "ReportScopesRefreshed",
    "WritesUnreadable",
    "RowWritesWithoutEvent",
)
SERVICE = "ccm-audit"
logger = Logger(service=SERVICE)
metrics = Metrics(namespace="CCM", service=SERVICE)
batch = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
stream_batch = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)

_recorder: AuditRecorder | None = None
_entry: Callable[[dict[str, Any], LambdaContext], dict[str, Any]] | None = None
_counts: Counter[str] = Counter()


def recorder() -> AuditRecorder:
    global _recorder
    if _recorder is None:
        copy_config_to_registered_loggers(source_logger=logger, include={"ccm"})
        _recorder = build_recorder(Settings.from_env())
    return _recorder


def record_handler(record: SQSRecord) -> None:
    logger.set_correlation_id(record.message_id)
    try:
        writes = archive_writes(record.body)
    except NotAnArchiveWrite as error:
        logger.warning("acknowledged a message that is no archive write: %s", error)
        return
    for write in writes:
        _counts.update(recorder().record(write.key, write.version_id, write.etag).counts)


def stream_record_handler(record: DynamoDBRecord) -> None:
    logger.set_correlation_id(record.dynamodb.sequence_number if record.dynamodb else None)
    try:
        write = row_write(record.raw_event)
    except NotARowWrite as error:
        logger.warning("acknowledged a stream record that is no row write: %s", error)
        return
    _counts.update(recorder().record_row(write).counts)


def _from_stream(event: dict[str, Any]) -> bool:
    records = event.get("Records") or []
    return bool(records) and isinstance(records[0], dict) and records[0].get("eventSource") == "aws:dynamodb"


def _process(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    _counts.clear()
    try:
        if _from_stream(event):
            return dict(process_partial_response(event, stream_record_handler, stream_batch, context))
        return dict(process_partial_response(event, record_handler, batch, context))
    finally:
        for name in METRICS:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=_counts[name])


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _entry
    if _entry is None:
        _entry = traced(SERVICE, logger.inject_lambda_context(metrics.log_metrics(_process)))
    return _entry(event, context)
