"""CloudFront as the local edge server plays it: Lambda@Edge events from HTTP requests, and back.

The shapes follow what CloudFront sends (``tests/events/cloudfront_*.json``): lower-case header names whose
values are lists of ``{"key": <name as sent>, "value": ...}``, the raw ``uri``, ``querystring`` without ``?``, a
base64 body only where the association includes it. An origin receives only what the behaviour's origin request
policy lets through (see ``infra/template.yaml``): the API never sees cookies, the SAML handler never sees the
identity headers.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote_plus

from ccm.local.http import HttpRequest, HttpResponse

VIEWER_BODY_LIMIT = 40 * 1024
"""Lambda@Edge passes a viewer request's body up to 40 KB (origin requests: 1 MB), flagging the rest truncated."""
ORIGIN_BODY_LIMIT = 1024 * 1024
DISTRIBUTION_DOMAIN = "d111111abcdef8.cloudfront.net"
DISTRIBUTION_ID = "ELOCALSTACK0001"
SIGNED_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# Hop-by-hop and CloudFront's own headers never reach a Lambda@Edge function from the viewer.
_NOT_FORWARDED = frozenset(
    {"connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "expect", "proxy-connection"}
)


@dataclass(frozen=True)
class OriginRequestPolicy:
    """Which of the viewer's headers, cookies and query strings CloudFront passes on to an origin."""

    headers: frozenset[str]
    """Lower-case names of the viewer headers passed on."""
    cookies: bool
    query_strings: bool | frozenset[str] = True
    """``True``: all of them; ``False``: none; a set: only the names in it (CloudFront's whitelist)."""


API_POLICY = OriginRequestPolicy(
    headers=frozenset(
        {
            "x-user-email",
            "x-user-groups",
            "x-authenticated",
            "content-type",
            "accept",
            "if-match",
            "if-none-match",
            "x-amz-content-sha256",
            "origin",
        }
    ),
    cookies=False,
)
FEEDS_POLICY = OriginRequestPolicy(headers=frozenset(), cookies=False, query_strings=False)
"""Customers' public calendars: the path alone reaches the API (``FeedsOriginRequestPolicy``)."""
FEEDBACK_POLICY = OriginRequestPolicy(
    headers=frozenset({"content-type", "x-amz-content-sha256"}), cookies=False, query_strings=frozenset({"rating"})
)
"""Rating pages: the path, the chosen rating and the form's body with its hash (``FeedbackOriginRequestPolicy``)."""
SAML_POLICY = OriginRequestPolicy(headers=frozenset({"content-type", "origin", "referer", "user-agent"}), cookies=True)


def cloudfront_headers(pairs: Iterable[tuple[str, str]]) -> dict[str, list[dict[str, str]]]:
    headers: dict[str, list[dict[str, str]]] = {}
    for name, value in pairs:
        if name.lower() in _NOT_FORWARDED:
            continue
        headers.setdefault(name.lower(), []).append({"key": name, "value": value})
    return headers


def header_pairs(headers: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(name, value)`` of every entry of a CloudFront headers map, in order."""
    return [
        (str(entry.get("key") or name), str(entry.get("value", "")))
        for name, entries in headers.items()
        for entry in entries or []
    ]


def _body(data: bytes, limit: int) -> dict[str, Any]:
    return {
        "action": "read-only",
        "data": base64.b64encode(data[:limit]).decode("ascii"),
        "encoding": "base64",
        "inputTruncated": len(data) > limit,
    }


def _event(event_type: str, request: dict[str, Any], request_id: str) -> dict[str, Any]:
    config = {
        "distributionDomainName": DISTRIBUTION_DOMAIN,
        "distributionId": DISTRIBUTION_ID,
        "eventType": event_type,
        "requestId": request_id,
    }
    return {"Records": [{"cf": {"config": config, "request": request}}]}


def viewer_request_event(request: HttpRequest, request_id: str, *, include_body: bool = False) -> dict[str, Any]:
    """The viewer-request event CloudFront gives the gatekeeper for ``request``."""
    cf_request: dict[str, Any] = {
        "clientIp": request.client_ip,
        "headers": cloudfront_headers(request.headers),
        "method": request.method,
        "querystring": request.query,
        "uri": request.path,
    }
    if include_body:
        cf_request["body"] = _body(request.body, VIEWER_BODY_LIMIT)
    return _event("viewer-request", cf_request, request_id)


@dataclass(frozen=True)
class ForwardedRequest:
    """A request on its way to an origin: the viewer's, or what a viewer-request function made of it."""

    method: str
    uri: str
    querystring: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    client_ip: str

    @classmethod
    def of(cls, request: HttpRequest) -> ForwardedRequest:
        return cls(request.method, request.path, request.query, request.headers, request.body, request.client_ip)

    @classmethod
    def from_function(cls, cf_request: Mapping[str, Any], original: HttpRequest) -> ForwardedRequest:
        """The request a viewer-request function returned (it may change uri, query and headers, not the body)."""
        return cls(
            method=str(cf_request.get("method") or original.method),
            uri=str(cf_request.get("uri") or original.path),
            querystring=str(cf_request.get("querystring") or ""),
            headers=tuple(header_pairs(cf_request.get("headers") or {})),
            body=original.body,
            client_ip=str(cf_request.get("clientIp") or original.client_ip),
        )

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    def for_origin(self, policy: OriginRequestPolicy) -> ForwardedRequest:
        """What the origin receives under ``policy`` (headers not named are dropped, as are cookies unless allowed)."""
        kept = tuple(
            (name, value)
            for name, value in self.headers
            if name.lower() in policy.headers or (policy.cookies and name.lower() == "cookie")
        )
        return ForwardedRequest(
            self.method,
            self.uri,
            _kept_query(self.querystring, policy.query_strings),
            kept,
            self.body,
            self.client_ip,
        )


def _kept_query(querystring: str, allowed: bool | frozenset[str]) -> str:
    if isinstance(allowed, bool):
        return querystring if allowed else ""
    pairs = (pair for pair in querystring.split("&") if pair)
    return "&".join(pair for pair in pairs if unquote_plus(pair.partition("=")[0]) in allowed)


def origin_request_event(
    request: ForwardedRequest, request_id: str, origin: dict[str, Any], *, include_body: bool = True
) -> dict[str, Any]:
    """The origin-request event of ``request`` (already filtered by the origin request policy)."""
    domain = next(iter(origin.values()))["domainName"]
    headers = [
        *request.headers,
        ("X-Forwarded-For", request.client_ip),
        ("Via", f"2.0 local.{DISTRIBUTION_DOMAIN} (CloudFront)"),
        ("Host", domain),
    ]
    if not any(name.lower() == "user-agent" for name, _ in request.headers):
        headers.append(("User-Agent", "Amazon CloudFront"))
    cf_request: dict[str, Any] = {
        "clientIp": request.client_ip,
        "headers": cloudfront_headers(headers),
        "method": request.method,
        "origin": origin,
        "querystring": request.querystring,
        "uri": request.uri,
    }
    if include_body:
        cf_request["body"] = _body(request.body, ORIGIN_BODY_LIMIT)
    return _event("origin-request", cf_request, request_id)


def origin_response_event(
    request: ForwardedRequest, response: HttpResponse, request_id: str, origin: dict[str, Any]
) -> dict[str, Any]:
    """The origin-response event of ``response``, the origin's answer to ``request`` (no body: CloudFront never
    hands a function the origin's body)."""
    event = origin_request_event(request, request_id, origin, include_body=False)
    record = event["Records"][0]["cf"]
    record["config"]["eventType"] = "origin-response"
    record["response"] = {
        "headers": cloudfront_headers(response.headers),
        "status": str(response.status),
        "statusDescription": HTTPStatus(response.status).phrase,
    }
    return event


def s3_origin(bucket: str, region: str) -> dict[str, Any]:
    """The web bucket as a Lambda@Edge event names an S3 origin behind origin access control."""
    return {
        "s3": {
            "authMethod": "none",
            "customHeaders": {},
            "domainName": f"{bucket}.s3.{region}.amazonaws.com",
            "path": "",
            "region": region,
        }
    }


def is_generated_response(result: Mapping[str, Any]) -> bool:
    """A Lambda@Edge result with ``status`` answers the viewer; anything else is the request to forward."""
    return "status" in result


def generated_response(result: Mapping[str, Any]) -> HttpResponse:
    """The HTTP response of a Lambda@Edge generated response (several ``Set-Cookie`` stay separate)."""
    body_text = str(result.get("body") or "")
    body = base64.b64decode(body_text) if result.get("bodyEncoding") == "base64" else body_text.encode("utf-8")
    return HttpResponse(int(str(result["status"])), header_pairs(result.get("headers") or {}), body)


def payload_signature_matches(request: ForwardedRequest) -> bool:
    """Origin access control signs a body for a Function URL only with the viewer's ``x-amz-content-sha256``.

    Lambda refuses a POST or PUT whose body hash is missing or wrong, so the local edge does too: a portal that
    forgets the header fails here as it would in AWS.
    """
    if request.method not in SIGNED_BODY_METHODS:
        return True
    given = (request.header("x-amz-content-sha256") or "").strip().lower()
    return given == hashlib.sha256(request.body).hexdigest()


SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "SAMEORIGIN"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("X-XSS-Protection", "1; mode=block"),
)
"""CloudFront's managed SecurityHeadersPolicy (without HSTS, which means nothing over http://localhost)."""


def with_security_headers(response: HttpResponse) -> HttpResponse:
    present = {name.lower() for name, _ in response.headers}
    response.headers.extend((name, value) for name, value in SECURITY_HEADERS if name.lower() not in present)
    return response
