"""Who received each notice of an object, what to do about those who did not, and each customer's reputation.

Everything here reads the delivery-ledger rows of one object (one query) or a customer's daily counts; nothing
reads the archive beyond the object itself. The requester sees counts; approvers and administrators also see the
recipients, with their status, time and bounce reason. Only administrators resend.
"""

from __future__ import annotations

import base64
import binascii
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ccm.domain.deliveries import (
    BAR_GROUPS,
    BOUNCE_THRESHOLD,
    COMPLAINT_THRESHOLD,
    PROBLEMS,
    RESEND_DELAY_SECONDS,
    RESEND_SUFFIX,
    DeliveryStatus,
    rate,
    reputation,
    resendable,
)
from ccm.domain.objects import AnyObject, ModificationType
from ccm.domain.times import format_rfc3339
from ccm.errors import CcmError, InvalidCursor, ObjectNotFound
from ccm.storage.delivery_records import DailyCounts, DeliveryRecords, DeliveryRow, add_up, days_back
from ccm.storage.port import TriggerNotWritten
from ccm.workflow.actor import Actor
from ccm.workflow.commands import Kind
from ccm.workflow.editing import not_found
from ccm.workflow.errors import Forbidden
from ccm.workflow.fields import require_id
from ccm.workflow.permissions import require_reader
from ccm.workflow.services import Services
from ccm.workflow.triggers import TriggerResult, request_type

MAX_PAGE = 500
BAR = ("delivered", "pending", "bounced", "complained", "suppressed")
STATUS_EVENTS = {
    "submitted": "approval_request",
    "approved": "approved",
    "completed": "completed",
    "cancelled": "cancelled",
}
"""The email event of each status that sends one (the backend's :mod:`ccm.mail.decisions`, by name)."""


class DeliveryActionRefused(CcmError):
    """The delivery action does not apply now (nothing to resend, another notice than the current one)."""


@dataclass(frozen=True)
class EventSummary:
    customer_code: str
    event: str
    version: int
    counts: dict[str, int]
    bar: dict[str, int]
    problems: int

    def public(self) -> dict[str, Any]:
        return {
            "customer": self.customer_code,
            "event": self.event,
            "version": self.version,
            "counts": self.counts,
            "bar": self.bar,
            "problems": self.problems,
        }


@dataclass
class DeliveryReport:
    object_id: str
    kind: str
    version: int
    detail: str
    """``recipients`` (approvers and administrators) or ``counts`` (everybody else)."""
    summaries: list[EventSummary]
    recipients: list[dict[str, Any]] = field(default_factory=list)
    next_cursor: str | None = None
    resendable: list[dict[str, Any]] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.object_id,
            "kind": self.kind,
            "version": self.version,
            "detail": self.detail,
            "events": [summary.public() for summary in self.summaries],
        }
        if self.detail == "recipients":
            body["recipients"] = self.recipients
            body["nextCursor"] = self.next_cursor
            body["resendable"] = self.resendable
        return body


def require_admin(actor: Actor, action: str) -> None:
    if not actor.is_admin:
        raise Forbidden(f"only administrators may {action}")


def records(services: Services) -> DeliveryRecords:
    if services.deliveries is None:
        raise RuntimeError("these services were built without the delivery records")
    return services.deliveries


def _iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return format_rfc3339(datetime.fromtimestamp(seconds, UTC))


def _is_resendable(row: DeliveryRow, now: float) -> bool:
    return resendable(
        row.status, bounce_type=row.bounce_type, status_at=row.status_at, now=now, delay_limit=RESEND_DELAY_SECONDS
    )


def _recipient(row: DeliveryRow, now: float) -> dict[str, Any]:
    return {
        "customer": row.customer_code,
        "event": row.event,
        "version": row.version,
        "recipient": row.recipient,
        "status": row.status.value,
        "at": _iso(row.status_at),
        "bounceType": row.bounce_type or None,
        "bounceSubtype": row.bounce_subtype or None,
        "reason": row.diagnostic or None,
        "resendable": _is_resendable(row, now),
    }


