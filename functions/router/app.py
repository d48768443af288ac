"""SQS consumer of the router queue: each customer's S3 trigger events -> that customer's trigger queue.

Thin wiring over :mod:`ccm.routing.router`: the batch's records are forwarded together (one SendMessageBatch per
customer), records whose forward failed are reported as partial batch failures, metrics in namespace ``CCM``.
The router is built on the first call of a cold start, not at import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ccm.aws.lambda_entry import traced
from ccm.routing.router import Incoming, TriggerRouter
from ccm.settings import Settings

SERVICE = "ccm-router"
logger = Logger(service=SERVICE)
metrics = Metrics(namespace="CCM", service=SERVICE)

_router: TriggerRouter | None = None
_entry: Callable[[dict[str, Any], LambdaContext], dict[str, Any]] | None = None


def router() -> TriggerRouter:
    global _router
    if _router is None:
        import boto3

        from ccm.aws.clients import retry_config

        copy_config_to_registered_loggers(source_logger=logger, include={"ccm"})
        settings = Settings.from_env()
        sqs = boto3.client("sqs", config=retry_config())
        dead_letters = sqs.get_queue_url(QueueName=settings.router_dead_letter_queue)["QueueUrl"]
        _router = TriggerRouter(
            settings.config, sqs, queue_prefix=settings.trigger_queue_prefix, dead_letter_queue_url=dead_letters
        )
    return _router


def _process(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    messages = [Incoming(record["messageId"], record.get("body", "")) for record in event.get("Records", [])]
    report = router().route(messages)
    metrics.add_metric(name="TriggersForwarded", unit=MetricUnit.Count, value=report.forwarded)
    metrics.add_metric(name="TriggersForUnknownCustomers", unit=MetricUnit.Count, value=report.unknown)
    metrics.add_metric(name="TriggersNotForwarded", unit=MetricUnit.Count, value=len(report.failed))
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in report.failed]}


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _entry
    if _entry is None:
        _entry = traced(SERVICE, logger.inject_lambda_context(metrics.log_metrics(_process)))
    return _entry(event, context)
