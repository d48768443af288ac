"""What a client may ask the workflow to write: typed commands, validated once, here.

The API takes them as request bodies (so they are also its OpenAPI document), tests build them directly, and
the service functions take nothing else. Each command knows what the client actually set (:meth:`sent`):
the document keys to merge into the stored object, with the keys the server owns left out.

Unknown keys: the original portal sent whole documents back, and form echoes along with the fields, so the keys
of :data:`SERVER_KEYS` (ignored) and of :data:`ECHO_KEYS` (stored as sent, for the original's clients) are
accepted; any other key is refused with 422 naming it, so nothing unbounded is stored by accident.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from ccm.domain.approval import ChangeType, Risk
from ccm.domain.ids import ANNOUNCEMENT_PREFIXES, AnnouncementType, is_announcement_id, is_change_id, validate_id
from ccm.domain.objects import TITLE_LIMIT
from ccm.domain.outcome import NOTE_LIMIT, ChangeOutcome, outcome_problem
from ccm.domain.status import Status
from ccm.errors import InvalidId

Kind = Literal["change", "announcement"]

TEXT = 50_000
"""Characters of a long text (reason, plans, summary, content): the portal's own limit."""
SHORT = TITLE_LIMIT
Code = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Text = Annotated[str, StringConstraints(max_length=TEXT)]
Short = Annotated[str, StringConstraints(max_length=SHORT)]
Title = Annotated[str, StringConstraints(max_length=TITLE_LIMIT)]
Moment = Annotated[str, StringConstraints(max_length=64)]
Link = Annotated[str, StringConstraints(max_length=2048)]
Minutes = Annotated[int, Field(ge=15, le=1440)]

SERVER_KEYS = frozenset(
    {
        "status",
        "prior_status",
        "version",
        "modifications",
        "meeting_metadata",
        "notified_versions",
        "createdAt",
        "createdBy",
        "modifiedAt",
        "modifiedBy",
        "submittedAt",
        "submittedBy",
        "approvedAt",
        "approvedBy",
        "completedAt",
        "completedBy",
        "cancelledAt",
        "cancelledBy",
        "rejectedAt",
        "rejectedBy",
        "approval",
        "approval_decisions",
        "approval_round",
        "created_at",
        "created_by",
        "modified_at",
        "modified_by",
        "deletedAt",
        "deletedBy",
        "deletionReason",
        "originalPath",
        "meeting_id",
        "join_url",
        "lastModified",
        "size",
        "previous_version",
        "customer_changes",
        "customer_operations",
        "action",
        "modification",
        "survey_id",
        "survey_url",
        "survey_created_at",
        # set only by completing a change, with its own command
        "outcome",
        "outcomeNote",
        # the ServiceNow change request ccm created (ccm.integrations), set with its number by the server only
        "snowSysId",
    }
)
"""Owned by the server or the backend; whatever a client sends under these keys is ignored."""

ECHO_KEYS: dict[Kind, frozenset[str]] = {
    # The change form's own copies of the window (date and time fields), and what the original's Go types carried.
    "change": frozenset(
        {
            "implementationBeginDate",
            "implementationBeginTime",
            "implementationEndDate",
            "implementationEndTime",
            "meetingStartTime",
            "testRun",
        }
    ),
    "announcement": frozenset(),
}
"""Keys no field declares that the portal or the original's clients send: stored as sent (at most a short text)."""

IGNORED_KEYS: dict[Kind, frozenset[str]] = {
    # The resource decides the kind, not a stray key of the other kind in the body.
    "change": SERVER_KEYS | {"announcement_type"},
    "announcement": SERVER_KEYS,
}
ECHO_LIMIT = 300
ID_KEYS: dict[Kind, str] = {"change": "changeId", "announcement": "announcement_id"}
TITLE_KEYS: dict[Kind, str] = {"change": "changeTitle", "announcement": "title"}
REFUSED = "is not accepted on changes or announcements"


def kind_of(body: Mapping[str, Any]) -> Kind:
    """Which kind a body of the kind-neutral routes (``/drafts``, ``/upload``) is, as the original decided it."""
    object_type = str(body.get("object_type") or "")
    if object_type.startswith("announcement_") or "announcement_type" in body:
        return "announcement"
    if not object_type and is_announcement_id(str(body.get("announcement_id") or "")):
        return "announcement"
    return "change"


