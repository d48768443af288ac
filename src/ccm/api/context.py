"""Per-request context: the services of this cold start and the verified caller.

Identity arrives only as headers the edge sets after verifying the signed session cookie. Everything but the
OpenAPI document needs it; the check runs before routing decides anything else, so a caller without identity
learns nothing (401), not even which routes exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Depends, Request, Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from ccm.workflow import Actor, NotAuthenticated, Services

EMAIL_HEADER = "x-user-email"
GROUPS_HEADER = "x-user-groups"
AUTHENTICATED_HEADER = "x-authenticated"
PUBLIC_PATHS = frozenset({"/openapi.json"})

_SERVICES = "ccm_services"
_ACTOR = "ccm_actor"

ServicesProvider = Callable[[], Services]


def authenticate(event: BaseProxyEvent, services: Services) -> Actor:
    def header(name: str) -> str:
        return str(event.headers.get(name) or "")

    email = header(EMAIL_HEADER)
    if not email or header(AUTHENTICATED_HEADER).strip().lower() != "true":
        raise NotAuthenticated("sign in first: the request carries no verified identity")
    groups = header(GROUPS_HEADER).split(",")
    return Actor.of(email, groups, services.config.authorization)


def identity_middleware(provider: ServicesProvider) -> Callable[[ApiGatewayResolver, NextMiddleware], Response[Any]]:
    def identify(app: ApiGatewayResolver, next_middleware: NextMiddleware) -> Response[Any]:
        services = provider()
        app.context[_SERVICES] = services
        if app.context.get("_path") not in PUBLIC_PATHS:
            actor = authenticate(app.current_event, services)
            request_id = getattr(app.lambda_context, "aws_request_id", None)
            app.context[_ACTOR] = actor.model_copy(update={"request_id": request_id}) if request_id else actor
        return next_middleware(app)

    return identify


def current_services(request: Request) -> Services:
    services: Services = request.context[_SERVICES]
    return services


def current_actor(request: Request) -> Actor:
    actor: Actor = request.context[_ACTOR]
    return actor


CurrentServices = Annotated[Services, Depends(current_services)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
