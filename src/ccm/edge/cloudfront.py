"""CloudFront Lambda@Edge request and response shapes, read and written with the standard library only.

CloudFront passes headers as ``{"lower-case-name": [{"key": "Original-Case", "value": "..."}]}`` and expects a
generated response as ``{"status": "302", "statusDescription": ..., "headers": {...}, "body": ...}``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

IDENTITY_HEADERS = {
    "x-user-email": "X-User-Email",
    "x-user-groups": "X-User-Groups",
    "x-authenticated": "X-Authenticated",
}
IDENTITY_HEADER_PREFIXES = ("x-user-", "x-authenticated")
NO_STORE = "no-store"


def cloudfront_request(event: Mapping[str, Any]) -> dict[str, Any]:
    """The ``request`` object of a CloudFront event; returning it (changed or not) forwards the request."""
    request: dict[str, Any] = event["Records"][0]["cf"]["request"]
    return request


@dataclass(frozen=True)
class EdgeRequest:
    """A read-only view of a CloudFront request."""

    method: str
    uri: str
    querystring: str = ""
    headers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    body: bytes = b""
    body_truncated: bool = False
    request_id: str = ""

    @classmethod
    def from_event(cls, event: Mapping[str, Any], with_body: bool = True) -> EdgeRequest:
        """The request of ``event``; ``with_body=False`` skips decoding a body nobody will read."""
        record = event["Records"][0]["cf"]
        request = record["request"]
        headers: dict[str, tuple[str, ...]] = {}
        for name, entries in (request.get("headers") or {}).items():
            headers[name.lower()] = headers.get(name.lower(), ()) + tuple(
                str(entry.get("value", "")) for entry in entries
            )
        body, truncated = _body(request.get("body") if with_body else None)
        return cls(
            method=str(request.get("method", "GET")).upper(),
            uri=str(request.get("uri") or "/"),
            querystring=str(request.get("querystring") or ""),
            headers=headers,
            body=body,
            body_truncated=truncated,
            request_id=str(record.get("config", {}).get("requestId", "")),
        )

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None

    def header_values(self, name: str) -> tuple[str, ...]:
        return self.headers.get(name.lower(), ())

    @property
    def path_and_query(self) -> str:
        return f"{self.uri}?{self.querystring}" if self.querystring else self.uri

    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.querystring, keep_blank_values=True, max_num_fields=50)

    def form(self) -> dict[str, list[str]]:
        """The ``application/x-www-form-urlencoded`` body."""
        return parse_qs(self.body.decode("utf-8", errors="strict"), keep_blank_values=True, max_num_fields=50)


def _body(body: Mapping[str, Any] | None) -> tuple[bytes, bool]:
    if not body:
        return b"", False
    data = str(body.get("data") or "")
    truncated = bool(body.get("inputTruncated"))
    if body.get("encoding", "base64") == "base64":
        try:
            return base64.b64decode(data, validate=True), truncated
        except (binascii.Error, ValueError):
            return b"", truncated
    return data.encode("utf-8"), truncated


@dataclass
class EdgeResponse:
    """A response the edge generates itself instead of forwarding the request."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""

    def with_header(self, name: str, value: str) -> EdgeResponse:
        self.headers.append((name, value))
        return self

    def header_values(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def to_cloudfront(self) -> dict[str, Any]:
        headers: dict[str, list[dict[str, str]]] = {}
        for name, value in self.headers:
            headers.setdefault(name.lower(), []).append({"key": name, "value": value})
        response: dict[str, Any] = {
            "status": str(self.status),
            "statusDescription": HTTPStatus(self.status).phrase,
            "headers": headers,
        }
        if self.body:
            response["body"] = self.body
            response["bodyEncoding"] = "text"
        return response


def redirect(location: str, *cookies: str, status: int = 302) -> EdgeResponse:
    response = EdgeResponse(status, [("Location", location), ("Cache-Control", NO_STORE)])
    for cookie in cookies:
        response.with_header("Set-Cookie", cookie)
    return response


def json_response(status: int, document: Mapping[str, Any], *cookies: str) -> EdgeResponse:
    response = EdgeResponse(
        status,
        [("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", NO_STORE)],
        json.dumps(document, separators=(",", ":")),
    )
    for cookie in cookies:
        response.with_header("Set-Cookie", cookie)
    return response


def strip_identity_headers(request: MutableMapping[str, Any]) -> list[str]:
    """Remove every client-sent ``X-User-*`` and ``X-Authenticated*`` header; return the names removed.

    Names are compared as a lenient server or proxy might read them (surrounding spaces dropped, any case, ``_`` for
    ``-``), and both the event's key and each entry's original spelling count: the edge must not rely on the origin
    being as strict as CloudFront about what is a header name.
    """
    headers: MutableMapping[str, Any] = request.setdefault("headers", {})
    removed = [name for name, entries in headers.items() if _names_identity_header(name, entries)]
    for name in removed:
        del headers[name]
    return removed


def _names_identity_header(name: str, entries: list[dict[str, Any]]) -> bool:
    if _is_identity_header(name):
        return True
    for entry in entries:
        spelling = str(entry.get("key", ""))
        # Usually the key is the name in its original case, already judged; only another spelling needs a look.
        if spelling.lower() != name and _is_identity_header(spelling):
            return True
    return False


def _is_identity_header(name: str) -> bool:
    return normalised_header_name(name).startswith(IDENTITY_HEADER_PREFIXES)


def normalised_header_name(name: str) -> str:
    """The header name as lenient parsers read it: trimmed, lower-case, ``_`` taken for ``-``."""
    return name.strip().lower().replace("_", "-")


def set_identity_headers(request: MutableMapping[str, Any], email: str, groups: Iterable[str]) -> None:
    headers: MutableMapping[str, Any] = request.setdefault("headers", {})
    values = {"x-user-email": email, "x-user-groups": ",".join(groups), "x-authenticated": "true"}
    for name, value in values.items():
        headers[name] = [{"key": IDENTITY_HEADERS[name], "value": value}]
