"""The state behind the local Graph server: Microsoft's token endpoint and the Graph calendar, in memory.

Requests arrive as :class:`GraphRequest` and leave as :class:`GraphResponse`, so the behaviour can be read and
tested apart from HTTP. Meetings created, updated and cancelled are recorded for the outbox; faults (429 or 503
with ``Retry-After``) can be injected.
"""

from __future__ import annotations

import html
import json
import re
import secrets
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
class GraphRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    raw_query: str
    headers: Mapping[str, str]
    body: bytes


@dataclass
class GraphResponse:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, document: Any, headers: dict[str, str] | None = None) -> GraphResponse:
        return cls(status, json.dumps(document).encode(), headers=headers or {})

    @classmethod
    def error(cls, status: int, message: str, code: str | None = None) -> GraphResponse:
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

    def export_events(self) -> list[dict[str, Any]]:
        """Every event of every mailbox as stored (ids, keys, cancellations): what a restart must bring back."""
        with self._lock:
            return json.loads(json.dumps(list(self._events.values())))  # type: ignore[no-any-return]

    def import_events(self, events: list[dict[str, Any]], previous_base_url: str = "") -> int:
        """Put back events of :meth:`export_events` under their own ids; links follow this server's address."""
        with self._lock:
            for stored in events:
                event = json.loads(json.dumps(stored))
                if previous_base_url and self.base_url:
                    for holder, key in ((event, "webLink"), (event.get("onlineMeeting") or {}, "joinUrl")):
                        if str(holder.get(key, "")).startswith(previous_base_url):
                            holder[key] = self.base_url + holder[key][len(previous_base_url) :]
                self._events[str(event["id"])] = event
            return len(events)

    # --- request handling -------------------------------------------------------------------------------------

    def handle(self, request: GraphRequest) -> GraphResponse:
        with self._lock:
            response = self._fault_for(request) or self._route(request)
            if request.path.startswith(GRAPH_PREFIX):
                self._calls.append(GraphCall(request.method, request.path, request.raw_query, response.status))
            return response

    def _fault_for(self, request: GraphRequest) -> GraphResponse | None:
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
            return GraphResponse.json(fault.status, {"error": {"code": code, "message": "injected"}}, headers)
        return None

    def _route(self, request: GraphRequest) -> GraphResponse:
        path, method = request.path, request.method
        if match := re.fullmatch(r"/([^/]+)/v2\.0/\.well-known/openid-configuration", path):
            return self._discovery(match.group(1)) if method == "GET" else GraphResponse.error(405, "GET only")
        if match := re.fullmatch(r"/([^/]+)/oauth2/v2\.0/token", path):
            return self._token(match.group(1), request) if method == "POST" else GraphResponse.error(405, "POST only")
        if match := re.fullmatch(r"/l/meetup-join/([^/]+)", path):
            return self._join_page(match.group(1))
        if path == "/_local/meetings" and method == "GET":
            return GraphResponse.json(200, {"meetings": self.meetings()})
        if path.startswith(GRAPH_PREFIX + "/"):
            if not self._authorized(request.headers):
                return GraphResponse.error(401, "Access token is empty or invalid.")
            return self._graph(request, path.removeprefix(GRAPH_PREFIX))
        return GraphResponse.error(404, f"no route {method} {path}")

    def _discovery(self, tenant: str) -> GraphResponse:
        if tenant != self.tenant_id:
            return GraphResponse.json(400, {"error": "invalid_tenant", "error_description": f"unknown tenant {tenant}"})
        root = f"{self.base_url}/{tenant}"
        return GraphResponse.json(
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

    def _token(self, tenant: str, request: GraphRequest) -> GraphResponse:
        form = {key: values[0] for key, values in parse_qs(request.body.decode("utf-8")).items()}
        if tenant != self.tenant_id:
            return GraphResponse.json(400, {"error": "invalid_request", "error_description": "unknown tenant"})
        if form.get("grant_type") != "client_credentials":
            return GraphResponse.json(400, {"error": "unsupported_grant_type"})
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return GraphResponse.json(401, {"error": "invalid_client", "error_description": "bad client credentials"})
        if not form.get("scope", "").endswith("/.default"):
            return GraphResponse.json(400, {"error": "invalid_scope", "error_description": "use <resource>/.default"})
        token = secrets.token_urlsafe(32)
        self._tokens.add(token)
        self.tokens_issued += 1
        return GraphResponse.json(
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

    def _graph(self, request: GraphRequest, path: str) -> GraphResponse:
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
                return GraphResponse.error(404, "The specified object was not found in the store.")
            if method == "GET":
                return GraphResponse.json(200, self._public(event, request.query))
            if method == "PATCH":
                return self._patch(event, request)
            if method == "DELETE":
                event["_removed"] = True
                return GraphResponse(204)
        return GraphResponse.error(400, f"unsupported request {method} {path}")

    # --- events -----------------------------------------------------------------------------------------------

    @staticmethod
    def _payload(request: GraphRequest) -> dict[str, Any] | GraphResponse:
        try:
            payload = json.loads(request.body or b"{}")
        except ValueError:
            return GraphResponse.error(400, "the body is not JSON")
        if not isinstance(payload, dict):
            return GraphResponse.error(400, "the body must be a JSON object")
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

    def _create(self, mailbox: str, request: GraphRequest) -> GraphResponse:
        payload = self._payload(request)
        if isinstance(payload, GraphResponse):
            return payload
        problem = self._time_problem(payload, required=True)
        if problem or not isinstance(payload.get("subject"), str):
            return GraphResponse.error(400, problem or "subject is required")
        transaction = payload.get("transactionId")
        if transaction:
            for existing in self._events.values():
                if existing["_mailbox"] == mailbox and existing.get("transactionId") == transaction:
                    return GraphResponse.json(201, self._public(existing, {}))
        event = self._new_event(mailbox, payload)
        self._record("created", event)
        return GraphResponse.json(201, self._public(event, {}))

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

    def _patch(self, event: dict[str, Any], request: GraphRequest) -> GraphResponse:
        payload = self._payload(request)
        if isinstance(payload, GraphResponse):
            return payload
        unknown = sorted(set(payload) - PATCHABLE)
        problem = self._time_problem(payload, required=False)
        if unknown or problem:
            return GraphResponse.error(400, problem or f"cannot update {', '.join(unknown)}")
        event.update(payload)
        event["_updates"] += 1
        event["lastModifiedDateTime"] = _now()
        self._record("updated", event)
        return GraphResponse.json(200, self._public(event, {}))

    def _cancel(self, mailbox: str, event_id: str) -> GraphResponse:
        event = self._live_event(mailbox, event_id)
        if event is None:
            return GraphResponse.error(404, "The specified object was not found in the store.")
        event["isCancelled"] = event["_removed"] = True
        event["lastModifiedDateTime"] = _now()
        self._record("cancelled", event)
        return GraphResponse(202)

    def _list(self, mailbox: str, request: GraphRequest) -> GraphResponse:
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
                return GraphResponse.error(400, f"unsupported $filter {wanted!r}")
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
        return GraphResponse.json(200, document)

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

    def _join_page(self, event_id: str) -> GraphResponse:
        with self._lock:
            event = self._events.get(event_id)
        if event is None:
            return GraphResponse(404, b"no such meeting", "text/plain; charset=utf-8")
        title = html.escape(str(event.get("subject", "")))
        state = "cancelled" if event["isCancelled"] else "scheduled"
        when = html.escape(
            f"{event['start']['dateTime'][:16]} – {event['end']['dateTime'][:16]} {event['start']['timeZone']}"
        )
        page = f"<!DOCTYPE html><title>{title}</title><h1>{title}</h1><p>Local meeting, {state}: {when}</p>"
        return GraphResponse(200, page.encode(), "text/html; charset=utf-8")


def _addresses(event: Mapping[str, Any]) -> list[str]:
    found = []
    for attendee in event.get("attendees") or []:
        address = (attendee.get("emailAddress") or {}).get("address") if isinstance(attendee, dict) else None
        if address:
            found.append(str(address))
    return found
