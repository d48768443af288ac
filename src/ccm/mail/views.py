"""What an email shows, computed once from the archived object: every field a reader needs, formatted.

Templates only lay this out. Times are shown in the object's own timezone and in UTC; who-and-when comes from
the object's stamps, falling back to its modification history, so "Approved by" and completion times are never
lost the way the original lost them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from ccm.config import AppConfig
from ccm.domain.approval import ChangeType
from ccm.domain.approval_state import ApprovalState, RequirementState
from ccm.domain.ids import AnnouncementType
from ccm.domain.objects import Announcement, AnyObject, Attachment, Change, ModificationType
from ccm.domain.times import DEFAULT_TIMEZONE, is_timezone, zone
from ccm.durations import in_words
from ccm.mail.decisions import EmailEvent, Notice

HEADER_WORDS: dict[EmailEvent, str] = {
    EmailEvent.APPROVAL_REQUEST: "Approval Required",
    EmailEvent.APPROVED: "Approved",
    EmailEvent.COMPLETED: "Completed",
    EmailEvent.CANCELLED: "Cancelled",
    EmailEvent.REJECTED: "Rejected",
    EmailEvent.UPDATED: "Updated",
    EmailEvent.RESCHEDULED: "Rescheduled",
    EmailEvent.REMINDER: "Reminder",
    EmailEvent.OVERDUE: "Overdue",
}
CHANGE_TYPE_LABELS: dict[ChangeType, str] = {
    ChangeType.STANDARD: "Standard (pre-approved template)",
    ChangeType.NORMAL: "Normal",
    ChangeType.EMERGENCY: "Emergency",
}
SUBJECT_WORDS: dict[EmailEvent, str] = {
    EmailEvent.APPROVAL_REQUEST: "Approval requested",
    EmailEvent.APPROVED: "Approved",
    EmailEvent.COMPLETED: "Completed",
    EmailEvent.CANCELLED: "Cancelled",
    EmailEvent.REJECTED: "Rejected",
    EmailEvent.UPDATED: "Updated",
    EmailEvent.RESCHEDULED: "Rescheduled",
    EmailEvent.REMINDER: "Reminder",
    EmailEvent.OVERDUE: "Overdue",
}
"""What a subject starts with: the event in words, so every reader (and every font) tells the emails apart."""
CHANGE_COLOUR = "#6c757d"
NAMED_CUSTOMERS = 3
"""An object of up to this many customers names them all in every email; a larger one names the recipient's own."""
ANNOUNCEMENT_COLOURS: dict[AnnouncementType, str] = {
    AnnouncementType.CIC: "#0066cc",
    AnnouncementType.FINOPS: "#28a745",
    AnnouncementType.INNERSOURCE: "#6f42c1",
    AnnouncementType.GENERAL: "#007bff",
}
ANNOUNCEMENT_LABELS: dict[AnnouncementType, str] = {
    AnnouncementType.CIC: "Cloud Innovator Community",
    AnnouncementType.FINOPS: "FinOps",
    AnnouncementType.INNERSOURCE: "InnerSource Guild",
    AnnouncementType.GENERAL: "General",
}


@dataclass(frozen=True)
class Moment:
    """A point in time as the reader sees it: in the object's timezone and in UTC."""

    local: str
    utc: str

    @classmethod
    def of(cls, value: datetime, zone_name: str) -> Moment:
        return cls(local=_format(value, zone_name), utc=_format(value, "UTC"))


@dataclass(frozen=True)
class Stamp:
    """Who did something, and when (if known)."""

    who: str
    when: Moment | None


@dataclass(frozen=True)
class Window:
    local: str
    utc: str
    zone: str


@dataclass(frozen=True)
class Section:
    heading: str
    text: str


@dataclass(frozen=True)
class Customer:
    code: str
    name: str


@dataclass(frozen=True)
class Link:
    label: str
    url: str | None


@dataclass(frozen=True)
class Meeting:
    join_url: str
    subject: str
    window: Window | None


