"""The WebSocket API's ``$connect`` and ``$disconnect`` routes: remember the connection as the authoriser let it
in, forget it when it closes. The authoriser (``ccm.edge.live_authorizer``) has already refused anyone without a
valid session, so ``$connect`` only reads what it put in the request context."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from ccm.storage.live_connections import LiveConnection, LiveConnections

logger = logging.getLogger(__name__)


def _context(event: Mapping[str, Any]) -> Mapping[str, Any]:
    request_context = event.get("requestContext")
    return request_context if isinstance(request_context, Mapping) else {}


def handle_route(
    event: Mapping[str, Any], connections: LiveConnections, clock: Callable[[], float] = time.time
) -> dict[str, Any]:
    """API Gateway's answer to one route event: 200 for a connection kept or forgotten, 403 for one that came
    without the authoriser's context (a misconfigured route must never let anyone in)."""
    context = _context(event)
    route = str(context.get("routeKey") or "")
    connection_id = str(context.get("connectionId") or "")
    if not connection_id:
        return {"statusCode": 400, "body": "The event names no connection."}
    if route == "$disconnect":
        connections.remove(connection_id)
        return {"statusCode": 200}
    if route != "$connect":
        # The portal never sends; anything it might is ignored rather than answered.
        return {"statusCode": 200}
    authorizer = context.get("authorizer")
    email = str(authorizer.get("email") or "") if isinstance(authorizer, Mapping) else ""
    if not email or not isinstance(authorizer, Mapping):
        logger.warning("refused connection %s: no authoriser context", connection_id)
        return {"statusCode": 403, "body": "Sign-in required."}
    groups = _groups(authorizer.get("groups"))
    connections.add(
        LiveConnection(
            connection_id=connection_id,
            email=email.lower(),
            groups=groups,
            session_ends=int(authorizer.get("expiresAt") or 0),
            connected_at=int(clock()),
        )
    )
    return {"statusCode": 200}


def _groups(value: Any) -> tuple[str, ...]:
    """The groups the authoriser put in the context as a JSON list."""
    try:
        parsed = json.loads(str(value or "[]"))
    except ValueError:
        return ()
    return tuple(str(group) for group in parsed if isinstance(group, str)) if isinstance(parsed, list) else ()
