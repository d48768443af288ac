"""Changes that compete for the same customer at the same time.

Two changes conflict when they share at least one customer and their windows overlap; drafts (nobody has heard
of them) and cancelled changes (they will not happen) never do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ccm.domain.status import Status
from ccm.domain.windows import Window

CONFLICTING_STATUSES = frozenset({Status.SUBMITTED, Status.APPROVED, Status.COMPLETED})


@dataclass(frozen=True)
class Scheduled:
    """A change as the conflict rule sees it."""

    id: str
    title: str
    status: Status
    customers: tuple[str, ...]
    window: Window

    @property
    def can_conflict(self) -> bool:
        return self.status in CONFLICTING_STATUSES


@dataclass(frozen=True)
class Conflict:
    first: Scheduled
    second: Scheduled
    customers: list[str]
    start: datetime
    end: datetime


def conflict_between(a: Scheduled, b: Scheduled) -> Conflict | None:
    if a.id == b.id or not (a.can_conflict and b.can_conflict):
        return None
    shared = sorted(set(a.customers) & set(b.customers))
    overlap = a.window.overlap(b.window)
    if not shared or overlap is None:
        return None
    first, second = sorted((a, b), key=lambda item: (item.window.start, item.id))
    return Conflict(first, second, shared, overlap[0], overlap[1])


def conflicts(changes: Sequence[Scheduled]) -> list[Conflict]:
    """Every conflicting pair among ``changes``, once, ordered by where the overlap starts.

    Sorted by window start, each change is compared only with those starting before it ends.
    """
    ordered = sorted((item for item in changes if item.can_conflict), key=lambda item: (item.window.start, item.id))
    found: list[Conflict] = []
    for index, current in enumerate(ordered):
        for later in ordered[index + 1 :]:
            if later.window.start >= current.window.end:
                break
            conflict = conflict_between(current, later)
            if conflict is not None:
                found.append(conflict)
    return sorted(found, key=lambda conflict: (conflict.start, conflict.first.id, conflict.second.id))


def conflicts_with(candidate: Scheduled, others: Iterable[Scheduled]) -> list[Conflict]:
    """Where ``candidate`` (a change being planned, whatever its status) would compete with ``others``."""
    found = []
    for other in others:
        if other.id == candidate.id or not other.can_conflict:
            continue
        shared = sorted(set(candidate.customers) & set(other.customers))
        overlap = candidate.window.overlap(other.window)
        if shared and overlap is not None:
            found.append(Conflict(candidate, other, shared, overlap[0], overlap[1]))
    return sorted(found, key=lambda conflict: (conflict.start, conflict.second.id))
