"""Query parameters, headers and the search body, as pydantic models (and so in the OpenAPI document).

The bodies that write changes and announcements are the workflow's own commands (:mod:`ccm.workflow.commands`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeVar

from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ccm.domain.outcome import ChangeOutcome
from ccm.domain.status import Status
from ccm.workflow import InvalidInput
from ccm.workflow.commands import Code, Moment, Short

STATUS_ALIASES = {"pending": Status.SUBMITTED, "waiting for approval": Status.SUBMITTED}
StatusFilterValue = Literal[
    "all", "draft", "submitted", "approved", "completed", "cancelled", "rejected", "pending", "waiting for approval"
]


def status_filter(value: str | None) -> Status | None:
    """``all`` (or nothing) is no filter; legacy names of "submitted" still work."""
    if value in (None, "", "all"):
        return None
    assert value is not None
    return STATUS_ALIASES.get(value) or Status(value)


M = TypeVar("M", bound=BaseModel)


def parse_model(model: type[M], data: Mapping[str, Any]) -> M:
    """``data`` checked against ``model``; every problem is reported against its field (HTTP 422)."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidInput.from_validation(error) from None


class SearchCriteria(BaseModel):
    """The search page's criteria; keys it sends that the server does not use (sortBy, searchFields) are ignored."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    query: Short | None = Field(default=None, description="text in id, title, tickets or reason")
    status: StatusFilterValue | Literal[""] | None = None
    objectType: (
        Literal[
            "",
            "change",
            "announcement",
            "announcement_cic",
            "announcement_finops",
            "announcement_innersource",
            "announcement_innersourcing",
            "announcement_general",
        ]
        | None
    ) = None
    createdBy: Short | None = None
    changeType: Literal["", "standard", "normal", "emergency"] | None = None
    risk: Literal["", "low", "medium", "high"] | None = None
    customers: list[Code] | None = Field(default=None, max_length=200)
    dateRange: Literal["", "all", "today", "week", "14days", "month", "quarter", "year", "custom"] | None = None
    startDate: Moment | None = None
    endDate: Moment | None = None
    limit: int = Field(default=50, ge=1, le=200)
    cursor: Annotated[str, StringConstraints(max_length=2000)] | None = None
    outcome: ChangeOutcome | Literal[""] | None = Field(default=None, description="how completed changes ended")


# Parameters shared by many routes.
ObjectId = Annotated[str, Path(min_length=1, max_length=120, description="CHG-, CIC-, FIN-, INN- or GEN- id")]
VersionNumber = Annotated[int, Path(ge=1, le=1_000_000)]
Limit = Annotated[int, Query(ge=1, le=200, description="page size")]
Cursor = Annotated[str | None, Query(max_length=2000, description="the `cursor` of the previous page")]
StatusFilter = Annotated[StatusFilterValue | None, Query(description="`all` or absent: every status")]
CustomerFilter = Annotated[str | None, Query(max_length=32, description="customer code")]
IfMatch = Annotated[
    str | None,
    Header(alias="if-match", max_length=200, description="the ETag you read; 412 if the object changed since"),
]
IfNoneMatch = Annotated[
    str | None,
    Header(alias="if-none-match", max_length=200, description="the ETag you hold; 304 if unchanged"),
]

_ETAG = re.compile(r'^(?:W/)?"?([A-Za-z0-9._:-]{1,120})"?$')
ANY = "*"
UNMATCHABLE = '"unmatchable"'


def etag_value(header: str | None, *, when_unusable: str | None) -> str | None:
    """The first ETag of an ``If-Match``/``If-None-Match`` header, quoted as S3 reports it.

    ``*`` is returned as is; a value that cannot be an ETag gives ``when_unusable`` (for ``If-Match`` something
    that never matches, so the request fails safe with 412; for ``If-None-Match`` nothing, so it reads normally).
    """
    if header is None or not header.strip():
        return None
    first = header.split(",")[0].strip()
    if first == ANY:
        return ANY
    match = _ETAG.match(first)
    return f'"{match.group(1)}"' if match else when_unusable
