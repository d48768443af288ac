"""The routes that need no sign-in, and the one place they live (DESIGN decision 13).

CloudFront sends each public path prefix to the API function through a behaviour of its own that bypasses the
gatekeeper and forwards no identity headers. The function hands a request whose path starts with a public
prefix to this resolver, which has no identity middleware and knows only the public routes: whatever such a path
says, it can reach nothing else of the API (``tests/api/test_public_routes.py`` proves it). Every answer carries
the portal's Content-Security-Policy. A GET (or HEAD) never changes state; its bad tokens all get the same 404.

Routes: ``/feeds/*`` (each customer's maintenance calendar, :mod:`ccm.api.public_feeds`) and ``/feedback/*`` (a
completion email's rating page and its form's POST, :mod:`ccm.api.public_feedback`), whose every bad token and
unknown path gets the same "no longer valid" page.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response
from aws_lambda_powertools.event_handler.exceptions import ServiceError

from ccm.api.context import ServicesProvider
from ccm.api.errors import handles, logger
from ccm.api.public_feedback import FEEDBACK_PREFIX, add_feedback_routes
from ccm.api.public_feeds import FEEDS_PREFIX, add_feed_routes
from ccm.web_assets import PORTAL_CSP
from ccm.workflow.errors import FeedbackNotFound, FeedNotFound

PUBLIC_PREFIXES = (FEEDS_PREFIX, FEEDBACK_PREFIX)
PUBLIC_HEADERS = {
    "Content-Security-Policy": PORTAL_CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # The address holds the customer's secret: never hand it on to another site.
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}
NOT_FOUND = "no such page"


def is_public(event: Mapping[str, Any]) -> bool:
    """Whether a Function URL event is for a public route (by the raw path, exactly as CloudFront matched it)."""
    path = str(event.get("rawPath") or "")
    return any(path.startswith(prefix) for prefix in PUBLIC_PREFIXES)


def not_found() -> Response[Any]:
    return Response(
        status_code=HTTPStatus.NOT_FOUND.value,
        content_type="application/json",
        body={"error": NOT_FOUND},
        headers={**PUBLIC_HEADERS, "Cache-Control": "no-store"},
    )


def invalid_link() -> Response[Any]:
    from ccm.feedback.page import render_invalid

    return Response(
        status_code=HTTPStatus.NOT_FOUND.value,
        content_type="text/html; charset=utf-8",
        body=render_invalid(),
        headers={**PUBLIC_HEADERS, "Cache-Control": "no-store"},
    )


def create_public_app(provider: ServicesProvider) -> LambdaFunctionUrlResolver:
    app = LambdaFunctionUrlResolver()

    @handles(app, FeedNotFound)
    def no_feed(error: FeedNotFound) -> Response[Any]:
        return not_found()

    @handles(app, FeedbackNotFound)
    def no_feedback(error: FeedbackNotFound) -> Response[Any]:
        return invalid_link()

    @handles(app, ServiceError)
    def no_route(error: ServiceError) -> Response[Any]:
        # An unknown public path or method gets exactly what a bad token gets.
        if str(app.current_event.get("rawPath") or "").startswith(FEEDBACK_PREFIX):
            return invalid_link()
        return not_found()

    @handles(app, Exception)
    def internal_error(error: Exception) -> Response[Any]:
        context = app.current_event.get("requestContext") or {}
        request_id = str(context.get("requestId") or "") if isinstance(context, dict) else ""
        logger.exception("unhandled error on a public route (request %s)", request_id)
        return Response(
            status_code=500,
            content_type="application/json",
            body={"error": "internal error; quote the request id when reporting it", "requestId": request_id},
            headers={**PUBLIC_HEADERS, "Cache-Control": "no-store"},
        )

    add_feed_routes(app, provider, PUBLIC_HEADERS)
    add_feedback_routes(app, provider, PUBLIC_HEADERS)
    return app