def _checked_id(value: str | None, kind: Kind) -> str | None:
    if value is None or value == "":
        return None
    try:
        validate_id(value)
    except InvalidId as error:
        raise ValueError(error.reason) from None
    if (kind == "change") != is_change_id(value):
        wanted = "CHG-" if kind == "change" else "/".join(f"{prefix}-" for prefix in ANNOUNCEMENT_PREFIXES.values())
        raise ValueError(f"must start with {wanted}")
    return value


class ObjectCommand(BaseModel):
    """The fields of a change or an announcement a client sets; subclasses declare them."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    kind: ClassVar[Kind]

    metadata: Any = Field(default=None, description="refused when not empty (the original's legacy map)")
    source: Any = Field(default=None, description="refused when not empty (the original's legacy source)")

    @field_validator("metadata")
    @classmethod
    def _no_metadata(cls, value: Any) -> Any:
        if value not in (None, {}, ""):
            raise ValueError(REFUSED)
        return None

    @field_validator("source")
    @classmethod
    def _no_source(cls, value: Any) -> Any:
        if value not in (None, ""):
            raise ValueError(REFUSED)
        return None

    @model_validator(mode="after")
    def _known_keys_only(self) -> ObjectCommand:
        extra = self.__pydantic_extra__ or {}
        unknown = sorted(key for key in extra if key not in IGNORED_KEYS[self.kind] | ECHO_KEYS[self.kind])
        if unknown:
            raise ValueError(f"unknown key(s): {', '.join(unknown)}; a {self.kind} does not have them")
        for key in ECHO_KEYS[self.kind] & set(extra):
            value = extra[key]
            if not (value is None or isinstance(value, bool) or (isinstance(value, str) and len(value) <= ECHO_LIMIT)):
                raise ValueError(f"{key} must be a text of at most {ECHO_LIMIT} characters")
        title = getattr(self, TITLE_KEYS[self.kind])
        if title is not None and not title.strip():
            raise ValueError(f"{TITLE_KEYS[self.kind]} must not be empty")
        return self

    @property
    def object_id(self) -> str | None:
        """The id the client chose (checked when the command was made); ``None`` lets the server choose."""
        value = getattr(self, ID_KEYS[self.kind])
        return value or None

    @property
    def requested_status(self) -> str | None:
        status: str | None = getattr(self, "status", None)
        return status

    def sent(self) -> dict[str, Any]:
        """The document keys the client set, as stored: without the id, the server's keys or the legacy ones."""
        sent = self.model_dump(mode="json", exclude_unset=True)
        dropped = IGNORED_KEYS[self.kind] | {ID_KEYS[self.kind], "metadata", "source"}
        return {key: value for key, value in sent.items() if key not in dropped}

    def without_status(self) -> ObjectCommand:
        """The same command with its ``status`` unset: the content, without asking for a transition."""
        copy = self.model_copy(update={"status": None})
        copy.__pydantic_fields_set__.discard("status")
        return copy


class ChangeFields(ObjectCommand):
    """The fields of a change a client sets. Datetimes are RFC 3339; without an offset they are read in
    ``timezone``."""

    kind: ClassVar[Kind] = "change"

    object_type: Literal["change"] | None = None
    changeId: Short | None = Field(default=None, description="CHG-<uuid>; the server chooses one if absent")
    changeTitle: Title | None = None
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
    meetingDuration: Minutes | Short | None = Field(default=None, description="minutes")
    meetingLocationType: Short | None = None
    meetingLocation: Short | None = None
    attendees: Text | None = Field(default=None, description="comma-separated email addresses")
    changeType: ChangeType | None = Field(
        default=None, description="standard (from a template), normal (default) or emergency"
    )
    risk: Risk | None = Field(default=None, description="low, medium (default) or high")
    emergencyJustification: Text | None = Field(
        default=None, description="why it cannot wait; required to submit an emergency change"
    )
    templateId: Annotated[str, StringConstraints(pattern=r"^T-[1-9][0-9]{0,8}$")] | None = Field(
        default=None, description="the standard change template it is made from"
    )
    status: Short | None = Field(default=None, description="ignored except to choose draft or submitted")

    @field_validator("changeId")
    @classmethod
    def _change_id(cls, value: str | None) -> str | None:
        return _checked_id(value, "change")

    def sent(self) -> dict[str, Any]:
        content = super().sent()
        # The form sends the meeting as ``meetingDate``; the backend reads ``meetingTime`` and ``include_meeting``.
        if content.get("meetingDate") and "meetingTime" not in content:
            content["meetingTime"] = content["meetingDate"]
        if "meetingRequired" in content and "include_meeting" not in content:
            content["include_meeting"] = content["meetingRequired"] == "yes"
        return content


