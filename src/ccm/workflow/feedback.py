"""Customers' ratings: the public page behind a rating link, recording an answer, and what the team reads of them.

A rating link's token (:mod:`ccm.domain.feedback`) is the only credential of the public page: a bad, expired or
altered token, a token for an object that no longer exists or for a customer the object no longer names all raise
the same :class:`FeedbackNotFound`. The page shows only what the completion email already showed (the title and the
window); answers are kept in the table beside the object, never in the archive.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ccm.domain.feedback import (
    RATINGS,
    Answer,
    CustomerFeedback,
    FeedbackTicket,
    by_customer,
    clean_comment,
    summarise,
    verify,
)
from ccm.domain.ids import FEEDBACK_NOTICE_PREFIX
from ccm.domain.objects import AnyObject
from ccm.domain.status import Status
from ccm.domain.windows import Window, object_window
from ccm.errors import ObjectNotFound
from ccm.storage.port import TriggerNotWritten
from ccm.workflow.actor import Actor
from ccm.workflow.commands import Kind
from ccm.workflow.errors import FeedbackNotFound, Forbidden, InvalidInput, Problem
from ccm.workflow.reading import get_object
from ccm.workflow.services import Services

logger = logging.getLogger(__name__)

DASHBOARD_DAYS = 90
LATEST_COMMENTS = 10


@dataclass(frozen=True)
class FeedbackPage:
    """What the public page shows: nothing the customer's completion email did not already show."""

    ticket: FeedbackTicket
    kind: str
    title: str
    window: Window | None
    customer_name: str


def _ticket(services: Services, token: str) -> FeedbackTicket:
    keys = services.feedback_keys.existing()
    ticket = verify(token, keys, services.clock()) if keys is not None else None
    if ticket is None:
        raise FeedbackNotFound()
    return ticket


def _object(services: Services, ticket: FeedbackTicket) -> AnyObject:
    try:
        obj = services.repository.get(ticket.object_id).obj
    except ObjectNotFound:
        raise FeedbackNotFound() from None
    if obj.status is not Status.COMPLETED or ticket.customer_code not in obj.customers:
        raise FeedbackNotFound()
    return obj


def feedback_page(services: Services, token: str) -> FeedbackPage:
    """The page of a rating link; reading it records nothing (mail scanners open links)."""
    ticket = _ticket(services, token)
    obj = _object(services, ticket)
    customer = services.config.customer_mappings.get(ticket.customer_code)
    return FeedbackPage(
        ticket=ticket,
        kind=obj.kind,
        title=obj.title,
        window=object_window(obj),
        customer_name=customer.customer_name if customer else ticket.customer_code,
    )


def parse_rating(value: str | None) -> int:
    if value is None or value.strip() not in {str(rating) for rating in RATINGS}:
        raise InvalidInput([Problem("rating", "choose a rating from 1 to 5")])
    return int(value.strip())


def submit_feedback(services: Services, token: str, rating: int, comment: str) -> tuple[FeedbackPage, Answer]:
    """Record (or replace) the recipient's answer; a low rating is told to the requester."""
    page = feedback_page(services, token)
    if rating not in RATINGS:
        raise InvalidInput([Problem("rating", "choose a rating from 1 to 5")])
    ticket = page.ticket
    stored = services.feedback.record(
        Answer(
            object_id=ticket.object_id,
            kind=page.kind,
            version=ticket.version,
            customer_code=ticket.customer_code,
            recipient_hash=ticket.recipient_hash,
            rating=rating,
            comment=clean_comment(comment),
            answered_at=services.clock(),
            first_answered_at=services.clock(),
            title=page.title,
            recipient=ticket.recipient if services.config.feedback.store_recipient else None,
        )
    )
    if 0 < stored.rating <= services.config.feedback.low_rating:
        _tell_requester(services, stored)
    return page, stored


def low_rating_notice_id(answer: Answer) -> str:
    """One notice per answer given: sending again (a changed comment) tells the requester again."""
    digest = hashlib.sha256(f"{answer.object_id}|{answer.customer_code}|{answer.recipient_hash}".encode()).hexdigest()
    return f"{FEEDBACK_NOTICE_PREFIX}-{digest[:20]}-{answer.answered_at.astimezone(UTC):%Y%m%dT%H%M%S}"


