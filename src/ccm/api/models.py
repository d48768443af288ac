"""Request bodies and query parameters, as pydantic models (and so in the OpenAPI document).

Bodies are open: keys not listed here (form echoes, portal extras) are stored as sent. Keys the server owns
(status, version, history, stamps, meeting details) are accepted for compatibility and ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeVar

from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from ccm.domain.ids import AnnouncementType
from ccm.domain.status import Status
from ccm.workflow import InvalidInput
from ccm.workflow.fields import Kind

TEXT = 50_000
SHORT = 300
Code = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Text = Annotated[str, StringConstraints(max_length=TEXT)]
Short = Annotated[str, StringConstraints(max_length=SHORT)]
Moment = Annotated[str, StringConstraints(max_length=64)]

STATUS_ALIASES = {"pending": Status.SUBMITTED, "waiting for approval": Status.SUBMITTED}
StatusFilterValue = Literal[
    "all", "draft", "submitted", "approved", "completed", "cancelled", "pending", "waiting for approval"
]


def status_filter(value: str | None) -> Status | None:
    """``all`` (or nothing) is no filter; legacy names of "submitted" still work."""
    if value in (None, "", "all"):
        return None
    assert value is not None
    return STATUS_ALIASES.get(value) or Status(value)


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")

    def fields(self) -> dict[str, Any]:
        """What the client actually sent (declared keys it set, plus every extra key)."""
        return self.model_dump(mode="json", exclude_unset=True)


class ChangeFields(_Open):
    """The fields of a change a client sets. Datetimes are RFC 3339; without an offset they are read in
    ``timezone``."""

    object_type: Literal["change"] | None = None
    changeId: Short | None = Field(default=None, description="CHG-<uuid>; the server chooses one if absent")
    changeTitle: Short | None = None
    customers: list[Code] | None = Field(default=None, max_length=200, description="customer codes")
    changeReason: Text | None = None
    implementationPlan: Text | None = None
    testPlan: Text | None = None
    customerImpact: Text | None = None
    rollbackPlan: Text | None = None
    snowTicket: Short | None = None
    jiraTicket: Short | None = None
    implementationStart: Moment | None = None
    implementationEnd: Moment | None = None
    timezone: Short | None = Field(default=None, description="IANA zone, default America/New_York")
    meetingRequired: Literal["yes", "no"] | None = None
    include_meeting: bool | None = None
    meetingTitle: Short | None = None
    meetingDate: Moment | None = None
    meetingTime: Moment | None = None
    meetingDuration: Annotated[int, Field(ge=15, le=1440)] | Short | None = Field(default=None, description="minutes")
    meetingLocationType: Short | None = None
    meetingLocation: Short | None = None
    attendees: Text | None = Field(default=None, description="comma-separated email addresses")
    status: Short | None = Field(default=None, description="ignored except to choose draft or submitted")


class ChangeSubmission(ChangeFields):
    changeTitle: Short = Field(min_length=1)
    customers: list[Code] = Field(min_length=1, max_length=200)


class AnnouncementFields(_Open):
    """The fields of an announcement a client sets."""

    object_type: (
        Literal["announcement_cic", "announcement_finops", "announcement_innersource", "announcement_general"] | None
    ) = None
    announcement_type: AnnouncementType | None = None
    announcement_id: Short | None = Field(default=None, description="CIC-/FIN-/INN-/GEN-<uuid>; chosen if absent")
    title: Short | None = None
    summary: Text | None = None
    content: Text | None = None
    customers: list[Code] | None = Field(default=None, max_length=200)
    include_meeting: bool | None = None
    meeting_title: Short | None = None
    meeting_date: Moment | None = None
    meeting_duration: Annotated[int, Field(ge=15, le=1440)] | Short | None = None
    meeting_location: Short | None = None
    meeting_timezone: Short | None = None
    attendees: Text | None = None
    attachments: list[dict[str, Any] | Short] | None = Field(default=None, max_length=50)
    author: Short | None = None
    posted_date: Moment | None = None
    status: Short | None = Field(default=None, description="ignored except to choose draft or submitted")


class AnnouncementSubmission(AnnouncementFields):
    title: Short = Field(min_length=1)
    customers: list[Code] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _typed(self) -> AnnouncementSubmission:
        if self.object_type is None and self.announcement_type is None:
            raise ValueError("object_type or announcement_type is required")
        return self


class ChangeDraft(ChangeFields):
    changeTitle: Short = Field(min_length=1)


class AnnouncementDraft(AnnouncementSubmission):
    customers: list[Code] = Field(default_factory=list, max_length=200)


class AnnouncementStatusUpdate(AnnouncementFields):
    """The portal's ``POST /upload`` with ``action: update_announcement``: a status change, or an edit when
    the status stays the same."""

    action: Literal["update_announcement"]
    announcement_id: Short
    status: Status


M = TypeVar("M", bound=BaseModel)
SUBMISSIONS: dict[Kind, type[_Open]] = {"change": ChangeSubmission, "announcement": AnnouncementSubmission}
DRAFTS: dict[Kind, type[_Open]] = {"change": ChangeDraft, "announcement": AnnouncementDraft}


def parse_model(model: type[M], data: Mapping[str, Any]) -> M:
    """``data`` checked against ``model``; every problem is reported against its field (HTTP 422)."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidInput.from_validation(error) from None


def validated(model: type[_Open], data: Mapping[str, Any]) -> dict[str, Any]:
    return parse_model(model, data).fields()


class SearchCriteria(BaseModel):
    """The search page's criteria; keys it sends that the server does not use (sortBy, searchFields) are ignored."""

    model_config = ConfigDict(extra="ignore")

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
    customers: list[Code] | None = Field(default=None, max_length=200)
    dateRange: Literal["", "all", "today", "week", "14days", "month", "quarter", "year", "custom"] | None = None
    startDate: Moment | None = None
    endDate: Moment | None = None
    limit: int = Field(default=50, ge=1, le=200)
    cursor: Annotated[str, StringConstraints(max_length=2000)] | None = None


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
