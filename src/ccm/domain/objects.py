"""Changes and announcements with the exact JSON keys of the stored documents.

Changes use camelCase keys, announcements snake_case, and both share the workflow keys (``status``,
``prior_status``, ``version``, ``modifications``, ``meeting_metadata``, the camelCase ``<event>At``/``<event>By``
stamps). Keys this model does not know are kept and written back unchanged, so no reader or writer ever drops
what another one stored.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from contextlib import suppress
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ccm.domain.approval import ApprovalDecision, ChangeType, Risk
from ccm.domain.approval_state import ApprovalState
from ccm.domain.ids import AnnouncementType, is_announcement_id
from ccm.domain.outcome import ChangeOutcome
from ccm.domain.stamps import OptionalTimestamp, Timestamp
from ccm.domain.status import Status, check_transition
from ccm.domain.times import DEFAULT_TIMEZONE, is_timezone, parse_datetime
from ccm.errors import CcmError, TransitionNotAllowed


class InvalidDocument(CcmError):
    """A stored or submitted document does not match the model; ``problems`` lists field and reason."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in problems))

    @classmethod
    def from_validation(cls, error: ValidationError) -> InvalidDocument:
        problems = []
        for item in error.errors(include_url=False):
            field = ".".join(str(part) for part in item["loc"]) or "(body)"
            problems.append((field, item["msg"].removeprefix("Value error, ")))
        return cls(problems)


class ModificationType(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    DELETED = "deleted"
    MEETING_SCHEDULED = "meeting_scheduled"
    MEETING_UPDATED = "meeting_updated"
    MEETING_CANCELLED = "meeting_cancelled"
    MEETING_SKIPPED = "meeting_skipped"
    PROCESSED = "processed"
    FREEZE_OVERRIDE = "freeze_override"
    DELIVERY_RESENT = "delivery_resent"
    """An administrator had one notice sent again to the recipients whose delivery failed transiently."""
    REJECTED = "rejected"
    REOPENED = "reopened"
    """A rejected object taken back to a draft by its creator."""
    APPROVAL_DECISION = "approval_decision"
    """One approver's approval (``user_id``, ``on_behalf_of`` when a delegate gave it, ``comment``)."""
    REVIEW_COMPLETED = "review_completed"
    """An emergency change's normal requirements were met after the fact."""
    CHANGED_AFTER_APPROVAL = "changed_after_approval"
    """An edit of an approved object that approvers or customers rely on: it is back in ``submitted``."""
    TICKET_CREATED = "ticket_created"
    """The backend created the change's ServiceNow change request (``detail``: its number)."""
    TICKET_WARNING = "ticket_warning"
    """A ticket named on submit could not be checked because ServiceNow or Jira was unreachable (``detail``)."""


TITLE_LIMIT = 300
"""Characters of a change's or an announcement's title (it is an email subject and a meeting subject)."""

USER_TRANSITIONS = frozenset(
    {
        ModificationType.CREATED,
        ModificationType.UPDATED,
        ModificationType.SUBMITTED,
        ModificationType.APPROVED,
        ModificationType.COMPLETED,
        ModificationType.CANCELLED,
        ModificationType.REJECTED,
        ModificationType.REOPENED,
        ModificationType.APPROVAL_DECISION,
        ModificationType.CHANGED_AFTER_APPROVAL,
    }
)
"""What people do to an object's status and content (the workflow's transitions)."""

SYSTEM_ENTRIES = frozenset(
    {
        ModificationType.PROCESSED,
        ModificationType.MEETING_SCHEDULED,
        ModificationType.MEETING_UPDATED,
        ModificationType.MEETING_CANCELLED,
        ModificationType.MEETING_SKIPPED,
        ModificationType.TICKET_CREATED,
    }
)
"""The backend's bookkeeping about an object (notifications sent, meetings): written by no person."""

NOBODY_INVITED = "nobody is invited"
"""The ``detail`` of a ``meeting_skipped`` entry: no subscriber of the meeting topic at any customer, nobody listed."""

COMPLETED_BEFORE_MEETING = "completed before the meeting"
"""The ``detail`` of the ``meeting_cancelled`` entry of an object completed before its meeting started."""


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)


