"""The portal's own 404 page for an address the web bucket does not have, answered on the origin response.

CloudFront's custom error responses apply to the whole distribution: an API 404 would also become the HTML
page, and API clients would lose the JSON error that says what was not found. So the gatekeeper function is
associated with the web behaviour's origin responses as well (only there): when the web bucket answers 404, the
response becomes the portal's page, still with status 404; every other response passes untouched. Standard
library only, as everything on the gatekeeper's path.
"""

from __future__ import annotations

from typing import Any

ORIGIN_RESPONSE = "origin-response"
# Headers of the bucket's own 404 that describe its body, which the page replaces.
_BODY_HEADERS = frozenset({"content-type", "content-length", "content-encoding", "etag", "last-modified"})


def is_origin_response(event: dict[str, Any]) -> bool:
    return bool(event["Records"][0]["cf"]["config"].get("eventType") == ORIGIN_RESPONSE)


def with_not_found_page(event: dict[str, Any], page: str | None) -> dict[str, Any]:
    """The origin's response, or for a 404 the same response carrying ``page`` (when there is one)."""
    response: dict[str, Any] = event["Records"][0]["cf"]["response"]
    if str(response.get("status")) != "404" or page is None:
        return response
    headers = {name: value for name, value in (response.get("headers") or {}).items() if name not in _BODY_HEADERS}
    headers["content-type"] = [{"key": "Content-Type", "value": "text/html; charset=utf-8"}]
    # The page names no file of its own, so a page published later must be found at once: never cache the 404.
    headers["cache-control"] = [{"key": "Cache-Control", "value": "no-store"}]
    return {"status": "404", "statusDescription": "Not Found", "headers": headers, "body": page}