def _tell_requester(services: Services, answer: Answer) -> None:
    """A notice trigger for the backend, which mails the requester; the answer is saved whether or not it is written."""
    body = {
        "kind": "feedback",
        "objectId": answer.object_id,
        "recipientHash": answer.recipient_hash,
        "answeredAt": answer.answered_at.isoformat(),
    }
    try:
        services.repository.put_notice(answer.customer_code, low_rating_notice_id(answer), body)
    except TriggerNotWritten as error:
        logger.error("the low rating of %s was saved but its notice was not written: %s", answer.object_id, error)


def require_feedback_reader(actor: Actor, obj: AnyObject) -> None:
    """The creator, approvers and admins read what customers answered."""
    if not (actor.is_approver or actor.owns(obj.owner)):
        raise Forbidden(f"only the creator of {obj.id}, an approver or an admin may read its feedback")


def object_feedback(services: Services, actor: Actor, object_id: str, *, kind: Kind) -> list[CustomerFeedback]:
    stored = get_object(services, actor, object_id, kind=kind)
    assert stored is not None
    require_feedback_reader(actor, stored.obj)
    return by_customer(services.feedback.for_object(object_id))


def answers_between(
    services: Services, since: datetime, until: datetime, customer_code: str | None = None
) -> list[Answer]:
    """Every answer given in ``[since, until)``, newest first."""
    return services.feedback.between(since, until, customer_code)


def recent_feedback(services: Services, actor: Actor, days: int = DASHBOARD_DAYS) -> list[CustomerFeedback]:
    """Per customer with answers in the last ``days``: count, average, distribution and its latest comments."""
    if not actor.is_approver:
        raise Forbidden("the customers' feedback is for approvers and admins")
    since = services.clock() - timedelta(days=days)
    # Answers are kept to the second: the next second includes everything answered up to now.
    answers = answers_between(services, since, services.clock() + timedelta(seconds=1))
    return [summarise(code, answers, LATEST_COMMENTS) for code in sorted({a.customer_code for a in answers})]


EXPORT_HEADER = (
    "answered at",
    "first answered at",
    "object",
    "kind",
    "title",
    "version",
    "customer",
    "rating",
    "comment",
    "recipient hash",
    "recipient",
)
MAX_EXPORT_DAYS = 3660


def _day(field: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise InvalidInput.one(field, f"{value!r} is not a day (YYYY-MM-DD)") from None


def export_period(start: str | None, end: str | None, today: date) -> tuple[datetime, datetime]:
    """``[from, to]`` as days, both included; by default the last 90 days."""
    last = _day("to", end) if end else today
    first = _day("from", start) if start else last - timedelta(days=DASHBOARD_DAYS - 1)
    if first > last:
        raise InvalidInput.one("to", f"{last} is before {first}")
    if (last - first).days > MAX_EXPORT_DAYS:
        raise InvalidInput.one("from", f"an export spans at most {MAX_EXPORT_DAYS} days")
    since = datetime.combine(first, time.min, UTC)
    return since, datetime.combine(last + timedelta(days=1), time.min, UTC)


def export_rows(
    services: Services, since: datetime, until: datetime, customer_code: str | None = None
) -> list[list[object]]:
    """Every answer given in ``[since, until)``, newest first, as the CSV's rows."""
    if customer_code is not None and customer_code not in services.config.customer_mappings:
        raise InvalidInput.one("customer", f"{customer_code!r} is not a customer of config.json")
    return [
        [
            answer.answered_at.isoformat(),
            answer.first_answered_at.isoformat(),
            answer.object_id,
            answer.kind,
            answer.title,
            answer.version,
            answer.customer_code,
            answer.rating,
            answer.comment,
            answer.recipient_hash,
            answer.recipient or "",
        ]
        for answer in answers_between(services, since, until, customer_code)
    ]


def feedback_export(
    services: Services, actor: Actor, start: str | None, end: str | None, customer_code: str | None
) -> list[list[object]]:
    if not actor.is_approver:
        raise Forbidden("the customers' feedback is for approvers and admins")
    since, until = export_period(start, end, services.clock().date())
    return export_rows(services, since, until, customer_code)
