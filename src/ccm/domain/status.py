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


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.SUBMITTED, Status.CANCELLED}),
    Status.SUBMITTED: frozenset({Status.APPROVED, Status.CANCELLED}),
    Status.APPROVED: frozenset({Status.COMPLETED, Status.CANCELLED}),
    Status.COMPLETED: frozenset(),
    Status.CANCELLED: frozenset(),
}

DELETABLE: frozenset[Status] = frozenset({Status.DRAFT, Status.CANCELLED})
"""Only drafts and cancelled objects may be deleted (moved under ``deleted/``)."""

EDITABLE: frozenset[Status] = frozenset({Status.DRAFT, Status.SUBMITTED, Status.APPROVED})


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
