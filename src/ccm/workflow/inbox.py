"""The approvals page's lists: what each person can still decide, and the emergency reviews that are due.

Read from the catalog only (the summaries carry each object's checklist), a few queries whatever is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from ccm.config import AppConfig
from ccm.domain.approval import ChangeType, Phase, Risk
from ccm.domain.approval_policy import plan_for
from ccm.domain.approval_state import ApprovalState, RequirementState, describe
from ccm.domain.status import Status
from ccm.domain.times import format_rfc3339
from ccm.storage.catalog import MAX_PAGE, Query, Summary
from ccm.workflow.actor import Actor
from ccm.workflow.delegation import Capacity, capacities
from ccm.workflow.listing import KINDS
from ccm.workflow.services import Services

Scope = Literal["mine", "all"]


@dataclass(frozen=True)
class Opening:
    """Something the person can decide on an item: in their own name or for an away approver, and towards which
    requirements it counts."""

    on_behalf_of: str | None
    requirements: list[RequirementState]
    completes: bool
    """Approving here meets the last open requirement: the object is approved and its customers are told."""


@dataclass(frozen=True)
class PendingItem:
    summary: Summary
    approval: ApprovalState
    phase: Phase
    openings: list[Opening]
    refusal: str | None = None
    """Why the person may not decide though a requirement admits them (the four-eyes rule)."""


def approval_of(config: AppConfig, summary: Summary) -> ApprovalState:
    """The summary's checklist; for an object stored before approval policies, the one its policy gives now."""
    if summary.approval is not None:
        return summary.approval
    plan = plan_for(
        config.approval_policies,
        config.authorization,
        change_type=ChangeType(summary.change_type) if summary.kind == "change" and summary.change_type else None,
        risk=Risk(summary.risk or Risk.MEDIUM) if summary.kind == "change" else None,
        customers=summary.customers,
    )
    return describe(plan, [], round_=1, approved_at=None)


def _completes(states: list[RequirementState], opened: list[RequirementState], person: str) -> bool:
    chosen = {state.id for state in opened}
    for state in states:
        if state.met:
            continue
        if state.id not in chosen:
            return False
        if state.all_members:
            missing = set(state.members or []) - state.persons - {person}
            if missing:
                return False
        elif state.count + 1 < state.required:
            return False
    return True


def _refusal(summary: Summary, actor: Actor, capacity: Capacity, config: AppConfig) -> str | None:
    creator = summary.created_by
    if capacity.on_behalf_of is not None and creator == actor.email:
        return "you created it, so you cannot approve it for anyone"
    if creator == capacity.person and not config.authorization.allow_self_approval:
        return "created by you: another approver must decide (four-eyes rule)"
    return None


def pending_item(config: AppConfig, summary: Summary, actor: Actor, offered: list[Capacity]) -> PendingItem:
    approval = approval_of(config, summary)
    phase = Phase.APPROVAL if summary.status is Status.SUBMITTED else Phase.REVIEW
    states = (
        approval.requirements if phase is Phase.APPROVAL else (approval.review.requirements if approval.review else [])
    )
    openings: list[Opening] = []
    refusal = None
    for capacity in offered:
        opened = approval.open_for(phase, capacity.person, capacity.groups)
        if not opened:
            continue
        blocked = _refusal(summary, actor, capacity, config)
        if blocked is not None:
            refusal = refusal or blocked
            continue
        openings.append(Opening(capacity.on_behalf_of, opened, _completes(states, opened, capacity.person)))
    return PendingItem(summary, approval, phase, openings, None if openings else refusal)


def _all_pages(services: Services, query: Query) -> list[Summary]:
    found: list[Summary] = []
    cursor: str | None = None
    while True:
        page = services.repository.query(replace(query, cursor=cursor, limit=MAX_PAGE))
        found.extend(page.items)
        if page.cursor is None:
            return found
        cursor = page.cursor


def approvals_for(services: Services, actor: Actor, *, scope: Scope = "mine") -> list[PendingItem]:
    """Submitted objects and open emergency reviews, newest first: with ``mine`` only those the actor can still
    decide (in their own name or standing in for someone), with ``all`` every one, each saying what the actor
    can decide on it."""
    summaries: dict[str, Summary] = {}
    for kind in KINDS:
        for summary in _all_pages(services, Query(kind=kind, status=Status.SUBMITTED, viewer=actor.email)):
            summaries[summary.id] = summary
    for summary in services.repository.review_due():
        summaries.setdefault(summary.id, summary)
    offered = capacities(services, actor)
    items = [pending_item(services.config, summary, actor, offered) for summary in summaries.values()]
    if scope == "mine":
        items = [item for item in items if item.openings]
    return sorted(items, key=lambda item: item.summary.order, reverse=True)


@dataclass(frozen=True)
class Review:
    summary: Summary
    due_by: str
    overdue: bool


def reviews_due(services: Services, *, overdue_only: bool = False) -> list[Review]:
    """Approved emergency changes whose normal requirements are still open, earliest due first."""
    now = format_rfc3339(services.clock())
    until = now if overdue_only else None
    rows = services.repository.review_due(until)
    return [Review(row, row.review_due_by or "", (row.review_due_by or "") < now) for row in rows]