class MeetingMetadata(_Open):
    meeting_id: str = Field(min_length=1)
    join_url: str = ""
    start_time: Timestamp
    end_time: Timestamp
    subject: str
    organizer: str | None = None
    attendees: list[str] | None = None
    ical_uid: str | None = None
    provider: Literal["teams", "ics"] | None = None
    sequence: int = 0
    revision: str | None = None
    """Fingerprint of what the calendar event was last made from (subject, window, place, invitees)."""

    @model_validator(mode="after")
    def _start_before_end(self) -> MeetingMetadata:
        if self.start_time >= self.end_time:
            raise ValueError("meeting start_time must be before end_time")
        return self


class FreezeReference(_Open):
    """Which occurrence of which freeze window an emergency change was let into, as it was configured then."""

    name: str
    start: Timestamp
    end: Timestamp
    timezone: str
    customers: list[str]
    action: str
    """The transition that entered the freeze: ``submitted`` or ``approved``."""
    justification: str = ""


class Modification(_Open):
    """One history entry. People's entries name them in ``user_id``; the backend's name its role and say what it did:
    ``topic`` and ``recipients`` (a ``processed`` entry: whom the customer's notification went to, counted after the
    allow-list and the suppression list), ``detail`` (why a meeting was skipped or cancelled)."""

    timestamp: Timestamp
    user_id: str = Field(min_length=1)
    modification_type: ModificationType
    customer_code: str | None = None
    meeting_metadata: MeetingMetadata | None = None
    freeze: FreezeReference | None = None
    delivery_event: str | None = None
    """Of a ``delivery_resent`` entry: the email event resent (``approval_request``, ...)."""
    resent_to: list[str] | None = None
    """Of a ``delivery_resent`` entry: who gets the extra copy."""
    request_id: str | None = None
    """The API request that made the entry, so that an audit event leads to its request's log lines."""
    on_behalf_of: str | None = None
    """The approver a delegate acted for (the entry's ``user_id``)."""
    comment: str | None = None
    """What the person said: an approver's comment, a rejection's reason, how a policy decided."""
    approved_version: int | None = Field(default=None, ge=1)
    """On a ``changed_after_approval`` entry: the approved version the pending changes are measured against."""
    topic: str | None = None
    recipients: int | None = Field(default=None, ge=0)
    detail: str | None = None

    @property
    def by_system(self) -> bool:
        """The backend's bookkeeping (notifications, meetings), not something a person did."""
        return self.modification_type in SYSTEM_ENTRIES

    @model_validator(mode="after")
    def _meeting_entries_carry_metadata(self) -> Modification:
        if self.modification_type is ModificationType.MEETING_SCHEDULED and self.meeting_metadata is None:
            raise ValueError("a meeting_scheduled entry must carry meeting_metadata")
        return self


STATUS_ENTRIES = frozenset(
    {
        ModificationType.SUBMITTED,
        ModificationType.APPROVED,
        ModificationType.COMPLETED,
        ModificationType.CANCELLED,
        ModificationType.DELETED,
        ModificationType.CHANGED_AFTER_APPROVAL,
        ModificationType.REJECTED,
        ModificationType.REOPENED,
    }
)
"""History entries that record a change of status (an edit or the system's bookkeeping does not)."""

_STAMPS: dict[Status, tuple[str, str]] = {
    Status.SUBMITTED: ("submitted_at", "submitted_by"),
    Status.APPROVED: ("approved_at", "approved_by"),
    Status.COMPLETED: ("completed_at", "completed_by"),
    Status.CANCELLED: ("cancelled_at", "cancelled_by"),
    Status.REJECTED: ("rejected_at", "rejected_by"),
}
_ENTRY_FOR: dict[Status, ModificationType] = {Status.DRAFT: ModificationType.REOPENED}
"""The history entry of a transition, where it is not named like the status it reaches."""


