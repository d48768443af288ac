"""What the OpenAPI document says each route answers (the bodies themselves are built in ``responses``/``errors``)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel, ConfigDict


class _Doc(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)


class ErrorBody(_Doc):
    """Every error: a sentence, and for conflicts the statuses involved (currentStatus, requestedStatus,
    allowedTransitions or requestedAction, allowedStatuses) or, for 412, the current version and its author."""

    error: str
    type: str | None = None


class ProblemBody(BaseModel):
    model_config = ConfigDict(defer_build=True)

    field: str
    message: str
    type: str


class InvalidBody(ErrorBody):
    details: str
    problems: list[ProblemBody]


class MutationBody(_Doc):
    """The object as stored now, its new ETag, and one row per place written (archive, each customer)."""

    success: bool
    id: str
    kind: str
    status: str
    version: int
    etag: str
    object: dict[str, Any]
    uploadResults: list[dict[str, Any]]
    summary: dict[str, int]


class AudienceBody(_Doc):
    """Whom the object reaches once approved, as counts (never addresses): per customer the recipients of its
    notification topic and of its meeting topic, and the meeting's invitees (``nobodyInvited``: no meeting will be
    made). A customer whose SES cannot be read names the reason in ``problem``. Counts are kept a minute per
    customer; ``countedAt`` says when the oldest was read."""

    id: str
    countedAt: str
    customers: list[dict[str, Any]]
    meeting: dict[str, Any] | None


class PageBody(BaseModel):
    """One page of summaries, newest first; pass ``cursor`` back for the next page (``null``: no more)."""

    model_config = ConfigDict(defer_build=True)

    items: list[dict[str, Any]]
    count: int
    cursor: str | None


_MEANINGS = {
    200: "OK",
    201: "Created",
    304: "Not modified: the ETag you sent is current",
    400: "The body cannot be read: not base64 as marked, nested too deeply, or a number of too many digits",
    401: "No verified identity (X-User-Email, X-Authenticated)",
    403: "You may not do this (role, ownership, four-eyes rule or email domain)",
    404: "No such object",
    409: "The object's status forbids this, or the id is taken",
    412: "If-Match is stale: someone changed the object since you read it",
    413: "The body is larger than 256 KB",
    422: "Invalid input: every bad field is named",
    500: "Internal error: quote the requestId",
    503: "This answer needs a part the service runs without (the customers' SES for audience counts)",
}
_ALWAYS = (401, 403, 422, 500)
BODY_ERRORS = (400, 413)
"""What a route that reads a body may also answer (see :mod:`ccm.api.body`)."""


def documented(
    ok: int | tuple[int, ...] = 200, body: type[BaseModel] | None = None, *errors: int
) -> dict[int, OpenAPIResponse]:
    """Responses of a route: its success (with ``body``'s schema), the given errors and those every route has."""
    responses: dict[int, OpenAPIResponse] = {}
    for code in (ok,) if isinstance(ok, int) else ok:
        success: OpenAPIResponse = {"description": _MEANINGS[code]}
        if body is not None:
            success["content"] = {"application/json": {"model": body}}
        responses[code] = success
    for code in sorted({*errors, *_ALWAYS}):
        model = InvalidBody if code == 422 else ErrorBody
        content: OpenAPIResponse = {"description": _MEANINGS[code]}
        if code != 304:
            content["content"] = {"application/json": {"model": model}}
        responses[code] = content
    return responses
