"""Every error the API answers, mapped to its HTTP status here and nowhere else."""

from __future__ import annotations

import binascii
import logging
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)

from ccm.api.body import BodyRefused
from ccm.api.context import ServicesProvider, authenticate
from ccm.dead_letters import RedriveRefused
from ccm.domain.objects import InvalidDocument
from ccm.errors import (
    AlreadyExists,
    InvalidCursor,
    InvalidId,
    ObjectNotFound,
    TransitionNotAllowed,
    UnknownCustomer,
    VersionConflict,
)
from ccm.storage.templates import TemplateChanged
from ccm.workflow import ActionNotAllowed, Forbidden, InvalidInput, NotAuthenticated, Problem
from ccm.workflow.deliveries import DeliveryActionRefused
from ccm.workflow.errors import FeedNotFound, FrozenWindow, NotAvailable

logger = logging.getLogger(__name__)


def error_response(
    status: HTTPStatus, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response[Any]:
    return Response(
        status_code=status.value,
        content_type="application/json",
        body={"error": message, **extra},
        headers=headers or {},
    )


def invalid(problems: Iterable[Problem], headline: str = "the request is invalid") -> Response[Any]:
    listed = list(problems)
    return error_response(
        HTTPStatus.UNPROCESSABLE_ENTITY,
        headline,
        type=listed[0].type if listed else "VALIDATION_ERROR",
        details="; ".join(f"{problem.field}: {problem.message}" for problem in listed),
        problems=[{"field": p.field, "message": p.message, "type": p.type} for p in listed],
    )


def _field(location: Iterable[Any]) -> str:
    """``("body", "changeTitle")`` -> ``changeTitle``; other places keep their prefix (``query.limit``)."""
    parts = [str(part) for part in location]
    if not parts:
        return "(request)"
    if parts[0] == "body":
        return ".".join(parts[1:]) or "body"
    return ".".join(parts)


def _message(item: Mapping[str, Any]) -> str:
    return str(item.get("msg") or item.get("type") or "invalid").removeprefix("Value error, ")


def _request_id(app: ApiGatewayResolver) -> str:
    context = app.current_event.get("requestContext") or {}
    return str(context.get("requestId") or "") if isinstance(context, dict) else ""


Handler = Callable[[Any], Response[Any]]


def handles(app: ApiGatewayResolver, error_class: type[Exception]) -> Callable[[Handler], Handler]:
    register: Callable[[Handler], Handler] = app.exception_handler(error_class)
    return register


def register_error_handlers(app: ApiGatewayResolver, provider: ServicesProvider) -> None:
    @handles(app, NotAuthenticated)
    def not_authenticated(error: NotAuthenticated) -> Response[Any]:
        return error_response(HTTPStatus.UNAUTHORIZED, str(error))

    @handles(app, Forbidden)
    def forbidden(error: Forbidden) -> Response[Any]:
        return error_response(HTTPStatus.FORBIDDEN, str(error))

    @handles(app, NotAvailable)
    def not_available(error: NotAvailable) -> Response[Any]:
        return error_response(HTTPStatus.SERVICE_UNAVAILABLE, str(error))

    @handles(app, ObjectNotFound)
    def not_found(error: ObjectNotFound) -> Response[Any]:
        return error_response(HTTPStatus.NOT_FOUND, str(error), id=error.object_id)

    @handles(app, TransitionNotAllowed)
    def transition_refused(error: TransitionNotAllowed) -> Response[Any]:
        return error_response(
            HTTPStatus.CONFLICT,
            str(error),
            type="TRANSITION_NOT_ALLOWED",
            currentStatus=error.current,
            requestedStatus=error.requested,
            allowedTransitions=error.allowed,
        )

    @handles(app, ActionNotAllowed)
    def action_refused(error: ActionNotAllowed) -> Response[Any]:
        return error_response(
            HTTPStatus.CONFLICT,
            str(error),
            type="ACTION_NOT_ALLOWED",
            currentStatus=error.current,
            requestedAction=error.action,
            allowedStatuses=error.allowed_statuses,
        )

    @handles(app, FrozenWindow)
    def frozen(error: FrozenWindow) -> Response[Any]:
        return error_response(
            HTTPStatus.CONFLICT,
            str(error),
            type="FREEZE_WINDOW",
            id=error.object_id,
            requestedStatus=error.action,
            freezes=[
                {
                    "name": freeze.name,
                    "reason": freeze.reason,
                    "customers": freeze.customers,
                    "start": freeze.start,
                    "end": freeze.end,
                    "timezone": freeze.timezone,
                }
                for freeze in error.freezes
            ],
        )

    @handles(app, FeedNotFound)
    def no_feed(error: FeedNotFound) -> Response[Any]:
        return error_response(HTTPStatus.NOT_FOUND, str(error))

    @handles(app, DeliveryActionRefused)
    def delivery_action_refused(error: DeliveryActionRefused) -> Response[Any]:
        return error_response(HTTPStatus.CONFLICT, str(error), type="DELIVERY_ACTION_REFUSED")

    @handles(app, RedriveRefused)
    def redrive_refused(error: RedriveRefused) -> Response[Any]:
        return error_response(HTTPStatus.CONFLICT, str(error), type="REDRIVE_REFUSED")

    @handles(app, AlreadyExists)
    def already_exists(error: AlreadyExists) -> Response[Any]:
        return error_response(HTTPStatus.CONFLICT, str(error), type="ALREADY_EXISTS", id=error.object_id)

    @handles(app, VersionConflict)
    def stale(error: VersionConflict) -> Response[Any]:
        current = error.current or {}
        return error_response(
            HTTPStatus.PRECONDITION_FAILED,
            f"{error.object_id} was changed since you read it; reload it and apply your change again",
            headers={"ETag": error.current_etag} if error.current_etag else None,
            type="CONCURRENT_MODIFICATION",
            id=error.object_id,
            currentETag=error.current_etag,
            currentVersion=current.get("version"),
            modifiedBy=current.get("modifiedBy"),
            modifiedAt=current.get("modifiedAt"),
            current=error.current,
        )

    @handles(app, TemplateChanged)
    def template_changed(error: TemplateChanged) -> Response[Any]:
        return error_response(
            HTTPStatus.PRECONDITION_FAILED, str(error), type="CONCURRENT_MODIFICATION", id=error.template_id
        )

    @handles(app, InvalidInput)
    def invalid_input(error: InvalidInput) -> Response[Any]:
        return invalid(error.problems)

    @handles(app, InvalidDocument)
    def invalid_document(error: InvalidDocument) -> Response[Any]:
        return invalid(InvalidInput.from_document(error).problems)

    @handles(app, InvalidId)
    def invalid_id(error: InvalidId) -> Response[Any]:
        return invalid([Problem("id", str(error))])

    @handles(app, InvalidCursor)
    def invalid_cursor(error: InvalidCursor) -> Response[Any]:
        return invalid([Problem("cursor", str(error))])

    @handles(app, UnknownCustomer)
    def unknown_customer(error: UnknownCustomer) -> Response[Any]:
        return invalid([Problem("customers", str(error))])

    def identity_refusal() -> Response[Any] | None:
        # Bodies are read and validated before any middleware; identity still comes first, so check it here too.
        try:
            authenticate(app.current_event, provider())
        except NotAuthenticated as denied:
            return not_authenticated(denied)
        except Forbidden as denied:
            return forbidden(denied)
        return None

    def refuse_body(status: HTTPStatus, reason: str) -> Response[Any]:
        logger.warning("refused the body of a request (request %s): %s", _request_id(app), reason)
        if status is HTTPStatus.UNPROCESSABLE_ENTITY:
            return invalid([Problem("body", reason)])
        return error_response(status, reason)

    @handles(app, BodyRefused)
    def body_refused(error: BodyRefused) -> Response[Any]:
        return identity_refusal() or refuse_body(error.status, str(error))

    @handles(app, binascii.Error)
    @handles(app, UnicodeDecodeError)
    def undecodable_body(error: ValueError) -> Response[Any]:
        # Only Powertools' reading of a base64-encoded body decodes here: the body is not what it claims to be.
        reason = "the body is marked base64-encoded but is not base64-encoded UTF-8 text"
        return identity_refusal() or refuse_body(HTTPStatus.BAD_REQUEST, reason)

    @handles(app, RequestValidationError)
    def invalid_request(error: RequestValidationError) -> Response[Any]:
        refused = identity_refusal()
        if refused is not None:
            return refused
        problems = [
            Problem("body", "is not valid JSON")
            if item.get("type") == "json_invalid"
            else Problem(_field(item.get("loc", ())), _message(item))
            for item in error.errors()
        ]
        return invalid(problems)

    @handles(app, RequestUnsupportedContentType)
    def unsupported_media_type(error: RequestUnsupportedContentType) -> Response[Any]:
        return error_response(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send the body as application/json")

    @handles(app, ServiceError)
    def routing_error(error: ServiceError) -> Response[Any]:
        if error.status_code == HTTPStatus.NOT_FOUND:
            event = app.current_event
            return error_response(HTTPStatus.NOT_FOUND, f"no route for {event.http_method} {event.path}")
        return error_response(HTTPStatus(error.status_code), str(error.msg))

    @handles(app, Exception)
    def internal_error(error: Exception) -> Response[Any]:
        request_id = _request_id(app)
        logger.exception("unhandled error (request %s)", request_id)
        return error_response(
            HTTPStatus.INTERNAL_SERVER_ERROR,
            "internal error; quote the request id when reporting it",
            requestId=request_id,
        )
