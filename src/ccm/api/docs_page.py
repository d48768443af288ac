"""``/api/docs``: Swagger UI over the OpenAPI document, behind sign-in like every other route.

The page is a file of the package; Swagger UI's script and stylesheet, and the file that configures it, are the
portal's own static files (``web/assets``), so the page runs under the portal's Content-Security-Policy as it is.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

from aws_lambda_powertools.event_handler import Response

from ccm.web_assets import PORTAL_HEADERS

DOCS_PATH = "/docs"
PAGE = "api_docs.html"


@cache
def page_html() -> str:
    return (files("ccm") / "templates" / PAGE).read_text(encoding="utf-8")


def docs_page_response() -> Response[Any]:
    headers = {name: value for name, value in PORTAL_HEADERS}
    headers["Cache-Control"] = "no-cache"
    return Response(status_code=200, content_type="text/html; charset=utf-8", body=page_html(), headers=headers)
