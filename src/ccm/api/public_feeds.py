"""``/feeds/<customer>/<token>.ics`` (the customer's maintenance calendar to subscribe to) and the same path without
``.ics`` (a small page listing it, with an "Add to calendar" link); ``/feeds/feed.css`` styles that page.

Served by :mod:`ccm.api.public` without sign-in: the token is the customer's secret (:mod:`ccm.storage.feed_tokens`).
CloudFront keeps an answer for 5 minutes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver

from ccm.api.context import ServicesProvider
from ccm.workflow.feeds import customer_feed, feed_path

FEEDS_PREFIX = "/feeds/"
ICS_SUFFIX = ".ics"
CACHED = "public, max-age=300"
"""CloudFront's and the subscriber's copy lives 5 minutes: a rotated token stops working within that time."""


Route = Callable[..., Response[Any]]


def _get(app: ApiGatewayResolver, path: str) -> Callable[[Route], Route]:
    register: Callable[[Route], Route] = app.route(path, method=["GET", "HEAD"])
    return register


def add_feed_routes(app: ApiGatewayResolver, provider: ServicesProvider, headers: Mapping[str, str]) -> None:
    def _headers() -> dict[str, str]:
        return {**headers, "Cache-Control": CACHED}

    @_get(app, "/feeds/feed.css")
    def feed_stylesheet() -> Response[Any]:
        from ccm.feeds.page import stylesheet

        return Response(status_code=200, content_type="text/css; charset=utf-8", body=stylesheet(), headers=_headers())

    @_get(app, "/feeds/<customer>/<token>")
    def feed(customer: str, token: str) -> Response[Any]:
        services = provider()
        as_ics = token.endswith(ICS_SUFFIX)
        secret = token.removesuffix(ICS_SUFFIX)
        found = customer_feed(services, customer, secret)
        portal = services.config.email_config.portal_base_url
        # icalendar and the page templates load on the first feed request, never on a cold start of the API.
        if as_ics:
            from ccm.feeds.ics import render_feed

            return Response(
                status_code=200,
                content_type="text/calendar; charset=utf-8",
                body=render_feed(found, portal),
                headers=_headers(),
            )
        from ccm.feeds.page import render_page

        ics_url = portal + feed_path(customer, secret)
        webcal_url = "webcal://" + urlsplit(ics_url)._replace(scheme="").geturl().removeprefix("//")
        return Response(
            status_code=200,
            content_type="text/html; charset=utf-8",
            body=render_page(found, ics_url, webcal_url),
            headers=_headers(),
        )
