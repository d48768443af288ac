"""Route helpers shared by the resources."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from ccm.api.models import ANY, UNMATCHABLE, etag_value
from ccm.api.responses import not_modified, object_response
from ccm.storage.archive import Location
from ccm.workflow import Actor, Services, get_object
from ccm.workflow.commands import Kind


def new_router() -> Router:
    return Router()  # type: ignore[no-untyped-call]  # Powertools leaves its constructor unannotated


def expected(if_match: str | None) -> str | None:
    """The ETag a mutation is conditional on; ``*`` or nothing means "whatever is stored"."""
    value = etag_value(if_match, when_unusable=UNMATCHABLE)
    return None if value == ANY else value


def read_response(
    services: Services,
    actor: Actor,
    object_id: str,
    *,
    kind: Kind,
    if_none_match: str | None,
    location: Location | None = None,
) -> Response[Any]:
    held = etag_value(if_none_match, when_unusable=None)
    if held == ANY:
        stored = get_object(services, actor, object_id, kind=kind, location=location)
        assert stored is not None
        return not_modified(stored.etag)
    stored = get_object(services, actor, object_id, kind=kind, if_none_match=held, location=location)
    if stored is None:
        return not_modified(held)
    return object_response(stored)
