"""Local stand-ins for ServiceNow's Table API (``/dev/servicenow``) and Jira Cloud's REST API v3 (``/dev/jira``).

They answer the requests ccm makes the way the real APIs do (the shapes of ``tests/integrations/payloads``),
check the credentials the stack seeded into SSM, and keep their records in the data folder (``tickets.json``), so
a change request made in one run is there in the next. /dev/outbox lists their records and every write.

Only what ccm uses is served: ``change_request`` queries by ``number`` or ``correlation_id``, read, create and update
by ``sys_id`` (work notes go to the record's journal, as on an instance), the OAuth token endpoint; a Jira issue's
read, its comments (ADF bodies are checked), and ``myself``. Setting ``down`` makes either answer 503, so the
behaviour of ccm with the other system out of service can be shown and tested.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote

from ccm.config import AppConfig
from ccm.domain.times import format_rfc3339, utc_now
from ccm.local.http import BodyTooLarge, HttpRequest, HttpResponse, StartResponse, text_response

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient

SERVICENOW_PATH = "/dev/servicenow"
JIRA_PATH = "/dev/jira"
TICKETS_FILE = "tickets.json"
TABLE_PATH = "/api/now/table/change_request"
KEPT_WRITES = 500
ACCOUNT_ID = "5b10ac8d82e05b22cc7d4ef5"
"""The stand-in's Atlassian account id (the shape of one)."""

DEMO_SNOW_USER = "ccm.integration"
DEMO_JIRA_EMAIL = "ccm-bot@example.com"
DEMO_ISSUES = {
    "OPS-101": ("Renew the edge certificates before they expire", "In Progress"),
    "OPS-102": ("Monthly database host patching", "To Do"),
    "OPS-103": ("Retire the old reporting cluster", "Done"),
}
DEMO_ISSUES["OPS-42"] = ("Load balancer certificates expire next month", "In Progress")
DEMO_CHANGE_REQUESTS = {
    "CHG0012345": ("Rotate load balancer certificates", "-3"),
    "CHG0012346": ("Patch the database hosts", "-2"),
}
"""Records the stand-ins start with (the numbers the tests' and the demo's changes name), with their states."""
DEMO_PARAMETERS = {
    "servicenow_user": "/ccm/integrations/servicenow/username",
    "servicenow_password": "/ccm/integrations/servicenow/password",
    "jira_token": "/ccm/integrations/jira/api-token",
}


def demo_integrations(portal_base_url: str) -> dict[str, Any]:
    """The local config's ``integrations`` when config.json has none: both stand-ins, every feature on."""
    return {
        "servicenow": {
            "instance_url": f"{portal_base_url}{SERVICENOW_PATH}",
            "username_parameter": DEMO_PARAMETERS["servicenow_user"],
            "password_parameter": DEMO_PARAMETERS["servicenow_password"],
            "create_change_requests": True,
            "assignment_group": "Platform Operations",
            "validate_ticket_numbers": True,
        },
        "jira": {
            "base_url": f"{portal_base_url}{JIRA_PATH}",
            "email": DEMO_JIRA_EMAIL,
            "api_token_parameter": DEMO_PARAMETERS["jira_token"],
            "validate_issue_keys": True,
        },
    }


def local_integrations(configured: Any, portal_base_url: str) -> dict[str, Any]:
    """config.json's own integrations pointed at the stand-ins, or the demo's when it has none."""
    if not isinstance(configured, dict) or not configured:
        return demo_integrations(portal_base_url)
    local: dict[str, Any] = json.loads(json.dumps(configured))
    if isinstance(local.get("servicenow"), dict):
        local["servicenow"]["instance_url"] = f"{portal_base_url}{SERVICENOW_PATH}"
    if isinstance(local.get("jira"), dict):
        local["jira"]["base_url"] = f"{portal_base_url}{JIRA_PATH}"
    return local


def _now() -> str:
    return format_rfc3339(utc_now())


def _snow_now() -> str:
    """The Table API's date-time: UTC, without a zone (its default for values without display values)."""
    return utc_now().strftime("%Y-%m-%d %H:%M:%S")


def _jira_now() -> str:
    return utc_now().strftime("%Y-%m-%dT%H:%M:%S.000+0000")