@dataclass(frozen=True)
class ChecklistLine:
    """One approval requirement as the emails list it: "CAB: 1 of 2, approved by ..."."""

    label: str
    progress: str
    people: str
    met: bool


@dataclass(frozen=True)
class RejectionNote:
    who: str
    reason: str
    when: Moment | None


@dataclass(frozen=True)
class ChangeRow:
    """One thing that changed, as an old -> new row (each side a few lines)."""

    key: str
    label: str
    before: tuple[str, ...]
    after: tuple[str, ...]

    def public(self) -> dict[str, object]:
        return {"field": self.key, "label": self.label, "before": list(self.before), "after": list(self.after)}


@dataclass(frozen=True)
class ReminderFacts:
    """What a reminder says beyond the object: how far ahead, and which calendar entry it is about."""

    offset: timedelta
    starts: Moment
    invitation: str | None


@dataclass(frozen=True)
class NudgeFacts:
    """What a nudge to the requester says: which one it is, since when it is open, and the links to act."""

    number: int
    limit: int
    ended: Moment
    complete_url: str
    cancel_url: str


@dataclass(frozen=True)
class Extras:
    """What some notices carry beyond the object itself."""

    changes: tuple[ChangeRow, ...] = ()
    approved_version: int | None = None
    """For an approval request after an edit: the approved version the changes are measured against."""
    removed: bool = False
    """For a cancellation: the object goes on, but no longer for this customer."""
    reminder: ReminderFacts | None = None
    nudge: NudgeFacts | None = None


NO_EXTRAS = Extras()


@dataclass(frozen=True)
class EmailView:
    kind: str
    event: EmailEvent
    object_id: str
    title: str
    subject: str
    header: str
    colour: str
    status: str
    category: str | None
    intro: str
    customer: Customer
    customers: list[Customer]
    window: Window | None
    sections: list[Section]
    tickets: list[tuple[str, str]]
    requested: Stamp | None
    approved: Stamp | None
    completed: Stamp | None
    cancelled: Stamp | None
    meeting: Meeting | None
    attachments: list[Link]
    view_url: str
    action_url: str | None
    sent_at: Moment
    topic: str
    outcome: str | None = None
    """How a completed change ended, in words ("Rolled back"); ``None`` for anything else."""
    outcome_note: str | None = None
    outcome_went_well: bool = True
    change_type: str | None = None
    risk: str | None = None
    justification: str | None = None
    checklist: list[ChecklistLine] | None = None
    approve_url: str | None = None
    reject_url: str | None = None
    rejection: RejectionNote | None = None
    review_note: str | None = None
    extras: Extras = NO_EXTRAS
    other_customers: int = 0
    """How many of the object's customers ``customers`` leaves unnamed ("and 997 other customers")."""


def _format(value: datetime, zone_name: str) -> str:
    local = value.astimezone(zone(zone_name))
    return f"{local:%a} {local.day} {local:%b %Y %H:%M} {local.tzname()}"


def _clock(value: datetime, zone_name: str) -> str:
    local = value.astimezone(zone(zone_name))
    return f"{local:%H:%M} {local.tzname()}"


def _window(start: datetime | None, end: datetime | None, zone_name: str) -> Window | None:
    if start is None:
        return None

    def span(name: str) -> str:
        if end is None:
            return _format(start, name)
        same_day = start.astimezone(zone(name)).date() == end.astimezone(zone(name)).date()
        tail = _clock(end, name) if same_day else _format(end, name)
        head = _format(start, name).rsplit(" ", 1)[0] if same_day else _format(start, name)
        return f"{head} – {tail}"

    return Window(local=span(zone_name), utc=span("UTC"), zone=zone_name)


def format_window(start: datetime | None, end: datetime | None, zone_name: str) -> Window | None:
    """A span as emails show it: in ``zone_name`` and in UTC, the end's date left out when it is the same day."""
    return _window(start, end, zone_name)


def event_subject(event_words: str, title: str) -> str:
    """``Approved: <title>``: the event in words first, then the title, on one header line."""
    return clean_subject(f"{event_words}: {title}")