def summarise(rows: list[DeliveryRow]) -> list[EventSummary]:
    groups: dict[tuple[str, str, int], list[DeliveryRow]] = {}
    for row in rows:
        groups.setdefault((row.customer_code, row.event, row.version), []).append(row)
    summaries = []
    for (customer, event, version), members in sorted(groups.items()):
        counts = Counter(row.status.value for row in members)
        bar = Counter(BAR_GROUPS[row.status] for row in members)
        summaries.append(
            EventSummary(
                customer_code=customer,
                event=event,
                version=version,
                counts=dict(sorted(counts.items())),
                bar={name: bar.get(name, 0) for name in BAR},
                problems=sum(1 for row in members if row.status in PROBLEMS),
            )
        )
    return summaries


def _encode(offset: int) -> str:
    return base64.urlsafe_b64encode(f"d{offset}".encode()).decode().rstrip("=")


def _decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith("d"):
            raise ValueError(text)
        offset = int(text[1:])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidCursor() from None
    if offset < 0:
        raise InvalidCursor()
    return offset


def _read(services: Services, actor: Actor, object_id: str, kind: Kind) -> AnyObject:
    require_id(object_id, kind)
    try:
        stored = services.repository.get(object_id)
    except ObjectNotFound:
        raise not_found(object_id, kind) from None
    if stored.obj.kind != kind:
        raise not_found(object_id, kind)
    require_reader(actor, stored.obj)
    return stored.obj