class ChangeSubmission(ChangeFields):
    changeTitle: Title = Field(min_length=1)
    customers: list[Code] = Field(min_length=1, max_length=200)


class ChangeDraft(ChangeFields):
    changeTitle: Title = Field(min_length=1)


class AnnouncementFields(ObjectCommand):
    """The fields of an announcement a client sets."""

    kind: ClassVar[Kind] = "announcement"

    object_type: (
        Literal["announcement_cic", "announcement_finops", "announcement_innersource", "announcement_general"] | None
    ) = None
    announcement_type: AnnouncementType | None = None
    announcement_id: Short | None = Field(default=None, description="CIC-/FIN-/INN-/GEN-<uuid>; chosen if absent")
    title: Title | None = None
    summary: Text | None = None
    content: Text | None = None
    customers: list[Code] | None = Field(default=None, max_length=200)
    include_meeting: bool | None = None
    meeting_title: Short | None = None
    meeting_date: Moment | None = None
    meeting_duration: Minutes | Short | None = None
    meeting_location: Short | None = None
    meeting_timezone: Short | None = None
    attendees: Text | None = None
    attachments: list[dict[str, Link | int | None] | Short] | None = Field(default=None, max_length=50)
    author: Short | None = None
    posted_date: Moment | None = None
    status: Short | None = Field(default=None, description="ignored except to choose draft or submitted")

    @field_validator("announcement_id")
    @classmethod
    def _announcement_id(cls, value: str | None) -> str | None:
        return _checked_id(value, "announcement")

    @property
    def type(self) -> AnnouncementType | None:
        """The announcement's type, from ``announcement_type`` or else ``object_type``."""
        if self.announcement_type is not None:
            return self.announcement_type
        if self.object_type is not None:
            return AnnouncementType(self.object_type.removeprefix("announcement_"))
        return None


class AnnouncementSubmission(AnnouncementFields):
    title: Title = Field(min_length=1)
    customers: list[Code] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _typed(self) -> AnnouncementSubmission:
        if self.object_type is None and self.announcement_type is None:
            raise ValueError("object_type or announcement_type is required")
        return self


class AnnouncementDraft(AnnouncementSubmission):
    customers: list[Code] = Field(default_factory=list, max_length=200)


class AnnouncementStatusUpdate(AnnouncementFields):
    """The portal's ``POST /upload`` with ``action: update_announcement``: a status change, or an edit when
    the status stays the same."""

    action: Literal["update_announcement"]
    announcement_id: Short
    status: Status  # narrower than the other commands' free text: a status is required

    def sent(self) -> dict[str, Any]:
        return {key: value for key, value in super().sent().items() if key not in {"action", "status"}}


SUBMISSIONS: dict[Kind, type[ObjectCommand]] = {"change": ChangeSubmission, "announcement": AnnouncementSubmission}
DRAFTS: dict[Kind, type[ObjectCommand]] = {"change": ChangeDraft, "announcement": AnnouncementDraft}
EDITS: dict[Kind, type[ObjectCommand]] = {"change": ChangeFields, "announcement": AnnouncementFields}


class Completion(BaseModel):
    """How a change ended, sent when completing it. Without a body a change completes as ``successful``, as the
    original's clients (which knew no outcomes) complete changes."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)

    outcome: ChangeOutcome = Field(
        default=ChangeOutcome.SUCCESSFUL,
        description="successful, successful_with_issues, rolled_back or failed",
    )
    note: Annotated[str, StringConstraints(max_length=NOTE_LIMIT)] = Field(
        default="", description="what happened; required unless the outcome is successful"
    )

    @model_validator(mode="after")
    def _note_when_needed(self) -> Completion:
        problem = outcome_problem(self.outcome, self.note)
        if problem:
            raise ValueError(problem)
        return self