def clean_subject(text: str) -> str:
    """One header line: CR/LF become spaces, other control characters go, surrounding space is trimmed."""
    flat = text.replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    return "".join(ch for ch in flat if ch == " " or ch.isprintable()).strip()


def _safe_url(value: str | None) -> str | None:
    """Only web links become links: nothing the reader clicks may be ``javascript:`` or ``data:``."""
    if value and value.strip().lower().startswith(("https://", "http://")):
        return value.strip()
    return None


def _stamp(obj: AnyObject, by: str | None, at: datetime | None, kind: ModificationType) -> Stamp | None:
    entry = obj.latest(kind)
    who = by or (entry.user_id if entry else None)
    when = at or (entry.timestamp if entry else None)
    if not who:
        return None
    return Stamp(who=who, when=Moment.of(when, _zone(obj)) if when else None)


def _zone(obj: AnyObject) -> str:
    if isinstance(obj, Change):
        return obj.timezone
    if obj.meeting_timezone and is_timezone(obj.meeting_timezone):
        return obj.meeting_timezone
    return DEFAULT_TIMEZONE


def _attachments(obj: Announcement) -> list[Link]:
    links: list[Link] = []
    for item in obj.attachments:
        if isinstance(item, Attachment):
            links.append(Link(label=item.name, url=_safe_url(item.url)))
        elif item.strip():
            links.append(Link(label=item.strip(), url=_safe_url(item)))
    return links


def decider(by: str, on_behalf_of: str | None) -> str:
    """ "by X on behalf of Y" when a delegate decided."""
    return f"{by} on behalf of {on_behalf_of}" if on_behalf_of else by


def _line(state: RequirementState) -> ChecklistLine:
    progress = "approved" if state.met else f"{state.count} of {state.required}"
    people = ", ".join(decider(decision.by, decision.on_behalf_of) for decision in state.decisions)
    return ChecklistLine(label=state.label, progress=progress, people=people, met=state.met)


def checklist(approval: ApprovalState | None) -> list[ChecklistLine] | None:
    if approval is None or not approval.requirements:
        return None
    return [_line(state) for state in approval.requirements]


def _review_note(obj: AnyObject, zone_name: str) -> str | None:
    review = obj.approval.review if obj.approval is not None else None
    if review is None or review.due_by is None:
        return None
    if review.met:
        return "Retrospective review: done (the normal requirements were met after the fact)."
    return f"Retrospective review due by {_format(review.due_by, zone_name)}: the normal requirements still apply."


def _intro(obj: AnyObject, event: EmailEvent, customer: Customer, extras: Extras) -> str:
    what = "change" if isinstance(obj, Change) else "announcement"
    if event is EmailEvent.REJECTED:
        return f"Your {what} was not approved. You can edit it, which makes it a draft again, and submit it again."
    if event is EmailEvent.APPROVAL_REQUEST and extras.approved_version is not None:
        return (
            f"This {what} affecting {customer.name} was changed after it was approved (version "
            f"{extras.approved_version}) and is waiting for your approval again. Until it is approved, its customers "
            "are told nothing and its meeting stays as announced."
        )
    if event is EmailEvent.APPROVAL_REQUEST:
        return f"A {what} affecting {customer.name} is waiting for your approval."
    if event is EmailEvent.RESCHEDULED:
        return f"This {what} for {customer.name} has been rescheduled. What changed since our last email is below."
    if event is EmailEvent.UPDATED:
        return f"This {what} for {customer.name} has been updated. What changed since our last email is below."
    if event is EmailEvent.REMINDER and extras.reminder is not None:
        return (
            f"A reminder: this {what} for {customer.name} starts in about {in_words(extras.reminder.offset)}, "
            f"on {extras.reminder.starts.local} ({extras.reminder.starts.utc})."
        )
    if event is EmailEvent.OVERDUE and extras.nudge is not None:
        return (
            f"The window of this {what} ended on {extras.nudge.ended.local}, and it is still open. If the work is "
            "done, mark it complete; if it did not happen, cancel it. Either way its customers are told."
        )
    if event is EmailEvent.CANCELLED and extras.removed:
        return (
            f"This {what} no longer includes {customer.name}: it was changed, and nothing of it will take place for "
            f"{customer.name}. It goes on for its other customers."
        )
    if event is EmailEvent.APPROVED:
        return f"This {what} for {customer.name} has been approved."
    if event is EmailEvent.COMPLETED:
        return f"This {what} for {customer.name} has been completed."
    if obj.ever_approved:
        return f"This {what} for {customer.name} has been cancelled. It will not take place."
    return f"This {what} for {customer.name} was cancelled before it was approved. No approval is needed any more."


