"""``/feedback/<token>``: the page a completion email's rating link opens (GET, records nothing) and the form's
answer (POST, records or replaces this recipient's answer); ``/feedback/feedback.css`` styles the page and
``/feedback/feedback.js`` sends its form (with the body's hash that CloudFront's signing for the Function URL needs).

Served by :mod:`ccm.api.public` without sign-in: the token is the only credential
(:mod:`ccm.domain.feedback`), and every bad one gets the same 404 page. Nothing here is cached: the page shows
whether an answer was saved, and a token must stop working the moment it expires.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver

from ccm.api.context import ServicesProvider
from ccm.workflow.errors import InvalidInput
from ccm.workflow.feedback import feedback_page, parse_rating, submit_feedback

FEEDBACK_PREFIX = "/feedback/"
MAX_BODY_BYTES = 20_000
"""A rating and a comment of at most 2,000 characters, percent-encoded: anything larger is not our form."""
FORM_TYPE = "application/x-www-form-urlencoded"
NOT_CACHED = "no-store"

Route = Callable[..., Response[Any]]


def add_feedback_routes(app: ApiGatewayResolver, provider: ServicesProvider, headers: Mapping[str, str]) -> None:
    def _html(body: str, status: int = 200) -> Response[Any]:
        return Response(
            status_code=status,
            content_type="text/html; charset=utf-8",
            body=body,
            headers={**headers, "Cache-Control": NOT_CACHED},
        )

    stylesheet_route: Callable[[Route], Route] = app.route("/feedback/feedback.css", method=["GET", "HEAD"])
    script_route: Callable[[Route], Route] = app.route("/feedback/feedback.js", method=["GET", "HEAD"])
    page_route: Callable[[Route], Route] = app.route("/feedback/<token>", method=["GET", "HEAD"])
    answer_route: Callable[[Route], Route] = app.route("/feedback/<token>", method="POST")

    @stylesheet_route
    def feedback_stylesheet() -> Response[Any]:
        from ccm.feedback.page import stylesheet

        return Response(
            status_code=200,
            content_type="text/css; charset=utf-8",
            body=stylesheet(),
            headers={**headers, "Cache-Control": "public, max-age=300"},
        )

    @script_route
    def feedback_script() -> Response[Any]:
        from ccm.feedback.page import script

        return Response(
            status_code=200,
            content_type="text/javascript; charset=utf-8",
            body=script(),
            headers={**headers, "Cache-Control": "public, max-age=300"},
        )

    @page_route
    def feedback_form(token: str) -> Response[Any]:
        from ccm.feedback.page import render_page

        page = feedback_page(provider(), token)
        chosen = app.current_event.get_query_string_value("rating")
        try:
            rating: int | None = parse_rating(chosen)
        except InvalidInput:
            rating = None
        return _html(render_page(page, FEEDBACK_PREFIX + token, rating))

    @answer_route
    def feedback_answer(token: str) -> Response[Any]:
        from ccm.feedback.page import render_page

        services = provider()
        page = feedback_page(services, token)
        action = FEEDBACK_PREFIX + token
        raw = app.current_event.decoded_body or ""
        content_type = (app.current_event.headers.get("content-type") or "").split(";")[0].strip().lower()
        if len(raw.encode("utf-8")) > MAX_BODY_BYTES:
            return _html(
                render_page(
                    page, action, None, problem="The answer is too long: keep the comment under 2,000 characters."
                ),
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE.value,
            )
        if content_type != FORM_TYPE:
            return _html(
                render_page(page, action, None, problem="Send the answer with the form on this page."),
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE.value,
            )
        fields = parse_qs(raw, keep_blank_values=True, max_num_fields=10)
        ratings = fields.get("rating") or []
        comments = fields.get("comment") or [""]
        comment = comments[0] if len(comments) == 1 else ""
        try:
            if len(ratings) != 1:
                raise InvalidInput.one("rating", "choose one rating from 1 to 5")
            rating = parse_rating(ratings[0])
        except InvalidInput:
            return _html(
                render_page(page, action, None, comment, problem="Choose a rating from 1 to 5, then send."),
                HTTPStatus.BAD_REQUEST.value,
            )
        page, stored = submit_feedback(services, token, rating, comment)
        return _html(render_page(page, action, stored.rating, stored.comment, saved=True))