@dataclass
class TicketRecords:
    """Both systems' records, written through to ``path`` (when given) after every change."""

    path: Path | None = None
    change_requests: list[dict[str, Any]] = field(default_factory=list)
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)
    writes: list[dict[str, Any]] = field(default_factory=list)
    """Every create, update and comment, oldest first (the outbox shows them)."""
    lock: threading.RLock = field(default_factory=threading.RLock)

    @classmethod
    def open(cls, path: Path | None) -> TicketRecords:
        records = cls(path)
        if path is not None and path.exists():
            document = json.loads(path.read_text(encoding="utf-8"))
            records.change_requests = list(document.get("change_requests", []))
            records.issues = dict(document.get("issues", {}))
            records.writes = list(document.get("writes", []))
        for number, (title, state) in DEMO_CHANGE_REQUESTS.items():
            if not any(record.get("number") == number for record in records.change_requests):
                sys_id = hashlib.md5(number.encode()).hexdigest()  # a stable sys_id of the usual shape, not a secret
                seeded = {"sys_id": sys_id, "number": number, "state": state, "short_description": title}
                records.change_requests.append({**seeded, "type": "normal", "work_notes_journal": []})
        for key, (summary, status) in DEMO_ISSUES.items():
            records.issues.setdefault(
                key, {"id": str(10000 + len(records.issues)), "summary": summary, "status": status, "comments": []}
            )
        return records

    def save(self) -> None:
        if self.path is None:
            return
        with self.lock:
            document = {"change_requests": self.change_requests, "issues": self.issues, "writes": self.writes}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
            temporary.replace(self.path)

    def note(self, system: str, action: str, ticket: str, body: Any) -> None:
        with self.lock:
            self.writes.append({"at": _now(), "system": system, "action": action, "ticket": ticket, "body": body})
            del self.writes[:-KEPT_WRITES]

    def document(self) -> dict[str, Any]:
        with self.lock:
            document = {"change_requests": self.change_requests, "issues": self.issues, "writes": self.writes}
            copied: dict[str, Any] = json.loads(json.dumps(document))
        return copied


def _json(status: int, document: Any) -> HttpResponse:
    return text_response(status, json.dumps(document), "application/json")


def _snow_error(status: int, message: str, detail: str) -> HttpResponse:
    """The Table API's error document."""
    return _json(status, {"error": {"message": message, "detail": detail}, "status": "failure"})


def _jira_error(status: int, message: str) -> HttpResponse:
    """Jira's error collection."""
    return _json(status, {"errorMessages": [message], "errors": {}})


def _basic(request: HttpRequest) -> tuple[str, str] | None:
    header = request.header("Authorization") or ""
    if not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    return user, password


class ServiceNowStandIn:
    def __init__(self, records: TicketRecords, credentials: Callable[[], tuple[str, str]]) -> None:
        self.records = records
        self.credentials = credentials
        self.tokens: set[str] = set()
        self.down = False

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        try:
            request = HttpRequest.from_environ(environ)
        except BodyTooLarge as error:
            return text_response(413, f"{error}\n").send(start_response, method)
        return self.answer(request, str(environ.get("PATH_INFO") or "/")).send(start_response, method)

    def answer(self, request: HttpRequest, path: str) -> HttpResponse:
        if self.down:
            return _json(
                503,
                {"error": {"message": "Service Unavailable", "detail": "the instance is down"}, "status": "failure"},
            )
        if path == "/oauth_token.do" and request.method == "POST":
            return self._token(request)
        if not self._authorised(request):
            return _json(
                401,
                {
                    "error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"},
                    "status": "failure",
                },
            )
        query = {name: values[0] for name, values in parse_qs(request.query).items()}
        fields = [name for name in query.get("sysparm_fields", "").split(",") if name]
        if path == TABLE_PATH and request.method == "GET":
            return self._query(query.get("sysparm_query", ""), fields)
        if path == TABLE_PATH and request.method == "POST":
            return self._create(request, fields)
        if path.startswith(TABLE_PATH + "/"):
            sys_id = unquote(path[len(TABLE_PATH) + 1 :])
            if request.method == "GET":
                record = self._find("sys_id", sys_id)
                if record is None:
                    return _not_found()
                return _json(200, {"result": _shown(record, fields)})
            if request.method in ("PATCH", "PUT"):
                return self._update(request, sys_id, fields)
        return _json(
            400,
            {
                "error": {"message": "Invalid request", "detail": f"{request.method} {path} is not served here"},
                "status": "failure",
            },
        )

    def _authorised(self, request: HttpRequest) -> bool:
        header = request.header("Authorization") or ""
        if header.startswith("Bearer "):
            return header[7:] in self.tokens
        return _basic(request) == self.credentials()

    def _token(self, request: HttpRequest) -> HttpResponse:
        form = {name: values[0] for name, values in parse_qs(request.body.decode()).items()}
        if (
            form.get("grant_type") != "client_credentials"
            or (form.get("client_id"), form.get("client_secret")) != self.credentials()
        ):
            return _json(401, {"error": "access_denied", "error_description": "access_denied"})
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        return _json(200, {"access_token": token, "scope": "useraccount", "token_type": "Bearer", "expires_in": 1799})

    def _find(self, name: str, value: str) -> dict[str, Any] | None:
        with self.records.lock:
            return next((record for record in self.records.change_requests if record.get(name) == value), None)

    def _query(self, query: str, fields: list[str]) -> HttpResponse:
        name, _, value = query.partition("=")
        if name not in ("number", "correlation_id", "sys_id") or not value:
            return _json(
                400,
                {
                    "error": {
                        "message": "Invalid query",
                        "detail": f"the stand-in answers number=, correlation_id= or sys_id=, not {query!r}",
                    },
                    "status": "failure",
                },
            )
        record = self._find(name, value)
        return _json(200, {"result": [_shown(record, fields)] if record else []})

    def _create(self, request: HttpRequest, fields: list[str]) -> HttpResponse:
        body = _body(request)
        if body is None:
            return _json(
                400,
                {
                    "error": {"message": "Exception while reading request", "detail": "the body is not a JSON object"},
                    "status": "failure",
                },
            )
        with self.records.lock:
            made = sum(1 for record in self.records.change_requests if record.get("sys_created_on"))
            number = f"CHG{30001 + made:07d}"
            record = {
                **{key: str(value) for key, value in body.items() if key != "work_notes"},
                "sys_id": uuid.uuid4().hex,
                "number": number,
                "state": "-5",
                "sys_created_on": _snow_now(),
                "work_notes_journal": [],
            }
            self.records.change_requests.append(record)
            self.records.note("servicenow", "create", number, body)
        self.records.save()
        return _json(201, {"result": _shown(record, fields)})

    def _update(self, request: HttpRequest, sys_id: str, fields: list[str]) -> HttpResponse:
        body = _body(request)
        if body is None:
            return _json(
                400,
                {
                    "error": {"message": "Exception while reading request", "detail": "the body is not a JSON object"},
                    "status": "failure",
                },
            )
        with self.records.lock:
            record = self._find("sys_id", sys_id)
            if record is None:
                return _not_found()
            for key, value in body.items():
                if key == "work_notes":
                    record.setdefault("work_notes_journal", []).append({"at": _now(), "text": str(value)})
                else:
                    record[key] = str(value)
            self.records.note("servicenow", "update", str(record["number"]), body)
        self.records.save()
        return _json(200, {"result": _shown(record, fields)})


