"""The portal's JSON API: one Powertools resolver, a router per resource.

Every route is served under ``/api`` and, for the original portal's sake, without it (``/api/changes`` and
``/changes`` are the same route). The OpenAPI document, generated from the routes, is ``/api/openapi.json``;
Swagger UI shows it to signed-in users at ``/api/docs``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import LambdaFunctionUrlResolver, Response

from ccm import __version__
from ccm.api.body import read_json
from ccm.api.context import EMAIL_HEADER, ServicesProvider, identity_middleware
from ccm.api.docs_page import DOCS_PATH, docs_page_response
from ccm.api.errors import register_error_handlers
from ccm.api.routes import (
    announcements,
    approvals,
    calendar,
    changes,
    delegation,
    deliveries,
    drafts,
    feedback,
    insights,
    notices,
    reports,
    templates,
    upload,
    user,
)

API_PREFIX = "/api"
OPENAPI_PATH = "/openapi.json"
TITLE = "Customer Contact Manager API"
DESCRIPTION = (
    "Changes and announcements for many customers: create, submit, approve, complete, cancel, edit, search. "
    "Identity comes from the CloudFront edge as the X-User-Email, X-User-Groups and X-Authenticated headers. "
    "Every path also answers without the /api prefix. Single objects carry an ETag: send it back as If-Match "
    "on a mutation (412 if someone changed the object since) and as If-None-Match on a read (304 if unchanged)."
)


def create_app(provider: ServicesProvider) -> LambdaFunctionUrlResolver:
    """The resolver; ``provider`` returns the services (built once per cold start by the caller)."""
    app = LambdaFunctionUrlResolver(
        enable_validation=True, strip_prefixes=[API_PREFIX], json_body_deserializer=read_json
    )
    register_error_handlers(app, provider)
    app.use(middlewares=[identity_middleware(provider)])
    # Static paths (/changes/statistics) are matched before dynamic ones (/changes/<id>) whatever the order.
    for module in (
        user,
        delegation,
        changes,
        announcements,
        approvals,
        templates,
        drafts,
        reports,
        insights,
        upload,
        calendar,
        notices,
        deliveries,
        feedback,
    ):
        app.include_router(module.router)

    @cache
    def openapi_document() -> str:
        # The OpenAPI models are some 150 pydantic classes: built for this one route, not on every cold start.
        from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, Server

        return app.get_openapi_json_schema(
            title=TITLE,
            version=__version__,
            description=DESCRIPTION,
            servers=[Server(url=API_PREFIX)],
            security_schemes={"edgeIdentity": APIKey(name=EMAIL_HEADER, in_=APIKeyIn.header)},
            security=[{"edgeIdentity": []}],
        )

    @app.get(OPENAPI_PATH, include_in_schema=False)
    def openapi() -> Response[Any]:
        return Response(status_code=200, content_type="application/json", body=openapi_document())

    @app.get(DOCS_PATH, include_in_schema=False)
    def docs() -> Response[Any]:
        return docs_page_response()

    return app
