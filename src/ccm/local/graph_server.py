"""A local stand-in for Microsoft's token endpoint and the Graph calendar endpoints ccm uses, over HTTPS.

The real msal and requests code runs against it unchanged: msal discovers the tenant
(``/{tenant}/v2.0/.well-known/openid-configuration``) and takes a client-credentials token
(``/{tenant}/oauth2/v2.0/token``); the Graph client creates, finds, updates and cancels events under
``/v1.0/users/{organizer}/events``. Every meeting created, updated or cancelled is recorded, so the local stack's
outbox page can list them (:meth:`GraphServer.meetings`, or ``GET /_local/meetings``), and faults such as 429 or
503 with ``Retry-After`` can be injected (:meth:`FakeGraph.inject`).

Usage::

    server = GraphServer(cert_dir=".local-data/graph").start()
    os.environ.update(server.environment())          # CCM_GRAPH_AUTHORITY_HOST, CCM_GRAPH_BASE_URL, CCM_GRAPH_CA_BUNDLE
    server.seed_parameters(config.graph_config, boto3.client("ssm"))   # the secrets msal will read from SSM
    ...
    server.meetings()                                # what was scheduled, for the outbox page
    server.stop()
"""

from __future__ import annotations

import html
import json
import logging
import re
import secrets
import shutil
import tempfile
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socket import socket
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ccm.local.tls import LocalCertificate, local_certificate

if TYPE_CHECKING:
    import requests
    from mypy_boto3_ssm import SSMClient

    from ccm.config import GraphConfig

logger = logging.getLogger(__name__)

LOCAL_TENANT_ID = "00000000-0000-4000-8000-00000000c0de"
LOCAL_CLIENT_ID = "11111111-1111-4111-8111-00000000c0de"
LOCAL_CLIENT_SECRET = "local-graph-secret"
GRAPH_PREFIX = "/v1.0"
TOKEN_LIFETIME_SECONDS = 3600
DEFAULT_PAGE_SIZE = 10
ICAL_UID_PREFIX = "040000008200E00074C5B7101A82E00800000000"
PATCHABLE = frozenset(
    {"subject", "body", "start", "end", "location", "attendees", "hideAttendees", "isOnlineMeeting", "isReminderOn"}
    | {"onlineMeetingProvider", "reminderMinutesBeforeStart", "allowNewTimeProposals", "responseRequested"}
)
_PROPERTY_FILTER = re.compile(
    r"^singleValueExtendedProperties/any\(\s*(\w+):\s*\1/id eq '((?:[^']|'')*)' and \1/value eq '((?:[^']|'')*)'\s*\)$",
    re.IGNORECASE,
)
_ICAL_UID_FILTER = re.compile(r"^iCalUId eq '((?:[^']|'')*)'$")
_GRAPH_ERRORS = {400: "ErrorInvalidRequest", 401: "InvalidAuthenticationToken", 404: "ErrorItemNotFound"}
_FAULT_CODES = {429: "TooManyRequests", 503: "ServiceUnavailable", 502: "BadGateway", 504: "GatewayTimeout"}


def _odata_literal(text: str) -> str:
    return text.replace("''", "'")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class MeetingAction:
    """One thing done to a meeting, as the outbox lists it."""

    action: str
    event_id: str
    organizer: str
    subject: str
    start: str
    end: str
    time_zone: str
    attendees: tuple[str, ...]
    join_url: str
    at: str


@dataclass(frozen=True)
class GraphCall:
    method: str
    path: str
    query: str
    status: int


@dataclass
class _Fault:
    status: int
    retry_after: str | None
    method: str | None
    path_contains: str | None
    remaining: int


@dataclass
class _Request:
    method: str
    path: str
    query: dict[str, list[str]]
    raw_query: str
    headers: Mapping[str, str]
    body: bytes


