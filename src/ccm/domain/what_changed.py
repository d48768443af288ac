"""What an edit changed, aspect by aspect, and who relies on each aspect.

An aspect is one thing a reader sees of an object (its window, its customers, a text, its meeting), compared as
a value taken from the object. Customers see the title, the window, the customers, the description texts, the
customer impact and the meeting; approvers see all of that and the plans, the listed attendees, the change type,
the risk and an emergency's justification too. Tickets and every other field are internal: changing them after
approval needs neither a new approval nor a notice.

Pure functions of two objects: the workflow decides with them whether an edit goes back for approval, the
backend which customers hear of it and how, and the emails and the portal show the same list.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import StrEnum

from ccm.domain.objects import Announcement, AnyObject, Attachment, Change


class Audience(StrEnum):
    CUSTOMERS = "customers"
    """What the customers' emails show; customers are told when it changes."""
    APPROVERS = "approvers"
    """What only approvers rely on; a change of it needs approval again, and is not announced."""


class AspectKey(StrEnum):
    TITLE = "title"
    WINDOW = "window"
    CUSTOMERS = "customers"
    REASON = "reason"
    CUSTOMER_IMPACT = "customer_impact"
    SUMMARY = "summary"
    CONTENT = "content"
    ATTACHMENTS = "attachments"
    MEETING = "meeting"
    IMPLEMENTATION_PLAN = "implementation_plan"
    TEST_PLAN = "test_plan"
    ROLLBACK_PLAN = "rollback_plan"
    ATTENDEES = "attendees"
    CHANGE_TYPE = "change_type"
    RISK = "risk"
    EMERGENCY_JUSTIFICATION = "emergency_justification"


@dataclass(frozen=True)
class Aspect:
    key: AspectKey
    label: str
    audience: Audience
    value: Callable[[AnyObject], Hashable]


def _change(value: Callable[[Change], Hashable]) -> Callable[[AnyObject], Hashable]:
    def read(obj: AnyObject) -> Hashable:
        assert isinstance(obj, Change)
        return value(obj)

    return read


def _announcement(value: Callable[[Announcement], Hashable]) -> Callable[[AnyObject], Hashable]:
    def read(obj: AnyObject) -> Hashable:
        assert isinstance(obj, Announcement)
        return value(obj)

    return read


def _text(value: str | None) -> str:
    """Texts compare as a reader sees them: surrounding white space and line-end styles do not count."""
    return "\n".join(line.rstrip() for line in (value or "").replace("\r\n", "\n").strip().split("\n"))


def _title(obj: AnyObject) -> Hashable:
    return _text(obj.title)


def _customers(obj: AnyObject) -> Hashable:
    return tuple(sorted(obj.customers))


def _attachments(obj: Announcement) -> Hashable:
    return tuple(
        (item.name, item.url or item.s3_key or "") if isinstance(item, Attachment) else (item.strip(), "")
        for item in obj.attachments
    )


def _change_meeting(obj: Change) -> Hashable:
    if not obj.include_meeting:
        return None
    return (
        _text(obj.meeting_title),
        obj.meeting_time,
        str(obj.meeting_duration or ""),
        _text(obj.meeting_location),
    )


def _announcement_meeting(obj: Announcement) -> Hashable:
    if not obj.include_meeting:
        return None
    return (
        _text(obj.meeting_title),
        obj.meeting_date,
        str(obj.meeting_duration or ""),
        _text(obj.meeting_location),
        obj.meeting_timezone or "",
    )


def _attendees(value: str | None) -> Hashable:
    return tuple(sorted({part.strip().lower() for part in (value or "").replace(";", ",").split(",") if part.strip()}))