def delivery_report(
    services: Services,
    actor: Actor,
    object_id: str,
    *,
    kind: Kind,
    customer: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> DeliveryReport:
    """Counts per customer and event for everyone; the recipients, a page at a time, for approvers and admins."""
    obj = _read(services, actor, object_id, kind)
    rows = records(services).rows(object_id, customer)
    report = DeliveryReport(object_id, kind, obj.version, "counts", summarise(rows))
    if not actor.is_approver:
        return report
    now = services.clock().timestamp()
    offset = _decode(cursor) if cursor else 0
    size = max(1, min(limit, MAX_PAGE))
    page = rows[offset : offset + size]
    report.detail = "recipients"
    report.recipients = [_recipient(row, now) for row in page]
    report.next_cursor = _encode(offset + size) if offset + size < len(rows) else None
    report.resendable = [
        {"customer": c, "event": e, "recipients": n} for (c, e), n in sorted(_resend_candidates(obj, rows, now).items())
    ]
    return report


def _current_event(obj: AnyObject) -> str | None:
    return STATUS_EVENTS.get(obj.status.value)


def _resend_candidates(obj: AnyObject, rows: list[DeliveryRow], now: float) -> Counter[tuple[str, str]]:
    """(customer, event) -> how many recipients of the current notice could get one extra copy."""
    event = _current_event(obj)
    chosen = _chosen(obj, rows, event, None, now) if event else []
    return Counter((row.customer_code, row.event) for row in chosen)


def _chosen(
    obj: AnyObject, rows: list[DeliveryRow], event: str | None, customer: str | None, now: float
) -> list[DeliveryRow]:
    extra = {
        (row.customer_code, row.recipient.lower())
        for row in rows
        if row.event == f"{event}{RESEND_SUFFIX}" and row.version == obj.version
    }
    return [
        row
        for row in rows
        if row.event == event
        and row.version == obj.version
        and (customer is None or row.customer_code == customer)
        and (row.customer_code, row.recipient.lower()) not in extra
        and _is_resendable(row, now)
    ]


@dataclass(frozen=True)
class Resend:
    customer_code: str
    event: str
    recipients: list[str]
    trigger: TriggerResult

    def public(self) -> dict[str, Any]:
        return {
            "customer": self.customer_code,
            "event": self.event,
            "recipients": self.recipients,
            "triggered": self.trigger.ok,
            "error": self.trigger.error,
        }


def resend_failed(services: Services, actor: Actor, object_id: str, *, kind: Kind, event: str, customer: str) -> Resend:
    """One extra copy of the current notice to the recipients of ``customer`` whose delivery failed transiently.

    The request is recorded in the object's history (without a new version, so the notice stays the same ledger
    key); the backend sends under ``<event>-resend``, where the ledger holds each recipient to one extra copy.
    """
    require_admin(actor, "resend notices")
    obj = _read(services, actor, object_id, kind)
    if customer not in obj.customers:
        raise DeliveryActionRefused(f"{object_id} does not concern customer {customer!r}")
    current = _current_event(obj)
    if current != event:
        raise DeliveryActionRefused(
            f"only the current notice of {object_id} ({current or 'none'}) can be resent, not {event!r}"
        )
    now = services.clock()
    rows = records(services).rows(object_id, customer)
    recipients = sorted({row.recipient for row in _chosen(obj, rows, event, customer, now.timestamp())})
    if not recipients:
        raise DeliveryActionRefused(
            f"no recipient of {event} from {customer} failed transiently (soft bounce, or delayed over "
            f"{int(RESEND_DELAY_SECONDS // 60)} minutes) without an extra copy already"
        )
    version = obj.version

    def record(current_obj: AnyObject) -> None:
        if current_obj.version != version:
            raise DeliveryActionRefused(f"{object_id} changed while the resend was requested; look again")
        current_obj.record(
            ModificationType.DELIVERY_RESENT,
            actor.email,
            now,
            customer_code=customer,
            delivery_event=event,
            resent_to=recipients,
            request_id=actor.request_id,
        )

    update = services.repository.update(object_id, record, bump_version=False, location="archive")
    return Resend(customer, event, recipients, _trigger(services, update.after.obj, customer))


def _trigger(services: Services, obj: AnyObject, customer: str) -> TriggerResult:
    """The customer's trigger, so its backend looks again (and finds the resend in the history)."""
    name = services.config.customer(customer).customer_name
    try:
        key = services.repository.put_trigger(customer, obj, request_type(obj) or "resend")
    except TriggerNotWritten as error:
        return TriggerResult(customer, name, None, str(error))
    return TriggerResult(customer, name, key)


@dataclass(frozen=True)
class CustomerDeliverability:
    customer_code: str
    customer_name: str
    account_id: str
    days: int
    counts: dict[str, int]

    def public(self) -> dict[str, Any]:
        sends = self.counts.get("sends", 0)
        bounce = rate(self.counts.get("hard_bounces", 0), sends)
        complaint = rate(self.counts.get("complaints", 0), sends)
        return {
            "customer": self.customer_code,
            "customerName": self.customer_name,
            "account": self.account_id,
            "days": self.days,
            "counts": self.counts,
            "bounceRate": bounce,
            "complaintRate": complaint,
            "bounceLevel": reputation(bounce, BOUNCE_THRESHOLD).value,
            "complaintLevel": reputation(complaint, COMPLAINT_THRESHOLD).value,
        }


def deliverability(
    services: Services, actor: Actor, *, days: int = 30, customers: list[str] | None = None
) -> list[CustomerDeliverability]:
    """Each customer account's sends, bounces and complaints over the last ``days`` days (today included)."""
    del actor  # every signed-in user sees the accounts' reputation; it names nobody
    first, last = days_back(services.clock().date(), days)
    codes = customers if customers is not None else services.config.customer_codes
    # Every customer's days in one query per month: a thousand customers cost what one does.
    by_customer: dict[str, list[DailyCounts]] = defaultdict(list)
    for day in records(services).daily_all(first, last):
        by_customer[day.customer_code].append(day)
    found = []
    for code in codes:
        mapping = services.config.customer(code)
        found.append(
            CustomerDeliverability(code, mapping.customer_name, mapping.account_id, days, add_up(by_customer[code]))
        )
    return found


THRESHOLDS = {
    "bounce": {"review": BOUNCE_THRESHOLD.review, "warning": BOUNCE_THRESHOLD.warning},
    "complaint": {"review": COMPLAINT_THRESHOLD.review, "warning": COMPLAINT_THRESHOLD.warning},
}
STATUSES = [status.value for status in DeliveryStatus]