def _not_found() -> HttpResponse:
    return _json(
        404,
        {
            "error": {
                "message": "No Record found",
                "detail": "Record doesn't exist or ACL restricts the record retrieval",
            },
            "status": "failure",
        },
    )


REFERENCE_FIELDS = {"assignment_group": "sys_user_group"}


def _shown(record: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    visible = {key: value for key, value in record.items() if key != "work_notes_journal"}
    visible["work_notes"] = ""  # a journal field reads back empty through the Table API
    for name, table in REFERENCE_FIELDS.items():
        if visible.get(name):  # a reference reads back as its link and value
            value = visible[name]
            visible[name] = {"link": f"/api/now/table/{table}/{value}", "value": value}
    return {name: visible.get(name, "") for name in fields} if fields else visible


def _body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _text_node(node: Any) -> bool:
    return (
        isinstance(node, dict)
        and node.get("type") == "text"
        and isinstance(node.get("text"), str)
        and bool(node["text"])
    )


def valid_adf(document: Any) -> bool:
    """A comment body as Jira's v3 API takes it: an ADF ``doc`` of version 1 whose blocks hold text nodes."""
    if not isinstance(document, dict) or document.get("type") != "doc" or document.get("version") != 1:
        return False
    blocks = document.get("content")
    if not isinstance(blocks, list) or not blocks:
        return False
    for block in blocks:
        if (
            not isinstance(block, dict)
            or block.get("type") != "paragraph"
            or not isinstance(block.get("content"), list)
        ):
            return False
        for node in block["content"]:
            if (
                not isinstance(node, dict)
                or node.get("type") != "text"
                or not isinstance(node.get("text"), str)
                or not node["text"]
            ):
                return False
    return True


class JiraStandIn:
    def __init__(self, records: TicketRecords, base_url: str, credentials: Callable[[], tuple[str, str]]) -> None:
        self.records = records
        self.base_url = base_url
        self.credentials = credentials
        self.down = False

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        try:
            request = HttpRequest.from_environ(environ)
        except BodyTooLarge as error:
            return text_response(413, f"{error}\n").send(start_response, method)
        return self.answer(request, str(environ.get("PATH_INFO") or "/")).send(start_response, method)

    def answer(self, request: HttpRequest, path: str) -> HttpResponse:
        if self.down:
            return _jira_error(503, "Jira is down for maintenance")
        if _basic(request) != self.credentials():
            return _json(
                401,
                {
                    "errorMessages": ["You are not authenticated. Authentication required to perform this operation."],
                    "errors": {},
                },
            )
        if path == "/rest/api/3/myself" and request.method == "GET":
            return _json(
                200,
                {
                    "accountId": "5b10ac8d82e05b22cc7d4ef5",
                    "emailAddress": self.credentials()[0],
                    "displayName": "ccm integration",
                    "active": True,
                    "accountType": "atlassian",
                },
            )
        prefix = "/rest/api/3/issue/"
        if not path.startswith(prefix):
            return _jira_error(404, f"{path} is not served here")
        key, _, rest = unquote(path[len(prefix) :]).partition("/")
        with self.records.lock:
            issue = self.records.issues.get(key)
        if issue is None:
            return _json(
                404, {"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}}
            )
        if rest == "" and request.method == "GET":
            return _json(200, self._issue(key, issue))
        if rest == "comment" and request.method == "POST":
            return self._comment(request, key, issue)
        return _jira_error(405, f"{request.method} is not allowed here")

    def _myself(self) -> dict[str, Any]:
        return {
            "accountId": ACCOUNT_ID,
            "emailAddress": self.credentials()[0],
            "displayName": "ccm integration",
            "active": True,
            "accountType": "atlassian",
        }

    def _issue(self, key: str, issue: dict[str, Any]) -> dict[str, Any]:
        done = issue["status"] == "Done"
        category = (
            {"id": 3, "key": "done", "name": "Done"}
            if done
            else {"id": 4, "key": "indeterminate", "name": "In Progress"}
        )
        return {
            "id": issue["id"],
            "key": key,
            "self": f"{self.base_url}/rest/api/3/issue/{issue['id']}",
            "fields": {"summary": issue["summary"], "status": {"name": issue["status"], "statusCategory": category}},
        }

    def _comment(self, request: HttpRequest, key: str, issue: dict[str, Any]) -> HttpResponse:
        body = _body(request)
        if body is None or not valid_adf(body.get("body")):
            return _json(400, {"errorMessages": [], "errors": {"comment": "Comment body is not valid!"}})
        with self.records.lock:
            comment_id = str(10000 + sum(len(item.get("comments", [])) for item in self.records.issues.values()))
            now = _jira_now()
            comment = {"id": comment_id, "body": body["body"], "created": now, "updated": now}
            issue.setdefault("comments", []).append(comment)
            self.records.note("jira", "comment", key, body["body"])
        self.records.save()
        return _json(
            201,
            {
                "id": comment_id,
                "self": f"{self.base_url}/rest/api/3/issue/{issue['id']}/comment/{comment_id}",
                "author": {"accountId": ACCOUNT_ID, "displayName": "ccm integration", "active": True},
                "body": body["body"],
                "created": now,
                "updated": now,
                "jsdPublic": True,
            },
        )


@dataclass
class TicketStandIns:
    records: TicketRecords
    servicenow: ServiceNowStandIn
    jira: JiraStandIn


def start_ticket_stand_ins(config: AppConfig, data_dir: Path | None, portal_url: str, ssm: SSMClient) -> TicketStandIns:
    """The stand-ins, with fresh credentials in the SSM parameters config.json's integrations name."""
    records = TicketRecords.open(data_dir / TICKETS_FILE if data_dir is not None else None)
    servicenow_secret = (DEMO_SNOW_USER, secrets.token_urlsafe(18))
    jira_secret = (DEMO_JIRA_EMAIL, secrets.token_urlsafe(18))
    integrations = config.integrations
    if integrations.servicenow is not None:
        snow = integrations.servicenow
        pairs = [
            (snow.username_parameter, snow.password_parameter),
            (snow.client_id_parameter, snow.client_secret_parameter),
        ]
        user_name, secret_name = next(pair for pair in pairs if pair[0] and pair[1])
        assert user_name and secret_name
        ssm.put_parameter(Name=user_name, Value=servicenow_secret[0], Type="SecureString", Overwrite=True)
        ssm.put_parameter(Name=secret_name, Value=servicenow_secret[1], Type="SecureString", Overwrite=True)
    if integrations.jira is not None:
        jira_secret = (integrations.jira.email, jira_secret[1])
        ssm.put_parameter(
            Name=integrations.jira.api_token_parameter, Value=jira_secret[1], Type="SecureString", Overwrite=True
        )
    return TicketStandIns(
        records,
        ServiceNowStandIn(records, lambda: servicenow_secret),
        JiraStandIn(records, f"{portal_url}{JIRA_PATH}", lambda: jira_secret),
    )
