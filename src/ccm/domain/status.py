"""The one status machine for changes and announcements, as a single table."""

from __future__ import annotations

from enum import StrEnum

from ccm.errors import TransitionNotAllowed


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.SUBMITTED, Status.CANCELLED}),
    Status.SUBMITTED: frozenset({Status.APPROVED, Status.REJECTED, Status.CANCELLED}),
    Status.APPROVED: frozenset({Status.COMPLETED, Status.CANCELLED}),
    Status.COMPLETED: frozenset(),
    Status.CANCELLED: frozenset(),
    # Rejection ends the approval; the creator may take it back to a draft, fix it and submit it again.
    Status.REJECTED: frozenset({Status.DRAFT}),
}

DELETABLE: frozenset[Status] = frozenset({Status.DRAFT, Status.CANCELLED, Status.REJECTED})
"""Only drafts, cancelled and rejected objects may be deleted (moved under ``deleted/``)."""

EDITABLE: frozenset[Status] = frozenset({Status.DRAFT, Status.SUBMITTED, Status.APPROVED, Status.REJECTED})
"""Editing a rejected object takes it back to a draft (see :data:`TRANSITIONS`)."""


def allowed_from(current: Status) -> frozenset[Status]:
    return TRANSITIONS[current]


def check_transition(current: Status | str, requested: Status | str) -> Status:
    """Return the requested status if the table allows it, else raise :class:`TransitionNotAllowed`."""
    try:
        here = Status(current)
    except ValueError:
        raise TransitionNotAllowed(str(current), str(requested), []) from None
    allowed = TRANSITIONS[here]
    try:
        target = Status(requested)
    except ValueError:
        raise TransitionNotAllowed(here.value, str(requested), [s.value for s in allowed]) from None
    if target not in allowed:
        raise TransitionNotAllowed(here.value, target.value, [s.value for s in allowed])
    return target
