"""The live WebSocket API's ``$connect``, ``$disconnect`` and ``$default`` routes (API Gateway, Lambda proxy).

Wiring only: the routes live in ``ccm.live.connections``; the authoriser that ran before ``$connect`` is
``functions/edge_auth/app.py:live_authorizer``. The connection store is built on the first call of a cold start.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.utilities.typing import LambdaContext

from ccm.aws.lambda_entry import traced
from ccm.live.connections import handle_route
from ccm.settings import Settings
from ccm.storage.live_connections import DynamoLiveConnections

SERVICE = "ccm-live"
logger = Logger(service=SERVICE)

_connections: DynamoLiveConnections | None = None
_entry: Callable[[dict[str, Any], LambdaContext], dict[str, Any]] | None = None


def connections() -> DynamoLiveConnections:
    global _connections
    if _connections is None:
        copy_config_to_registered_loggers(source_logger=logger, include={"ccm"})
        _connections = DynamoLiveConnections(Settings.from_env().table)
    return _connections


def _route(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle_route(event, connections())


def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _entry
    if _entry is None:
        logged = logger.inject_lambda_context(correlation_id_path="requestContext.connectionId")(_route)
        _entry = traced(SERVICE, logged)
    return _entry(event, context)