class ManagedObject(BaseModel, ABC):
    """What changes and announcements share: customers, workflow, history, meeting."""

    model_config = ConfigDict(
        extra="allow", validate_by_name=False, validate_by_alias=True, serialize_by_alias=True, defer_build=True
    )

    kind: ClassVar[Literal["change", "announcement"]]

    object_type: str
    customers: list[str] = Field(default_factory=list)
    status: Status = Status.SUBMITTED
    prior_status: str = ""
    version: int = Field(default=1, ge=1)
    modifications: list[Modification] = Field(default_factory=list)
    meeting_metadata: MeetingMetadata | None = None
    include_meeting: bool = False
    notified_versions: dict[str, int] | None = None
    """Per customer code, the version whose approved content that customer's subscribers were last told about
    (written by the backend); ``None`` on objects approved before it was recorded."""

    created_at: OptionalTimestamp = Field(default=None, alias="createdAt")
    created_by: str | None = Field(default=None, alias="createdBy")
    modified_at: OptionalTimestamp = Field(default=None, alias="modifiedAt")
    modified_by: str | None = Field(default=None, alias="modifiedBy")
    submitted_at: OptionalTimestamp = Field(default=None, alias="submittedAt")
    submitted_by: str | None = Field(default=None, alias="submittedBy")
    approved_at: OptionalTimestamp = Field(default=None, alias="approvedAt")
    approved_by: str | None = Field(default=None, alias="approvedBy")
    completed_at: OptionalTimestamp = Field(default=None, alias="completedAt")
    completed_by: str | None = Field(default=None, alias="completedBy")
    cancelled_at: OptionalTimestamp = Field(default=None, alias="cancelledAt")
    cancelled_by: str | None = Field(default=None, alias="cancelledBy")
    rejected_at: OptionalTimestamp = Field(default=None, alias="rejectedAt")
    rejected_by: str | None = Field(default=None, alias="rejectedBy")

    approval_round: int = Field(default=0, ge=0)
    """Counts submissions: decisions of earlier rounds stay on record but never count again."""
    approval_decisions: list[ApprovalDecision] = Field(default_factory=list)
    approval: ApprovalState | None = None
    """The checklist, derived from the policy and ``approval_decisions`` at every workflow write."""

    @field_validator("customers")
    @classmethod
    def _unique_sorted(cls, values: list[str]) -> list[str]:
        return sorted({value.strip() for value in values if value.strip()})

    @property
    @abstractmethod
    def id(self) -> str: ...

    @property
    @abstractmethod
    def title(self) -> str: ...

    @property
    def owner(self) -> str:
        """Who created the object: the only non-admin who may edit or delete it as a draft."""
        return (self.created_by or self.submitted_by or "").lower()

    @property
    def ever_approved(self) -> bool:
        return (
            self.status is Status.APPROVED
            or self.approved_at is not None
            or bool(self.approved_by)
            or any(m.modification_type is ModificationType.APPROVED for m in self.modifications)
        )

    def record(
        self,
        kind: ModificationType,
        user: str,
        at: datetime,
        *,
        customer_code: str | None = None,
        meeting: MeetingMetadata | None = None,
        freeze: FreezeReference | None = None,
        delivery_event: str | None = None,
        resent_to: list[str] | None = None,
        request_id: str | None = None,
        on_behalf_of: str | None = None,
        comment: str | None = None,
        details: Mapping[str, Any] | None = None,
        approved_version: int | None = None,
        topic: str | None = None,
        recipients: int | None = None,
        detail: str | None = None,
    ) -> Modification:
        """Append a history entry; ``details`` are further keys of the entry (what a decision counted for, an
        outcome and its note)."""
        entry = Modification.model_validate(
            {
                **(details or {}),
                "timestamp": at,
                "user_id": user,
                "modification_type": kind,
                "customer_code": customer_code,
                "meeting_metadata": meeting.model_dump(mode="json", exclude_none=True) if meeting else None,
                "freeze": freeze.model_dump(mode="json") if freeze else None,
                "delivery_event": delivery_event,
                "resent_to": resent_to,
                "request_id": request_id,
                "on_behalf_of": on_behalf_of,
                "comment": comment,
                "approved_version": approved_version,
                "topic": topic,
                "recipients": recipients,
                "detail": detail,
            }
        )
        self.modifications.append(entry)
        return entry

    def transition(
        self,
        target: Status | str,
        user: str,
        at: datetime,
        *,
        request_id: str | None = None,
        on_behalf_of: str | None = None,
        comment: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> Status:
        """Move to ``target`` if the status table allows it, stamping who and when and recording it.

        Each submission starts a new approval round (DESIGN, "Approval rounds")."""
        new_status = check_transition(self.status, target)
        self.prior_status = self.status.value
        self.status = new_status
        stamp = _STAMPS.get(new_status)
        if stamp is not None:
            setattr(self, stamp[0], at)
            setattr(self, stamp[1], user)
        if new_status is Status.SUBMITTED:
            self.approval_round = self.next_approval_round
        self.modified_at = at
        self.modified_by = user
        kind = _ENTRY_FOR.get(new_status) or ModificationType(new_status.value)
        self.record(kind, user, at, request_id=request_id, on_behalf_of=on_behalf_of, comment=comment, details=details)
        return new_status

    @property
    def next_approval_round(self) -> int:
        """The round the next submission starts; never one that already holds decisions."""
        return max([self.approval_round, *(decision.round for decision in self.approval_decisions)]) + 1

    def send_back_for_approval(self, user: str, at: datetime, *, request_id: str | None = None) -> None:
        """An approved object whose content changed goes back to ``submitted``: approvers see it again, measured
        against the version they approved (this one, before the edit's version bump), and customers hear of it
        only once it is approved again. Its approval stamps stay: they say what was approved last."""
        if self.status is not Status.APPROVED:
            raise TransitionNotAllowed(self.status.value, Status.SUBMITTED.value, [])
        self.prior_status = self.status.value
        self.status = Status.SUBMITTED
        self.submitted_at, self.submitted_by = at, user
        # A new approval round: the decisions that approved the earlier version never count for this one.
        self.approval_round = self.next_approval_round
        self.modified_at, self.modified_by = at, user
        self.record(
            ModificationType.CHANGED_AFTER_APPROVAL, user, at, request_id=request_id, approved_version=self.version
        )

    @property
    def changed_since_approval(self) -> int | None:
        """While it waits for approval again after an edit: the approved version its changes are measured against."""
        if self.status is not Status.SUBMITTED:
            return None
        for entry in reversed(self.modifications):
            if entry.modification_type in STATUS_ENTRIES:
                if entry.modification_type is ModificationType.CHANGED_AFTER_APPROVAL:
                    return entry.approved_version
                return None
        return None

    def note_notified(self, customer_code: str, version: int) -> bool:
        """Record that ``customer_code`` was told about ``version``; ``False`` if it knew of that one or a later one."""
        told = dict(self.notified_versions or {})
        if told.get(customer_code, 0) >= version:
            return False
        told[customer_code] = version
        self.notified_versions = dict(sorted(told.items()))
        return True

    def forget_notified(self, customer_code: str, up_to_version: int) -> bool:
        """A customer was told it is out of the object: forget what it was told, unless it heard of a later version
        since (it was added back)."""
        told = dict(self.notified_versions or {})
        if customer_code not in told or told[customer_code] > up_to_version:
            return False
        del told[customer_code]
        self.notified_versions = told
        return True

    def latest(self, kind: ModificationType) -> Modification | None:
        return next((m for m in reversed(self.modifications) if m.modification_type is kind), None)

    def to_document(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class Change(ManagedObject):
    kind: ClassVar[Literal["change", "announcement"]] = "change"

    object_type: Literal["change"] = "change"
    change_id: str = Field(alias="changeId")
    change_title: str = Field(alias="changeTitle")
    change_reason: str = Field(default="", alias="changeReason")
    implementation_plan: str = Field(default="", alias="implementationPlan")
    test_plan: str = Field(default="", alias="testPlan")
    customer_impact: str = Field(default="", alias="customerImpact")
    rollback_plan: str = Field(default="", alias="rollbackPlan")
    snow_ticket: str = Field(default="", alias="snowTicket")
    jira_ticket: str = Field(default="", alias="jiraTicket")
    snow_sys_id: str | None = Field(default=None, alias="snowSysId")
    """The ``sys_id`` of the ServiceNow change request ccm created for the change (its link in the portal)."""
    implementation_start: OptionalTimestamp = Field(default=None, alias="implementationStart")
    implementation_end: OptionalTimestamp = Field(default=None, alias="implementationEnd")
    timezone: str = DEFAULT_TIMEZONE
    meeting_required: Literal["yes", "no"] | None = Field(default=None, alias="meetingRequired")
    meeting_title: str | None = Field(default=None, alias="meetingTitle")
    meeting_time: OptionalTimestamp = Field(default=None, alias="meetingTime")
    meeting_duration: str | None = Field(default=None, alias="meetingDuration")
    meeting_location: str | None = Field(default=None, alias="meetingLocation")
    attendees: str | None = None
    outcome: ChangeOutcome | None = None
    outcome_note: str | None = Field(default=None, alias="outcomeNote")
    change_type: ChangeType = Field(default=ChangeType.NORMAL, alias="changeType")
    risk: Risk = Risk.MEDIUM
    emergency_justification: str = Field(default="", alias="emergencyJustification")
    template_id: str | None = Field(default=None, alias="templateId")
    """The standard change template it was made from (``T-3``)."""

    @model_validator(mode="before")
    @classmethod
    def _wall_clock_in_own_zone(cls, data: Any) -> Any:
        """An offset-less window or meeting time is wall-clock time in the change's own ``timezone``."""
        if not isinstance(data, dict):
            return data
        zone_name = data.get("timezone") or DEFAULT_TIMEZONE
        if not isinstance(zone_name, str) or not is_timezone(zone_name):
            return data
        localized = dict(data)
        for key in ("implementationStart", "implementationEnd", "meetingTime"):
            value = localized.get(key)
            if isinstance(value, str) and value.strip():
                # An unparseable value is left for the field validator, which reports it against its key.
                with suppress(ValueError):
                    localized[key] = parse_datetime(value, zone_name)
        return localized

    @field_validator("timezone")
    @classmethod
    def _iana(cls, value: str) -> str:
        if not is_timezone(value):
            raise ValueError(f"{value!r} is not an IANA time zone")
        return value

    @field_validator("meeting_duration", mode="before")
    @classmethod
    def _duration_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @field_validator("change_type", "risk", mode="before")
    @classmethod
    def _blank_is_default(cls, value: Any, info: ValidationInfo) -> Any:
        # The original's documents and the form's empty choice carry no classification: read as the default.
        if value is None or value == "":
            return ChangeType.NORMAL if info.field_name == "change_type" else Risk.MEDIUM
        return value

    @property
    def is_emergency(self) -> bool:
        return self.change_type is ChangeType.EMERGENCY

    @property
    def id(self) -> str:
        return self.change_id

    @property
    def title(self) -> str:
        return self.change_title


class Attachment(_Open):
    name: str
    url: str | None = None
    s3_key: str | None = None
    size: int | None = None
    uploaded_at: str | None = None


class Announcement(ManagedObject):
    kind: ClassVar[Literal["change", "announcement"]] = "announcement"

    announcement_id: str
    announcement_type: AnnouncementType
    announcement_title: str = Field(alias="title")
    summary: str = ""
    content: str = ""
    attachments: list[Attachment | str] = Field(default_factory=list)
    announcement_created_by: str | None = Field(default=None, alias="created_by")
    announcement_created_at: OptionalTimestamp = Field(default=None, alias="created_at")
    posted_date: OptionalTimestamp = None
    author: str | None = None
    meeting_title: str | None = None
    meeting_date: OptionalTimestamp = None
    meeting_duration: int | str | None = None
    meeting_location: str | None = None
    meeting_timezone: str | None = None
    attendees: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _type_from_object_type(cls, data: Any) -> Any:
        if isinstance(data, dict) and "announcement_type" not in data:
            object_type = str(data.get("object_type", ""))
            if object_type.startswith("announcement_"):
                data = {**data, "announcement_type": object_type.removeprefix("announcement_")}
        return data

    @model_validator(mode="after")
    def _object_type_matches(self) -> Announcement:
        self.object_type = f"announcement_{self.announcement_type.value}"
        return self

    @property
    def id(self) -> str:
        return self.announcement_id

    @property
    def title(self) -> str:
        return self.announcement_title

    @property
    def owner(self) -> str:
        return (self.announcement_created_by or self.created_by or self.submitted_by or "").lower()


AnyObject = Change | Announcement


def parse_document(data: dict[str, Any]) -> AnyObject:
    """Read a stored or submitted document as a change or an announcement, by its ``object_type`` or id."""
    object_type = str(data.get("object_type") or "")
    is_announcement = object_type.startswith("announcement_") or (
        not object_type and is_announcement_id(str(data.get("announcement_id") or ""))
    )
    try:
        if is_announcement:
            return Announcement.model_validate(data)
        return Change.model_validate({**data, "object_type": "change"})
    except ValidationError as error:
        raise InvalidDocument.from_validation(error) from None
