"""The few HTML pages the sign-in handler answers with (refusals, signed out), from an autoescaped template."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, Template, select_autoescape

from ccm.edge.cloudfront import NO_STORE, EdgeResponse


@cache
def _template() -> Template:
    environment = Environment(loader=PackageLoader("ccm", "templates"), autoescape=select_autoescape(["html"]))
    return environment.get_template("edge_page.html")


def page(
    status: int,
    title: str,
    message: str,
    *cookies: str,
    reference: str = "",
    action_url: str = "",
    action_label: str = "",
) -> EdgeResponse:
    body = _template().render(
        title=title, message=message, reference=reference, action_url=action_url, action_label=action_label
    )
    response = EdgeResponse(
        status,
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Cache-Control", NO_STORE),
            ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
        ],
        body,
    )
    for cookie in cookies:
        response.with_header("Set-Cookie", cookie)
    return response
