"""Lambda Function URL events (payload format 2.0) and their responses, as CloudFront's API origin sees them.

Shape as in ``tests/events/function_url_request.json``: lower-case header names with repeated values joined
by commas, cookies in ``cookies`` (none here: the API's origin request policy forwards none), query parameters
joined the same way, a text body as is and any other body base64-encoded.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from ccm.local.cloudfront import DISTRIBUTION_DOMAIN, ForwardedRequest
from ccm.local.http import HttpResponse
from ccm.local.lambdas import ACCOUNT_ID

URL_ID = "localccmapi0000000000000000000000"
"""The function URL's id: its host is ``<id>.lambda-url.<region>.on.aws``."""
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript", "+json", "+xml")
_TEXT_TYPES_EXACT = frozenset({"application/x-www-form-urlencoded"})


def is_text(content_type: str | None) -> bool:
    """Whether Function URLs pass a body of this type as text (otherwise it arrives base64-encoded)."""
    if not content_type:
        return False
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind in _TEXT_TYPES_EXACT or any(marker in kind for marker in _TEXT_TYPES)


def function_url_event(
    request: ForwardedRequest, request_id: str, *, region: str = "us-east-1", now: float | None = None
) -> dict[str, Any]:
    """The payload 2.0 event the API function receives for ``request`` (already filtered for its origin)."""
    now = time.time() if now is None else now
    domain = f"{URL_ID}.lambda-url.{region}.on.aws"
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        if name.lower() == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    headers.update(
        {
            "host": domain,
            "user-agent": "Amazon CloudFront",
            "via": f"2.0 local.{DISTRIBUTION_DOMAIN} (CloudFront)",
            "x-amz-cf-id": request_id,
            "x-amzn-trace-id": f"Root=1-{int(now):08x}-{request_id.replace('-', '')[:24]}",
            "x-forwarded-for": request.client_ip,
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
        }
    )
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": request.uri,
        "rawQueryString": request.querystring,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": URL_ID,
            "authorizer": {
                "iam": {
                    "accessKey": "ASIALOCALCLOUDFRONT0",
                    "accountId": ACCOUNT_ID,
                    "callerId": "AROALOCALCLOUDFRONT0:cloudfront-origin",
                    "cognitoIdentity": None,
                    "principalOrgId": None,
                    "userArn": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/cloudfront-origin-access/cloudfront-origin",
                    "userId": "AROALOCALCLOUDFRONT0:cloudfront-origin",
                }
            },
            "domainName": domain,
            "domainPrefix": URL_ID,
            "http": {
                "method": request.method,
                "path": request.uri,
                "protocol": "HTTP/1.1",
                "sourceIp": request.client_ip,
                "userAgent": "Amazon CloudFront",
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    parameters: dict[str, str] = {}
    for name, value in parse_qsl(request.querystring, keep_blank_values=True):
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    if parameters:
        event["queryStringParameters"] = parameters
    if request.body:
        if is_text(headers.get("content-type")):
            event["body"] = request.body.decode("utf-8", errors="replace")
        else:
            event["body"] = base64.b64encode(request.body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


def function_url_response(result: Any) -> HttpResponse:
    """What a Function URL answers for a handler's result (a result without ``statusCode`` is a JSON 200)."""
    if not isinstance(result, Mapping) or "statusCode" not in result:
        body = json.dumps(result).encode("utf-8")
        return HttpResponse(200, [("Content-Type", "application/json")], body)
    headers = [(str(name), str(value)) for name, value in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), str(value)) for value in values)
    headers.extend(("Set-Cookie", str(cookie)) for cookie in result.get("cookies") or [])
    raw = result.get("body")
    text = raw if isinstance(raw, str) else "" if raw is None else json.dumps(raw)
    body = base64.b64decode(text) if result.get("isBase64Encoded") else text.encode("utf-8")
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return HttpResponse(int(result["statusCode"]), headers, body)


def signature_refused() -> HttpResponse:
    """Lambda's answer when origin access control could not sign the body (no or wrong x-amz-content-sha256)."""
    document = {
        "Message": "The request signature we calculated does not match the signature you provided. "
        "Send the hex SHA-256 of the request body in the x-amz-content-sha256 header: CloudFront's origin access "
        "control signs POST and PUT bodies for a Lambda Function URL only with it."
    }
    return HttpResponse(
        403,
        [("Content-Type", "application/json"), ("x-amzn-ErrorType", "InvalidSignatureException")],
        json.dumps(document).encode("utf-8"),
    )
