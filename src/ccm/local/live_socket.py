"""The live WebSocket API on this machine: ``/live`` on the portal's own address, as CloudFront serves it in AWS.

Three parts, each playing one AWS part:

- :class:`PortalFront` owns the portal's port and routes each new TCP connection by its first request: a WebSocket
  upgrade of ``/live`` to the socket server, anything else to the web server (waitress, which cannot upgrade). The
  browser sees one origin, so the pages' ``connect-src 'self'`` covers the socket, as it does behind CloudFront.
- :class:`LiveSockets` is API Gateway's WebSocket API: on a handshake it runs the real authoriser
  (``functions.edge_auth.app.live_authorizer``) with the event API Gateway sends, then the real ``$connect`` route
  (``functions.live.app``); on a close, ``$disconnect``. The socket library is ``websockets`` (threaded server).
- :class:`ManagementApi` answers the management API's ``POST``/``DELETE /@connections/{id}`` under ``/dev/live``,
  which the audit function's boto3 client (``CCM_LIVE_ENDPOINT``) calls exactly as it calls API Gateway.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import unquote

from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from ccm.local.http import StartResponse

logger = logging.getLogger(__name__)

LIVE_PATH = "/live"
MANAGEMENT_PATH = "/dev/live"
"""Where the local management API is mounted on the edge (``CCM_LIVE_ENDPOINT`` of the local functions)."""
STAGE = "live"
API_ID = "local"
MAX_HEAD_BYTES = 16 * 1024


class Invoker(Protocol):
    def invoke(self, event: dict[str, Any], request_id: str | None = None) -> Any: ...


def connection_id() -> str:
    """An id of API Gateway's form: 12 base64 characters and ``=``."""
    return base64.b64encode(os.urandom(9)).decode("ascii")[:12] + "="


def _epoch_ms() -> int:
    return int(time.time() * 1000)


def _request_context(route: str, event_type: str, connection: str, host: str) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "routeKey": route,
        "eventType": event_type,
        "messageDirection": "IN",
        "stage": STAGE,
        "connectedAt": _epoch_ms(),
        "requestTimeEpoch": _epoch_ms(),
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "requestId": connection_id(),
        "extendedRequestId": connection_id(),
        "identity": {"sourceIp": "127.0.0.1"},
        "domainName": host,
        "connectionId": connection,
        "apiId": API_ID,
    }


def _header_maps(headers: Headers) -> tuple[dict[str, str], dict[str, list[str]]]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in headers.raw_items():
        multi.setdefault(name, []).append(value)
        single[name] = value
    return single, multi


def authorizer_event(request: Request, connection: str, host: str) -> dict[str, Any]:
    """The REQUEST authoriser's event for a handshake, as API Gateway builds it (headers as CloudFront forwards
    them: the session cookies, ``Origin`` and the ``Sec-WebSocket-*`` headers)."""
    single, multi = _header_maps(request.headers)
    return {
        "type": "REQUEST",
        "methodArn": f"arn:aws:execute-api:us-east-1:000000000000:{API_ID}/{STAGE}/$connect",
        "headers": single,
        "multiValueHeaders": multi,
        "queryStringParameters": {},
        "multiValueQueryStringParameters": {},
        "stageVariables": {},
        "requestContext": _request_context("$connect", "CONNECT", connection, host),
    }


def route_event(route: str, connection: str, host: str, authorizer: dict[str, Any] | None = None) -> dict[str, Any]:
    event_type = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route, "MESSAGE")
    context = _request_context(route, event_type, connection, host)
    if authorizer is not None:
        context["authorizer"] = authorizer
    return {"headers": {"Host": host}, "requestContext": context, "isBase64Encoded": False}


def _allowed(answer: Any) -> dict[str, Any] | None:
    """The context of an ``Allow`` policy; ``None`` for anything else."""
    if not isinstance(answer, dict):
        return None
    statements = (answer.get("policyDocument") or {}).get("Statement") or []
    if not statements or any(statement.get("Effect") != "Allow" for statement in statements):
        return None
    context = answer.get("context") or {}
    return {"principalId": answer.get("principalId"), **context}


