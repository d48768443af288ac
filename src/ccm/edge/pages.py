"""The few HTML pages the sign-in handler answers with (refusals, signed out), from an autoescaped template.

They carry the portal's own Content-Security-Policy: no inline style, so their look comes from a stylesheet the
SAML handler serves itself under ``/saml/`` (the one path that needs no session, which a refused visitor lacks).
Its address names a hash of its content, so browsers may keep it for a day and still see each release's version.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.resources import files

from jinja2 import Environment, PackageLoader, Template, select_autoescape

from ccm.edge.cloudfront import NO_STORE, EdgeResponse
from ccm.edge.edge_config import SAML_PREFIX

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""The portal's policy as CloudFront sends it (``ccm.web_assets.PORTAL_CSP``; tests/edge keeps the two equal)."""
STYLESHEET_PATH = SAML_PREFIX + "edge.css"
STYLESHEET_CACHE = "public, max-age=86400"


@cache
def _template() -> Template:
    environment = Environment(loader=PackageLoader("ccm", "templates"), autoescape=select_autoescape(["html"]))
    return environment.get_template("edge_page.html")


@cache
def _stylesheet() -> str:
    return files("ccm").joinpath("templates", "edge_page.css").read_text(encoding="utf-8")


def stylesheet_url() -> str:
    return f"{STYLESHEET_PATH}?v={hashlib.sha256(_stylesheet().encode('utf-8')).hexdigest()[:16]}"


def stylesheet() -> EdgeResponse:
    return EdgeResponse(
        200,
        [
            ("Content-Type", "text/css; charset=utf-8"),
            ("Cache-Control", STYLESHEET_CACHE),
            ("X-Content-Type-Options", "nosniff"),
        ],
        _stylesheet(),
    )


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
        title=title,
        message=message,
        reference=reference,
        action_url=action_url,
        action_label=action_label,
        stylesheet_url=stylesheet_url(),
    )
    response = EdgeResponse(
        status,
        [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Cache-Control", NO_STORE),
            ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", PAGE_POLICY),
        ],
        body,
    )
    for cookie in cookies:
        response.with_header("Set-Cookie", cookie)
    return response