CHANGE_ASPECTS: tuple[Aspect, ...] = (
    Aspect(AspectKey.TITLE, "Title", Audience.CUSTOMERS, _title),
    Aspect(
        AspectKey.WINDOW,
        "Window",
        Audience.CUSTOMERS,
        _change(lambda c: (c.implementation_start, c.implementation_end, c.timezone)),
    ),
    Aspect(AspectKey.CUSTOMERS, "Customers", Audience.CUSTOMERS, _customers),
    Aspect(AspectKey.REASON, "Reason for the change", Audience.CUSTOMERS, _change(lambda c: _text(c.change_reason))),
    Aspect(
        AspectKey.CUSTOMER_IMPACT, "Customer impact", Audience.CUSTOMERS, _change(lambda c: _text(c.customer_impact))
    ),
    Aspect(AspectKey.MEETING, "Meeting", Audience.CUSTOMERS, _change(_change_meeting)),
    Aspect(
        AspectKey.IMPLEMENTATION_PLAN,
        "Implementation plan",
        Audience.APPROVERS,
        _change(lambda c: _text(c.implementation_plan)),
    ),
    Aspect(AspectKey.TEST_PLAN, "Test plan", Audience.APPROVERS, _change(lambda c: _text(c.test_plan))),
    Aspect(AspectKey.ROLLBACK_PLAN, "Rollback plan", Audience.APPROVERS, _change(lambda c: _text(c.rollback_plan))),
    Aspect(AspectKey.ATTENDEES, "Meeting attendees", Audience.APPROVERS, _change(lambda c: _attendees(c.attendees))),
    # The approval policy's requirements follow the type and the risk: a riskier change needs its own approvers.
    Aspect(AspectKey.CHANGE_TYPE, "Change type", Audience.APPROVERS, _change(lambda c: c.change_type.value)),
    Aspect(AspectKey.RISK, "Risk", Audience.APPROVERS, _change(lambda c: c.risk.value)),
    Aspect(
        AspectKey.EMERGENCY_JUSTIFICATION,
        "Emergency justification",
        Audience.APPROVERS,
        _change(lambda c: _text(c.emergency_justification)),
    ),
)

ANNOUNCEMENT_ASPECTS: tuple[Aspect, ...] = (
    Aspect(AspectKey.TITLE, "Title", Audience.CUSTOMERS, _title),
    Aspect(AspectKey.CUSTOMERS, "Customers", Audience.CUSTOMERS, _customers),
    Aspect(AspectKey.SUMMARY, "Summary", Audience.CUSTOMERS, _announcement(lambda a: _text(a.summary))),
    Aspect(AspectKey.CONTENT, "Details", Audience.CUSTOMERS, _announcement(lambda a: _text(a.content))),
    Aspect(AspectKey.ATTACHMENTS, "Attachments", Audience.CUSTOMERS, _announcement(_attachments)),
    Aspect(AspectKey.MEETING, "Meeting", Audience.CUSTOMERS, _announcement(_announcement_meeting)),
    Aspect(
        AspectKey.ATTENDEES, "Meeting attendees", Audience.APPROVERS, _announcement(lambda a: _attendees(a.attendees))
    ),
)


def aspects_of(obj: AnyObject) -> tuple[Aspect, ...]:
    return CHANGE_ASPECTS if isinstance(obj, Change) else ANNOUNCEMENT_ASPECTS


def changed_aspects(before: AnyObject, after: AnyObject, audience: Audience) -> list[Aspect]:
    """The aspects whose value differs, in reading order: for customers only theirs, for approvers all."""
    if before.kind != after.kind:
        raise ValueError(f"cannot compare a {before.kind} with a {after.kind}")
    wanted = {Audience.CUSTOMERS} if audience is Audience.CUSTOMERS else {Audience.CUSTOMERS, Audience.APPROVERS}
    return [
        aspect
        for aspect in aspects_of(after)
        if aspect.audience in wanted and aspect.value(before) != aspect.value(after)
    ]


def needs_approval_again(before: AnyObject, after: AnyObject) -> bool:
    """Whether an edit of an approved object changed anything customers or approvers rely on."""
    return bool(changed_aspects(before, after, Audience.APPROVERS))


def rescheduled(before: AnyObject, after: AnyObject) -> bool:
    """Whether the time moved: a change's window, or an announcement's meeting (another zone alone is no move)."""
    if isinstance(before, Change) and isinstance(after, Change):
        return (before.implementation_start, before.implementation_end) != (
            after.implementation_start,
            after.implementation_end,
        )
    if isinstance(before, Announcement) and isinstance(after, Announcement):
        moved = (before.meeting_date, str(before.meeting_duration or "")) != (
            after.meeting_date,
            str(after.meeting_duration or ""),
        )
        return before.include_meeting and after.include_meeting and moved
    return False