@dataclass
class _Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, document: Any, headers: dict[str, str] | None = None) -> _Response:
        return cls(status, json.dumps(document).encode(), headers=headers or {})

    @classmethod
    def error(cls, status: int, message: str, code: str | None = None) -> _Response:
        code = code or _GRAPH_ERRORS.get(status, "ErrorInternalServerError")
        return cls.json(status, {"error": {"code": code, "message": message}})


class FakeGraph:
    """The state behind the server: events per organizer mailbox, tokens, recorded actions, injected faults."""

    def __init__(
        self,
        *,
        tenant_id: str = LOCAL_TENANT_ID,
        client_id: str = LOCAL_CLIENT_ID,
        client_secret: str = LOCAL_CLIENT_SECRET,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.page_size = page_size
        self.base_url = ""
        self._lock = threading.RLock()
        self._events: dict[str, dict[str, Any]] = {}
        self._tokens: set[str] = set()
        self._faults: list[_Fault] = []
        self._actions: list[MeetingAction] = []
        self._calls: list[GraphCall] = []
        self.tokens_issued = 0

    # --- what tests and the local stack use -------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every event, action, call and fault (tokens stay valid, as a real tenant's would)."""
        with self._lock:
            self._events.clear()
            self._faults.clear()
            self._actions.clear()
            self._calls.clear()
            self.page_size = DEFAULT_PAGE_SIZE

    def inject(
        self,
        status: int,
        *,
        retry_after: float | str | None = None,
        method: str | None = None,
        path_contains: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` (and ``Retry-After``) instead of serving them.

        Faults hit Graph calls; ``path_contains`` (e.g. ``/oauth2/``) aims one at the sign-in endpoints instead.
        """
        header = None if retry_after is None else str(retry_after)
        with self._lock:
            self._faults.append(_Fault(status, header, method and method.upper(), path_contains, times))

    def actions(self) -> list[MeetingAction]:
        with self._lock:
            return list(self._actions)

    def calls(self, method: str | None = None, path_contains: str | None = None) -> list[GraphCall]:
        with self._lock:
            return [
                call
                for call in self._calls
                if (method is None or call.method == method.upper())
                and (path_contains is None or path_contains in call.path)
            ]

    def meetings(self) -> list[dict[str, Any]]:
        """Every event ever created (cancelled ones included), oldest first, as the outbox shows them."""
        with self._lock:
            events = sorted(self._events.values(), key=lambda event: event["createdDateTime"])
            return [self._summary(event) for event in events]

    def add_event(self, organizer: str, payload: Mapping[str, Any], *, cancelled: bool = False) -> dict[str, Any]:
        """Put an event into a mailbox directly (as if made elsewhere): nothing is recorded as an action."""
        with self._lock:
            event = self._new_event(organizer.lower(), dict(payload))
            event["isCancelled"] = cancelled
            return dict(event)

    # --- request handling -------------------------------------------------------------------------------------

    def handle(self, request: _Request) -> _Response:
        with self._lock:
            response = self._fault_for(request) or self._route(request)
            if request.path.startswith(GRAPH_PREFIX):
                self._calls.append(GraphCall(request.method, request.path, request.raw_query, response.status))
            return response

    def _fault_for(self, request: _Request) -> _Response | None:
        for fault in self._faults:
            if fault.remaining <= 0:
                continue
            if fault.method and fault.method != request.method:
                continue
            if fault.path_contains is None and not request.path.startswith(GRAPH_PREFIX):
                continue
            if fault.path_contains and fault.path_contains not in request.path:
                continue
            fault.remaining -= 1
            headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
            code = _FAULT_CODES.get(fault.status, "ErrorInternalServerError")
            return _Response.json(fault.status, {"error": {"code": code, "message": "injected"}}, headers)
        return None

    def _route(self, request: _Request) -> _Response:
        path, method = request.path, request.method
        if match := re.fullmatch(r"/([^/]+)/v2\.0/\.well-known/openid-configuration", path):
            return self._discovery(match.group(1)) if method == "GET" else _Response.error(405, "GET only")
        if match := re.fullmatch(r"/([^/]+)/oauth2/v2\.0/token", path):
            return self._token(match.group(1), request) if method == "POST" else _Response.error(405, "POST only")
        if match := re.fullmatch(r"/l/meetup-join/([^/]+)", path):
            return self._join_page(match.group(1))
        if path == "/_local/meetings" and method == "GET":
            return _Response.json(200, {"meetings": self.meetings()})
        if path.startswith(GRAPH_PREFIX + "/"):
            if not self._authorized(request.headers):
                return _Response.error(401, "Access token is empty or invalid.")
            return self._graph(request, path.removeprefix(GRAPH_PREFIX))
        return _Response.error(404, f"no route {method} {path}")

    def _discovery(self, tenant: str) -> _Response:
        if tenant != self.tenant_id:
            return _Response.json(400, {"error": "invalid_tenant", "error_description": f"unknown tenant {tenant}"})
        root = f"{self.base_url}/{tenant}"
        return _Response.json(
            200,
            {
                "issuer": f"{root}/v2.0",
                "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
                "token_endpoint": f"{root}/oauth2/v2.0/token",
                "token_endpoint_auth_methods_supported": ["client_secret_post"],
                "response_types_supported": ["code", "token"],
                "subject_types_supported": ["pairwise"],
            },
        )

    def _token(self, tenant: str, request: _Request) -> _Response:
        form = {key: values[0] for key, values in parse_qs(request.body.decode("utf-8")).items()}
        if tenant != self.tenant_id:
            return _Response.json(400, {"error": "invalid_request", "error_description": "unknown tenant"})
        if form.get("grant_type") != "client_credentials":
            return _Response.json(400, {"error": "unsupported_grant_type"})
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return _Response.json(401, {"error": "invalid_client", "error_description": "bad client credentials"})
        if not form.get("scope", "").endswith("/.default"):
            return _Response.json(400, {"error": "invalid_scope", "error_description": "use <resource>/.default"})
        token = secrets.token_urlsafe(32)
        self._tokens.add(token)
        self.tokens_issued += 1
        return _Response.json(
            200,
            {
                "token_type": "Bearer",
                "expires_in": TOKEN_LIFETIME_SECONDS,
                "ext_expires_in": TOKEN_LIFETIME_SECONDS,
                "access_token": token,
            },
        )

    def _authorized(self, headers: Mapping[str, str]) -> bool:
        scheme, _, token = (headers.get("Authorization") or "").partition(" ")
        return scheme.lower() == "bearer" and token in self._tokens

    def _graph(self, request: _Request, path: str) -> _Response:
        method = request.method
        if match := re.fullmatch(r"/users/([^/]+)/events", path):
            mailbox = match.group(1).lower()
            if method == "POST":
                return self._create(mailbox, request)
            if method == "GET":
                return self._list(mailbox, request)
        elif match := re.fullmatch(r"/users/([^/]+)/events/([^/]+)/cancel", path):
            if method == "POST":
                return self._cancel(match.group(1).lower(), match.group(2))
        elif match := re.fullmatch(r"/users/([^/]+)/events/([^/]+)", path):
            event = self._live_event(match.group(1).lower(), match.group(2))
            if event is None:
                return _Response.error(404, "The specified object was not found in the store.")
            if method == "GET":
                return _Response.json(200, self._public(event, request.query))
            if method == "PATCH":
                return self._patch(event, request)
            if method == "DELETE":
                event["_removed"] = True
                return _Response(204)
        return _Response.error(400, f"unsupported request {method} {path}")

    # --- events -----------------------------------------------------------------------------------------------

    @staticmethod
    def _payload(request: _Request) -> dict[str, Any] | _Response:
        try:
            payload = json.loads(request.body or b"{}")
        except ValueError:
            return _Response.error(400, "the body is not JSON")
        if not isinstance(payload, dict):
            return _Response.error(400, "the body must be a JSON object")
        return payload

    @staticmethod
    def _time_problem(payload: Mapping[str, Any], required: bool) -> str | None:
        for key in ("start", "end"):
            value = payload.get(key)
            if value is None and not required:
                continue
            if not isinstance(value, dict) or not value.get("dateTime") or not value.get("timeZone"):
                return f"{key} needs dateTime and timeZone"
            try:
                datetime.fromisoformat(str(value["dateTime"])[:19])
                ZoneInfo(str(value["timeZone"]))
            except (ValueError, ZoneInfoNotFoundError):
                return f"{key} is not a valid dateTimeTimeZone"
        return None

    def _create(self, mailbox: str, request: _Request) -> _Response:
        payload = self._payload(request)
        if isinstance(payload, _Response):
            return payload
        problem = self._time_problem(payload, required=True)
        if problem or not isinstance(payload.get("subject"), str):
            return _Response.error(400, problem or "subject is required")
        transaction = payload.get("transactionId")
        if transaction:
            for existing in self._events.values():
                if existing["_mailbox"] == mailbox and existing.get("transactionId") == transaction:
                    return _Response.json(201, self._public(existing, {}))
        event = self._new_event(mailbox, payload)
        self._record("created", event)
        return _Response.json(201, self._public(event, {}))

    def _new_event(self, mailbox: str, payload: dict[str, Any]) -> dict[str, Any]:
        event_id = f"AAMkAGI{secrets.token_urlsafe(30)}="
        stamp = _now()
        event: dict[str, Any] = {
            key: value for key, value in payload.items() if key not in ("singleValueExtendedProperties", "id")
        }
        event.update(
            {
                "id": event_id,
                "_mailbox": mailbox,
                "_properties": {
                    str(item.get("id")): str(item.get("value"))
                    for item in payload.get("singleValueExtendedProperties") or []
                    if isinstance(item, dict)
                },
                "_updates": 0,
                "_removed": False,
                "iCalUId": ICAL_UID_PREFIX + uuid.uuid4().hex.upper(),
                "createdDateTime": stamp,
                "lastModifiedDateTime": stamp,
                "isCancelled": False,
                "organizer": {"emailAddress": {"address": mailbox, "name": mailbox}},
                "webLink": f"{self.base_url}/owa/?itemid={quote(event_id, safe='')}",
            }
        )
        if payload.get("isOnlineMeeting"):
            event["onlineMeeting"] = {"joinUrl": f"{self.base_url}/l/meetup-join/{quote(event_id, safe='')}"}
        self._events[event_id] = event
        return event

    def _live_event(self, mailbox: str, event_id: str) -> dict[str, Any] | None:
        event = self._events.get(event_id)
        if event is None or event["_mailbox"] != mailbox or event["_removed"]:
            return None
        return event

    def _patch(self, event: dict[str, Any], request: _Request) -> _Response:
        payload = self._payload(request)
        if isinstance(payload, _Response):
            return payload
        unknown = sorted(set(payload) - PATCHABLE)
        problem = self._time_problem(payload, required=False)
        if unknown or problem:
            return _Response.error(400, problem or f"cannot update {', '.join(unknown)}")
        event.update(payload)
        event["_updates"] += 1
        event["lastModifiedDateTime"] = _now()
        self._record("updated", event)
        return _Response.json(200, self._public(event, {}))

    def _cancel(self, mailbox: str, event_id: str) -> _Response:
        event = self._live_event(mailbox, event_id)
        if event is None:
            return _Response.error(404, "The specified object was not found in the store.")
        event["isCancelled"] = event["_removed"] = True
        event["lastModifiedDateTime"] = _now()
        self._record("cancelled", event)
        return _Response(202)

    def _list(self, mailbox: str, request: _Request) -> _Response:
        query = {key: values[0] for key, values in request.query.items()}
        events = [event for event in self._events.values() if event["_mailbox"] == mailbox]
        wanted = query.get("$filter")
        if wanted:
            if match := _PROPERTY_FILTER.fullmatch(wanted.strip()):
                property_id, value = _odata_literal(match.group(2)), _odata_literal(match.group(3))
                events = [event for event in events if event["_properties"].get(property_id) == value]
            elif match := _ICAL_UID_FILTER.fullmatch(wanted.strip()):
                events = [event for event in events if event["iCalUId"] == _odata_literal(match.group(1))]
            else:
                return _Response.error(400, f"unsupported $filter {wanted!r}")
        # A cancelled meeting leaves the organizer's calendar; one added as cancelled stays visible as such.
        events = [event for event in events if not event["_removed"]]
        events.sort(key=lambda event: event["createdDateTime"])
        size = min(int(query.get("$top") or self.page_size), self.page_size)
        offset = int(query.get("$skiptoken") or 0)
        page = events[offset : offset + size]
        document: dict[str, Any] = {"value": [self._public(event, request.query) for event in page]}
        if offset + size < len(events):
            following = {key: value for key, value in query.items() if key != "$skiptoken"}
            following["$skiptoken"] = str(offset + size)
            document["@odata.nextLink"] = f"{self.base_url}{request.path}?{urlencode(following, quote_via=quote)}"
        return _Response.json(200, document)

    @staticmethod
    def _public(event: Mapping[str, Any], query: Mapping[str, list[str]]) -> dict[str, Any]:
        public = {key: value for key, value in event.items() if not key.startswith("_")}
        selected = (query.get("$select") or [""])[0]
        if selected:
            fields = {name.strip() for name in selected.split(",")} | {"id"}
            public = {key: value for key, value in public.items() if key in fields}
        return public

    def _record(self, action: str, event: Mapping[str, Any]) -> None:
        self._actions.append(
            MeetingAction(
                action=action,
                event_id=event["id"],
                organizer=event["_mailbox"],
                subject=str(event.get("subject", "")),
                start=str(event["start"]["dateTime"]),
                end=str(event["end"]["dateTime"]),
                time_zone=str(event["start"]["timeZone"]),
                attendees=tuple(_addresses(event)),
                join_url=str((event.get("onlineMeeting") or {}).get("joinUrl", "")),
                at=_now(),
            )
        )

    def _summary(self, event: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "id": event["id"],
            "organizer": event["_mailbox"],
            "subject": event.get("subject", ""),
            "start": event["start"]["dateTime"],
            "end": event["end"]["dateTime"],
            "timeZone": event["start"]["timeZone"],
            "attendees": _addresses(event),
            "hideAttendees": bool(event.get("hideAttendees")),
            "location": (event.get("location") or {}).get("displayName", ""),
            "joinUrl": (event.get("onlineMeeting") or {}).get("joinUrl", ""),
            "iCalUId": event["iCalUId"],
            "status": "cancelled" if event["isCancelled"] else "deleted" if event["_removed"] else "scheduled",
            "updates": event["_updates"],
            "createdAt": event["createdDateTime"],
            "key": next(iter(event["_properties"].values()), None),
        }

    def _join_page(self, event_id: str) -> _Response:
        with self._lock:
            event = self._events.get(event_id)
        if event is None:
            return _Response(404, b"no such meeting", "text/plain; charset=utf-8")
        title = html.escape(str(event.get("subject", "")))
        state = "cancelled" if event["isCancelled"] else "scheduled"
        when = html.escape(
            f"{event['start']['dateTime'][:16]} – {event['end']['dateTime'][:16]} {event['start']['timeZone']}"
        )
        page = f"<!DOCTYPE html><title>{title}</title><h1>{title}</h1><p>Local meeting, {state}: {when}</p>"
        return _Response(200, page.encode(), "text/html; charset=utf-8")


def _addresses(event: Mapping[str, Any]) -> list[str]:
    found = []
    for attendee in event.get("attendees") or []:
        address = (attendee.get("emailAddress") or {}).get("address") if isinstance(attendee, dict) else None
        if address:
            found.append(str(address))
    return found


class _Handler(BaseHTTPRequestHandler):
    server: _HttpsServer
    timeout = 15

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = _Request(
            method=method,
            path=unquote(url.path),
            query=parse_qs(url.query, keep_blank_values=True),
            raw_query=url.query,
            headers={name: value for name, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        response = self.server.graph.handle(request)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if response.body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("local graph: " + format, *args)


class _HttpsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], graph: FakeGraph, certificate: LocalCertificate) -> None:
        self.graph = graph
        self.tls = certificate.server_context()
        super().__init__(address, _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake runs here, in the connection's own thread, so one slow client cannot stall the rest.
        assert isinstance(request, socket)
        try:
            secure = self.tls.wrap_socket(request, server_side=True)
        except OSError as error:
            logger.debug("local graph: TLS handshake with %s failed: %s", client_address, error)
            return
        try:
            _Handler(secure, client_address, self)
        finally:
            secure.close()


class GraphServer:
    """The fake token + Graph endpoints on ``https://127.0.0.1:<port>``, in a background thread."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        cert_dir: str | Path | None = None,
        graph: FakeGraph | None = None,
    ) -> None:
        self.graph = graph or FakeGraph()
        self._host = host
        self._port = port
        self._cert_dir = Path(cert_dir) if cert_dir is not None else None
        self._temporary: Path | None = None
        self._server: _HttpsServer | None = None
        self._thread: threading.Thread | None = None
        self.certificate: LocalCertificate | None = None

    def start(self) -> GraphServer:
        if self._server is not None:
            return self
        directory = self._cert_dir
        if directory is None:
            directory = self._temporary = Path(tempfile.mkdtemp(prefix="ccm-graph-"))
        self.certificate = local_certificate(directory)
        self._server = _HttpsServer((self._host, self._port), self.graph, self.certificate)
        self.graph.base_url = self.url
        server = self._server
        self._thread = threading.Thread(
            target=lambda: server.serve_forever(poll_interval=0.05), name="local-graph", daemon=True
        )
        self._thread.start()
        logger.info("local Graph and token endpoints at %s", self.url)
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        if self._temporary is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)
            self._temporary = None

    def __enter__(self) -> GraphServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the local Graph server is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"https://{self._host}:{self.port}"

    @property
    def authority_host(self) -> str:
        return self.url

    @property
    def graph_base_url(self) -> str:
        return f"{self.url}{GRAPH_PREFIX}"

    @property
    def ca_bundle(self) -> Path:
        if self.certificate is None:
            raise RuntimeError("the local Graph server is not running")
        return self.certificate.certificate_path

    def environment(self) -> dict[str, str]:
        """The ``CCM_GRAPH_*`` settings that point ccm's Graph client at this server and make it trust it."""
        return {
            "CCM_GRAPH_AUTHORITY_HOST": self.authority_host,
            "CCM_GRAPH_BASE_URL": self.graph_base_url,
            "CCM_GRAPH_CA_BUNDLE": str(self.ca_bundle),
        }

    def session(self) -> requests.Session:
        """A requests session that trusts this server's certificate (and ignores ``REQUESTS_CA_BUNDLE``)."""
        from ccm.meetings.graph_setup import graph_session

        return graph_session(str(self.ca_bundle))

    def seed_parameters(self, graph_config: GraphConfig, ssm: SSMClient) -> None:
        """Store this tenant's credentials under the SSM SecureString names ``graph_config`` gives."""
        for name, value in (
            (graph_config.tenant_id_parameter, self.graph.tenant_id),
            (graph_config.client_id_parameter, self.graph.client_id),
            (graph_config.client_secret_parameter, self.graph.client_secret),
        ):
            ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)

    def meetings(self) -> list[dict[str, Any]]:
        return self.graph.meetings()

    def actions(self) -> list[MeetingAction]:
        return self.graph.actions()
