"""Calls the real Lambda handler with Function URL events built from AWS's sample payload."""

from __future__ import annotations

import base64
import copy
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast
from urllib.parse import urlencode

from aws_lambda_powertools.utilities.typing import LambdaContext

from tests.conftest import EVENTS


@dataclass(frozen=True)
class Identity:
    email: str
    groups: tuple[str, ...] = ()


REQUESTER = Identity("requester@example.com")
COLLEAGUE = Identity("colleague@example.com")
APPROVER = Identity("approver@example.com", ("ccm-approvers",))
SECOND_APPROVER = Identity("second.approver@example.com", ("ccm-approvers",))
ADMIN = Identity("admin@example.com", ("ccm-admins",))
OUTSIDER = Identity("someone@elsewhere.org")


@dataclass(frozen=True)
class LambdaContextStub:
    function_name: str = "ccm-api"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:ccm-api"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/ccm-api"
    log_stream_name: str = "2029/12/15/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def lambda_context() -> LambdaContext:
    return cast(LambdaContext, LambdaContextStub())


@cache
def _sample() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / "function_url_request.json").read_text())
    return loaded


def function_url_event(
    method: str,
    path: str,
    *,
    identity: Identity | None = REQUESTER,
    query: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    body: Any = None,
    raw_body: str | None = None,
    base64_body: bool = False,
    marked_base64: bool = False,
) -> dict[str, Any]:
    """The sample event with this request's method, path, query, headers and body (as Function URLs send them).

    ``base64_body`` encodes the body as Lambda does for binary content; ``marked_base64`` only claims it is.
    """
    event = copy.deepcopy(_sample())
    all_headers = {
        name: value for name, value in event["headers"].items() if not name.startswith(("x-user-", "x-auth"))
    }
    if identity is not None:
        all_headers.update(
            {"x-authenticated": "true", "x-user-email": identity.email, "x-user-groups": ",".join(identity.groups)}
        )
    all_headers.update({name.lower(): value for name, value in (headers or {}).items()})
    event["headers"] = all_headers
    event["rawPath"] = path
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["http"]["path"] = path
    event["requestContext"]["requestId"] = str(uuid.uuid4())
    event["rawQueryString"] = urlencode(query or {})
    if query:
        event["queryStringParameters"] = dict(query)
    else:
        event.pop("queryStringParameters", None)
    text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else None)
    if text is None:
        event.pop("body", None)
    elif base64_body:
        event["body"] = base64.b64encode(text.encode()).decode()
        event["isBase64Encoded"] = True
    else:
        event["body"] = text
        if marked_base64:
            event["isBase64Encoded"] = True
    return event


@dataclass
class ApiResponse:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text) if self.text else None

    @property
    def etag(self) -> str | None:
        return self.headers.get("ETag") or self.headers.get("etag")


Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class ApiClient:
    """What the portal does through CloudFront, in process: one handler invocation per request."""

    def __init__(self, handler: Handler, identity: Identity | None = REQUESTER) -> None:
        self.handler = handler
        self.identity = identity

    def as_(self, identity: Identity | None) -> ApiClient:
        return ApiClient(self.handler, identity)

    def request(self, method: str, path: str, **options: Any) -> ApiResponse:
        options.setdefault("identity", self.identity)
        event = function_url_event(method, path, **options)
        result = self.handler(event, lambda_context())
        body = result.get("body") or ""
        if result.get("isBase64Encoded"):
            body = base64.b64decode(body).decode()
        return ApiResponse(int(result["statusCode"]), dict(result.get("headers") or {}), body)

    def get(self, path: str, **options: Any) -> ApiResponse:
        return self.request("GET", path, **options)

    def post(self, path: str, body: Any = None, **options: Any) -> ApiResponse:
        return self.request("POST", path, body=body, **options)

    def put(self, path: str, body: Any = None, **options: Any) -> ApiResponse:
        return self.request("PUT", path, body=body, **options)

    def delete(self, path: str, **options: Any) -> ApiResponse:
        return self.request("DELETE", path, **options)
