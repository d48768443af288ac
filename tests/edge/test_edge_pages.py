"""The sign-in handler's own pages (refused, signed out) carry the portal's strict policy and still look right."""

from __future__ import annotations

import hashlib
import re
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from ccm.web_assets import PORTAL_CSP
from tests.edge.conftest import CONTEXT, header, origin_event, viewer_event


def refusal_page(app: ModuleType) -> dict[str, Any]:
    result: dict[str, Any] = app.saml_handler(
        origin_event("/saml/login", querystring="next=https%3A%2F%2Fevil.example.net%2F"), CONTEXT
    )
    assert result["status"] == "400"
    return result


def stylesheet_link(body: str) -> str:
    (href,) = re.findall(r'<link rel="stylesheet" href="([^"]+)">', body)
    return str(href)


def test_a_refusal_page_carries_the_portals_policy_without_inline_style(saml_app: ModuleType) -> None:
    result = refusal_page(saml_app)

    assert header(result, "content-security-policy") == [PORTAL_CSP]
    assert "unsafe-inline" not in PORTAL_CSP
    assert "<style" not in result["body"] and "style=" not in result["body"]


def test_the_signed_out_page_carries_the_same_policy(saml_app: ModuleType) -> None:
    result = saml_app.saml_handler(origin_event("/saml/sls"), CONTEXT)

    assert "You are signed out" in result["body"]
    assert header(result, "content-security-policy") == [PORTAL_CSP]


def test_the_pages_stylesheet_is_served_by_the_sign_in_handler_itself(saml_app: ModuleType) -> None:
    link = urlsplit(stylesheet_link(refusal_page(saml_app)["body"]))

    result = saml_app.saml_handler(origin_event(link.path, querystring=link.query), CONTEXT)

    assert link.path == "/saml/edge.css" and link.query.startswith("v=")
    assert result["status"] == "200"
    assert header(result, "content-type") == ["text/css; charset=utf-8"]
    assert header(result, "x-content-type-options") == ["nosniff"]
    assert "a.button" in result["body"] and "background" in result["body"]


def test_the_stylesheet_address_names_a_hash_of_its_content_so_a_day_of_caching_is_safe(
    saml_app: ModuleType,
) -> None:
    link = urlsplit(stylesheet_link(refusal_page(saml_app)["body"]))

    result = saml_app.saml_handler(origin_event(link.path, querystring=link.query), CONTEXT)

    assert link.query == "v=" + hashlib.sha256(result["body"].encode("utf-8")).hexdigest()[:16]
    assert header(result, "cache-control") == ["public, max-age=86400"]


def test_a_visitor_without_a_session_gets_the_stylesheet_past_the_gatekeeper(edge_app: ModuleType) -> None:
    result = edge_app.viewer_request(viewer_event("/saml/edge.css"), None)

    assert "uri" in result and "status" not in result