class ViewBuilder:
    def __init__(self, config: AppConfig) -> None:
        self.config = config
        self.portal = config.email_config.portal_base_url

    def named_customers(self, codes: Sequence[str], own: str | None) -> tuple[list[Customer], int]:
        """The customers an email names, and how many it only counts.

        A customer's recipients learn of their own customer, not of the thousand others the object may have: up to
        NAMED_CUSTOMERS are all named, beyond that only ``own`` (or, for what every customer shares, such as a
        meeting's body, the first NAMED_CUSTOMERS)."""
        if len(codes) <= NAMED_CUSTOMERS:
            return [self._customer(code) for code in codes], 0
        named = [own] if own is not None and own in codes else list(codes[:NAMED_CUSTOMERS])
        return [self._customer(code) for code in named], len(codes) - len(named)

    def _customer(self, code: str) -> Customer:
        mapping = self.config.customer_mappings.get(code)
        return Customer(code=code, name=mapping.customer_name if mapping else code)

    def view_url(self, obj: AnyObject) -> str:
        if isinstance(obj, Change):
            return f"{self.portal}/edit-change.html?{urlencode({'changeId': obj.id})}"
        return f"{self.portal}/edit-announcement.html?{urlencode({'announcementId': obj.id})}"

    def approval_url(self, obj: AnyObject, customer_code: str, decision: str | None = None) -> str:
        """The portal's approvals page on this item; with ``decision`` its confirmation view (a GET never decides)."""
        query = {"customerCode": customer_code, "objectId": obj.id}
        if decision is not None:
            query["decision"] = decision
        return f"{self.portal}/approvals.html?{urlencode(query)}"

    def confirm_url(self, obj: AnyObject, action: str) -> str:
        """A page that asks to confirm ``action`` on ``obj`` (a link opened by a GET changes nothing)."""
        query = {"status": obj.status.value, "objectId": obj.id, "action": action}
        return f"{self.portal}/my-changes.html?{urlencode(query)}"

    def subject(self, obj: AnyObject, event: EmailEvent, extras: Extras) -> str:
        title = clean_subject(obj.title)
        outcome = obj.outcome if isinstance(obj, Change) and event is EmailEvent.COMPLETED else None
        if outcome is not None and outcome.needs_note:
            # Subscribers learn from the subject alone that the change did not simply succeed.
            return event_subject(outcome.words, title)
        if event is EmailEvent.REMINDER and extras.reminder is not None:
            return event_subject(SUBJECT_WORDS[event], f"{title}, starts {extras.reminder.starts.local}")
        if event is EmailEvent.OVERDUE:
            return event_subject(SUBJECT_WORDS[event], f"{title} - mark it complete or cancel it")
        return event_subject(SUBJECT_WORDS[event], title)

    def build(
        self,
        obj: AnyObject,
        notice: Notice,
        customer_code: str,
        now: datetime,
        extras: Extras = NO_EXTRAS,
        *,
        shown_customer: bool = True,
    ) -> EmailView:
        """The view of the email to ``customer_code``'s recipients; ``shown_customer=False`` for what every customer
        shares (a meeting's body), which names no customer of its own."""
        event = notice.event
        customer = self._customer(customer_code)
        named, unnamed = self.named_customers(obj.customers, customer_code if shown_customer else None)
        zone_name = _zone(obj)
        meeting = None
        if obj.meeting_metadata is not None and _safe_url(obj.meeting_metadata.join_url):
            meta = obj.meeting_metadata
            meeting = Meeting(
                join_url=meta.join_url.strip(),
                subject=meta.subject,
                window=_window(meta.start_time, meta.end_time, zone_name),
            )
        if isinstance(obj, Change):
            colour, category = CHANGE_COLOUR, None
            window = _window(obj.implementation_start, obj.implementation_end, zone_name)
            sections = [
                Section(heading, text)
                for heading, text in (
                    ("Reason for the change", obj.change_reason),
                    ("Implementation plan", obj.implementation_plan),
                    ("Test plan", obj.test_plan),
                    ("Customer impact", obj.customer_impact),
                    ("Rollback plan", obj.rollback_plan),
                )
                if text.strip()
            ]
            tickets = [(label, value) for label, value in (("ServiceNow", obj.snow_ticket), ("Jira", obj.jira_ticket))]
            tickets = [(label, value.strip()) for label, value in tickets if value.strip()]
            attachments: list[Link] = []
        else:
            kind = obj.announcement_type
            colour, category = ANNOUNCEMENT_COLOURS[kind], ANNOUNCEMENT_LABELS[kind]
            window = None
            sections = [Section(h, t) for h, t in (("Summary", obj.summary), ("Details", obj.content)) if t.strip()]
            tickets = []
            attachments = _attachments(obj)
        outcome = obj.outcome if isinstance(obj, Change) and event is EmailEvent.COMPLETED else None
        header = f"{HEADER_WORDS[event]}: {obj.title}"
        if outcome is not None and outcome.needs_note:
            header = f"{outcome.words}: {obj.title}"
        requesting = event is EmailEvent.APPROVAL_REQUEST
        rejection = None
        if event is EmailEvent.REJECTED and obj.approval is not None and obj.approval.rejection is not None:
            said = obj.approval.rejection
            rejection = RejectionNote(
                who=decider(said.by, said.on_behalf_of), reason=said.reason, when=Moment.of(said.at, zone_name)
            )
        change_type = risk = justification = None
        if isinstance(obj, Change):
            change_type, risk = CHANGE_TYPE_LABELS[obj.change_type], obj.risk.value.title()
            if obj.change_type is ChangeType.EMERGENCY:
                justification = obj.emergency_justification.strip() or None
        return EmailView(
            kind=obj.kind,
            event=event,
            object_id=obj.id,
            title=obj.title,
            subject=self.subject(obj, event, extras),
            header=header,
            colour=colour,
            status=obj.status.value.replace("_", " ").title(),
            category=category,
            intro=_intro(obj, event, customer, extras),
            customer=customer,
            customers=named,
            other_customers=unnamed,
            window=window,
            sections=sections,
            tickets=tickets,
            requested=_stamp(obj, obj.submitted_by or obj.created_by, obj.submitted_at, ModificationType.SUBMITTED),
            approved=_stamp(obj, obj.approved_by, obj.approved_at, ModificationType.APPROVED),
            completed=_stamp(obj, obj.completed_by, obj.completed_at, ModificationType.COMPLETED),
            cancelled=_stamp(obj, obj.cancelled_by, obj.cancelled_at, ModificationType.CANCELLED),
            meeting=meeting,
            attachments=attachments,
            view_url=self.view_url(obj),
            action_url=self.approval_url(obj, customer_code) if event is EmailEvent.APPROVAL_REQUEST else None,
            sent_at=Moment.of(now, zone_name),
            topic=notice.topic,
            outcome=outcome.words if outcome is not None else None,
            outcome_note=obj.outcome_note if outcome is not None and isinstance(obj, Change) else None,
            outcome_went_well=outcome is None or not outcome.needs_note,
            checklist=checklist(obj.approval) if event in (EmailEvent.APPROVAL_REQUEST, EmailEvent.REJECTED) else None,
            approve_url=self.approval_url(obj, customer_code, "approve") if requesting else None,
            reject_url=self.approval_url(obj, customer_code, "reject") if requesting else None,
            rejection=rejection,
            review_note=_review_note(obj, zone_name) if event is EmailEvent.APPROVED else None,
            change_type=change_type,
            risk=risk,
            justification=justification,
            extras=extras,
        )