class LiveSockets:
    """API Gateway's WebSocket API: handshakes authorised and connected through the real functions."""

    def __init__(self, authorizer: Invoker, routes: Invoker, host: str = "127.0.0.1") -> None:
        self.authorizer = authorizer
        self.routes = routes
        self._connections: dict[str, ServerConnection] = {}
        self._ids: dict[int, str] = {}
        self._lock = threading.Lock()
        # A handshake waits for the authoriser and $connect (each a function call); a burst of them queues.
        self._server: Server = serve(
            self._handle,
            host,
            0,
            process_request=self._open,
            ping_interval=None,
            compression=None,
            open_timeout=120,
            backlog=1024,
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="live-sockets", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.socket.getsockname()[1])

    def start(self) -> LiveSockets:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    def _open(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.path.split("?", 1)[0] != LIVE_PATH:
            return connection.respond(404, "Not Found\n")
        host = request.headers.get("Host", "localhost")
        # API Gateway refuses a handshake without the identity source before it runs the authoriser.
        if not request.headers.get_all("Cookie"):
            return connection.respond(401, "Unauthorized\n")
        new_id = connection_id()
        context = _allowed(self.authorizer.invoke(authorizer_event(request, new_id, host)))
        if context is None:
            return connection.respond(403, "Forbidden\n")
        answer = self.routes.invoke(route_event("$connect", new_id, host, context))
        status = int(answer.get("statusCode") or 500) if isinstance(answer, dict) else 500
        if status != 200:
            return connection.respond(status, "Forbidden\n" if status == 403 else "Internal Server Error\n")
        with self._lock:
            self._ids[id(connection)] = new_id
        return None

    def _handle(self, connection: ServerConnection) -> None:
        with self._lock:
            live_id = self._ids.pop(id(connection))
            self._connections[live_id] = connection
        host = connection.request.headers.get("Host", "localhost") if connection.request else "localhost"
        try:
            for _ in connection:
                pass  # pages only listen; API Gateway would hand a message to $default, which ignores it
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._connections.pop(live_id, None)
            try:
                self.routes.invoke(route_event("$disconnect", live_id, host))
            except Exception as error:  # the stack is stopping, or the function failed: the row expires by TTL
                logger.warning("$disconnect of %s failed: %s", live_id, error)

    def send(self, connection: str, data: bytes) -> bool:
        with self._lock:
            socket_ = self._connections.get(connection)
        if socket_ is None:
            return False
        try:
            socket_.send(data.decode("utf-8"))
        except ConnectionClosed:
            return False
        return True

    def close(self, connection: str) -> bool:
        with self._lock:
            socket_ = self._connections.get(connection)
        if socket_ is None:
            return False
        socket_.close(1008, "session ended")
        return True

    def open_connections(self) -> int:
        with self._lock:
            return len(self._connections)


class ManagementApi:
    """``POST``/``DELETE /@connections/{id}`` as API Gateway answers them (410 ``GoneException`` for a connection
    that is not open)."""

    def __init__(self, sockets: LiveSockets) -> None:
        self.sockets = sockets

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        path = unquote(str(environ.get("PATH_INFO") or ""))
        if not path.startswith("/@connections/"):
            return _json(start_response, 404, {"message": "Not Found"})
        target = path.removeprefix("/@connections/")
        if method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            data = environ["wsgi.input"].read(length) if length else b""
            done = self.sockets.send(target, data)
            return _json(start_response, 200, {}) if done else _gone(start_response)
        if method == "DELETE":
            return _json(start_response, 204, None) if self.sockets.close(target) else _gone(start_response)
        return _json(start_response, 405, {"message": "Method Not Allowed"})


def _gone(start_response: StartResponse) -> list[bytes]:
    start_response("410 Gone", [("Content-Type", "application/json"), ("x-amzn-ErrorType", "GoneException")])
    return [b'{"message":"Gone"}']


def _json(start_response: StartResponse, status: int, body: Any) -> list[bytes]:
    phrases = {200: "OK", 204: "No Content", 404: "Not Found", 405: "Method Not Allowed"}
    payload = b"" if body is None else json.dumps(body).encode("utf-8")
    start_response(f"{status} {phrases[status]}", [("Content-Type", "application/json")])
    return [payload]


def _is_live_upgrade(head: bytes) -> bool:
    request_line, _, rest = head.partition(b"\r\n")
    parts = request_line.split(b" ")
    if len(parts) != 3 or parts[0] != b"GET" or parts[1].split(b"?", 1)[0] != LIVE_PATH.encode("ascii"):
        return False
    for line in rest.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"upgrade" and value.strip().lower() == b"websocket":
            return True
    return False


class PortalFront:
    """The portal's port: each TCP connection goes, whole, to the socket server or to the web server.

    One asyncio loop in one thread pipes every connection; browsers open a WebSocket on a connection of its own,
    so looking at the first request of each connection is enough.
    """

    def __init__(self, host: str, port: int) -> None:
        self.listener = socket.create_server((host, port), reuse_port=False, backlog=1024)
        self.web: tuple[str, int] | None = None
        self.live: tuple[str, int] | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="portal-front", daemon=True)
        self._ready = threading.Event()
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        return int(self.listener.getsockname()[1])

    def start(self, web: tuple[str, int], live: tuple[str, int] | None) -> PortalFront:
        self.web, self.live = web, live
        self._thread.start()
        self._ready.wait(timeout=10)
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        with contextlib.suppress(OSError):
            self.listener.close()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._route, sock=self.listener))
        self._ready.set()
        self._loop.run_forever()

    async def _route(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        target = self.live if self.live is not None and _is_live_upgrade(head) else self.web
        assert target is not None
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*target)
        except OSError:
            writer.close()
            return
        upstream_writer.write(head)
        await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(ConnectionError, OSError, RuntimeError):
            writer.close()
