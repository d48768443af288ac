"""Lambda Function URL handler of the portal API (payload format 2.0): wiring only, the API lives in ``ccm.api``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ccm.api import create_app
from ccm.api.audience_source import LazyAudience
from ccm.api.public import create_public_app, is_public
from ccm.aws.lambda_entry import traced
from ccm.settings import Settings
from ccm.workflow import Services
from ccm.workflow.ticket_checks import TicketChecker

SERVICE = "ccm-api"
logger = Logger(service=SERVICE)
metrics = Metrics(namespace="CCM", service=SERVICE)
copy_config_to_registered_loggers(source_logger=logger, include={"ccm"})

_services: Services | None = None
_entry: Callable[[dict[str, Any], LambdaContext], dict[str, Any]] | None = None


def services() -> Services:
    """Built on the first request of a cold start and kept for the life of the execution environment."""
    global _services
    if _services is None:
        settings = Settings.from_env()
        _services = replace(
            Services.from_settings(settings),
            audience=LazyAudience(settings),
            tickets=_tickets(settings),
        )
    return _services


def _tickets(settings: Settings) -> TicketChecker | None:
    integrations = settings.config.integrations
    if integrations.servicenow is None and integrations.jira is None:
        return None
    # Only a deployment linked to ServiceNow or Jira loads their clients (and requests) on its first request.
    from ccm.integrations.checks import api_tickets
    from ccm.integrations.wiring import build_clients

    return api_tickets(build_clients(integrations))


app = create_app(services)
public_app = create_public_app(services)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.LAMBDA_FUNCTION_URL)
@metrics.log_metrics
def _handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    resolver = public_app if is_public(event) else app
    response: dict[str, Any] = resolver.resolve(event, context)
    # One data point per request, 0 or 1, so the metric's sum is the error count and its sample count the traffic.
    failed = int(response.get("statusCode", 500)) >= 500
    metrics.add_metric(name="ApiErrors", unit=MetricUnit.Count, value=1 if failed else 0)
    return response


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _entry
    if _entry is None:
        _entry = traced(SERVICE, _handle)
    return _entry(event, context)
