"""Approving and rejecting: one decision at a time, recorded on the object, in one conditional write.

A decision counts towards every requirement its decider may still count towards (their own, or an away approver's
they stand in for); the object becomes ``approved`` in the write whose decision meets the last requirement, and
only that write writes the triggers, so emails, meeting and everything else go out once. Two approvers deciding
at the same moment both count: the storage re-reads and re-applies a decision that lost the race, unless the
client pinned the version it saw (``If-Match``), which then answers 412 for the client to retry.
"""

from __future__ import annotations

from collections.abc import Sequence

from ccm.config import AuthorizationConfig
from ccm.domain.approval import ApprovalDecision, Phase, Verdict
from ccm.domain.approval_state import RequirementState
from ccm.domain.objects import AnyObject, ModificationType
from ccm.domain.status import TRANSITIONS, Status
from ccm.errors import ObjectNotFound, TransitionNotAllowed
from ccm.workflow.actor import Actor
from ccm.workflow.approval_commands import ApprovalCommand, RejectionCommand
from ccm.workflow.approval_plan import current_round, phase_of, refresh_approval
from ccm.workflow.commands import Kind, ObjectCommand
from ccm.workflow.delegation import Capacity, capacities
from ccm.workflow.editing import apply_edits, content_for, not_found
from ccm.workflow.errors import Forbidden
from ccm.workflow.fields import require_id
from ccm.workflow.freeze_rules import freeze_overrides, record_freeze_overrides
from ccm.workflow.permissions import require_owner
from ccm.workflow.results import Mutation
from ccm.workflow.schedule import check_formats
from ccm.workflow.services import Services
from ccm.workflow.triggers import write_triggers


class _AlreadyCounted(Exception):
    """The decider's approval already counts everywhere it can: nothing to write (a second click, a retry)."""


def _refusal(obj: AnyObject, actor: Actor, capacity: Capacity, authorization: AuthorizationConfig) -> str | None:
    """Why this capacity may not decide on ``obj`` at all, or ``None``."""
    creator = obj.owner
    if capacity.on_behalf_of is not None and actor.owns(creator):
        return f"{obj.id} was created by you; you cannot approve it for {capacity.on_behalf_of} either"
    if creator and capacity.person == creator and not authorization.allow_self_approval:
        whose = "you" if capacity.on_behalf_of is None else capacity.person
        return f"{obj.id} was created by {whose}; another approver must decide on it (four-eyes rule)"
    return None


def _who_may(action: str, states: Sequence[RequirementState]) -> str:
    wanted = [f"{' or '.join(state.groups)} ({state.label})" for state in states if not state.met]
    if not wanted:
        return "every requirement is met already"
    return f"{action} needs membership of " + "; and of ".join(wanted)


def _admitted(states: Sequence[RequirementState], capacity: Capacity) -> list[RequirementState]:
    return [state for state in states if state.requirement().admits(capacity.person, capacity.groups)]


def _offered(offered: Sequence[Capacity], actor: Actor, on_behalf_of: str | None) -> list[Capacity]:
    """The capacities the client asked to decide in (all, when it did not say)."""
    if on_behalf_of is None:
        return list(offered)
    if on_behalf_of == actor.email:
        return [capacity for capacity in offered if capacity.on_behalf_of is None]
    chosen = [capacity for capacity in offered if capacity.on_behalf_of == on_behalf_of]
    if not chosen:
        raise Forbidden(f"{on_behalf_of} has not named you to decide in their place today")
    return chosen


def _choose(
    obj: AnyObject,
    actor: Actor,
    offered: Sequence[Capacity],
    phase: Phase,
    authorization: AuthorizationConfig,
    on_behalf_of: str | None,
) -> tuple[Capacity, list[RequirementState]]:
    """The capacity to decide in and what it counts towards; :class:`Forbidden` when there is none."""
    assert obj.approval is not None
    states = obj.approval.review.requirements if phase is Phase.REVIEW and obj.approval.review else []
    if phase is Phase.APPROVAL:
        states = obj.approval.requirements
    refusals: list[str] = []
    counted_already = False
    for capacity in _offered(offered, actor, on_behalf_of):
        admitted = _admitted(states, capacity)
        if not admitted:
            continue
        refusal = _refusal(obj, actor, capacity, authorization)
        if refusal is not None:
            refusals.append(refusal)
            continue
        open_ = obj.approval.open_for(phase, capacity.person, capacity.groups)
        if open_:
            return capacity, open_
        counted_already = counted_already or any(capacity.person in state.persons for state in admitted)
    if refusals:
        raise Forbidden(refusals[0])
    if counted_already:
        raise _AlreadyCounted()
    raise Forbidden(_who_may("approving", states))


def _decided(status: Status, action: str) -> TransitionNotAllowed:
    target = Status.APPROVED if action == "approve" else Status.REJECTED
    return TransitionNotAllowed(status.value, target.value, sorted(state.value for state in TRANSITIONS[status]))


def approve(
    services: Services,
    actor: Actor,
    object_id: str,
    command: ApprovalCommand,
    *,
    kind: Kind,
    expected_etag: str | None = None,
    edits: ObjectCommand | None = None,
) -> Mutation:
    """Record the actor's approval. The last one needed approves the object and notifies, once."""
    require_id(object_id, kind)
    cleaned = content_for(edits, object_id) if edits else None
    if cleaned:
        check_formats(cleaned)
    now = services.clock()
    offered = capacities(services, actor)
    config = services.config

    def apply(obj: AnyObject) -> None:
        phase = phase_of(obj)
        if phase is None:
            raise _decided(obj.status, "approve")
        if cleaned and apply_edits(services, obj, cleaned, actor, now):
            # Fields sent along with a decision are an edit: approving does not entitle anyone to rewrite content.
            require_owner(actor, obj, "edit")
        refresh_approval(config, obj)
        capacity, counts_towards = _choose(obj, actor, offered, phase, config.authorization, command.onBehalfOf)
        # Inside a freeze no approval counts, unless the change is a justified emergency (recorded on approval).
        overrides = freeze_overrides(services, obj, Status.APPROVED) if phase is Phase.APPROVAL else []
        obj.approval_decisions.append(
            ApprovalDecision(
                round=current_round(obj),
                version=obj.version,
                phase=phase,
                verdict=Verdict.APPROVE,
                by=actor.email,
                on_behalf_of=capacity.on_behalf_of,
                comment=command.text,
                at=now,
                counts_towards=[state.id for state in counts_towards],
            )
        )
        obj.record(
            ModificationType.APPROVAL_DECISION,
            actor.email,
            now,
            request_id=actor.request_id,
            on_behalf_of=capacity.on_behalf_of,
            comment=command.text or None,
            details={"phase": phase.value, "requirements": [state.label for state in counts_towards]},
        )
        obj.modified_at, obj.modified_by = now, actor.email
        refresh_approval(config, obj)
        assert obj.approval is not None
        if phase is Phase.APPROVAL and obj.approval.met:
            obj.transition(
                Status.APPROVED, actor.email, now, request_id=actor.request_id, on_behalf_of=capacity.on_behalf_of
            )
            record_freeze_overrides(obj, overrides, actor, now)
            refresh_approval(config, obj)
        elif phase is Phase.REVIEW and obj.approval.review is not None and obj.approval.review.met:
            obj.record(
                ModificationType.REVIEW_COMPLETED,
                actor.email,
                now,
                request_id=actor.request_id,
                on_behalf_of=capacity.on_behalf_of,
            )

    try:
        update = services.repository.update(object_id, apply, expected_etag=expected_etag)
    except ObjectNotFound:
        raise not_found(object_id, kind) from None
    except _AlreadyCounted:
        return Mutation(services.repository.get(object_id))
    approved_now = update.before.obj.status is Status.SUBMITTED and update.after.obj.status is Status.APPROVED
    return Mutation(update.after, write_triggers(services, update.after) if approved_now else [])


def reject(
    services: Services,
    actor: Actor,
    object_id: str,
    command: RejectionCommand,
    *,
    kind: Kind,
    expected_etag: str | None = None,
) -> Mutation:
    """Reject a submitted object with a reason; the requester is emailed it. Anyone who may approve may reject."""
    require_id(object_id, kind)
    now = services.clock()
    offered = capacities(services, actor)
    config = services.config

    def apply(obj: AnyObject) -> None:
        if obj.status is not Status.SUBMITTED:
            raise _decided(obj.status, "reject")
        refresh_approval(config, obj)
        assert obj.approval is not None
        capacity = _rejecting_capacity(obj, actor, offered, config.authorization, command.onBehalfOf)
        admitted = _admitted(obj.approval.requirements, capacity)
        obj.approval_decisions.append(
            ApprovalDecision(
                round=current_round(obj),
                version=obj.version,
                phase=Phase.APPROVAL,
                verdict=Verdict.REJECT,
                by=actor.email,
                on_behalf_of=capacity.on_behalf_of,
                comment=command.reason,
                at=now,
                counts_towards=[state.id for state in admitted],
            )
        )
        obj.transition(
            Status.REJECTED,
            actor.email,
            now,
            request_id=actor.request_id,
            on_behalf_of=capacity.on_behalf_of,
            comment=command.reason,
        )
        refresh_approval(config, obj)

    try:
        update = services.repository.update(object_id, apply, expected_etag=expected_etag)
    except ObjectNotFound:
        raise not_found(object_id, kind) from None
    return Mutation(update.after, write_triggers(services, update.after))


def _rejecting_capacity(
    obj: AnyObject,
    actor: Actor,
    offered: Sequence[Capacity],
    authorization: AuthorizationConfig,
    on_behalf_of: str | None,
) -> Capacity:
    assert obj.approval is not None
    refusals = []
    for capacity in _offered(offered, actor, on_behalf_of):
        if not _admitted(obj.approval.requirements, capacity):
            continue
        refusal = _refusal(obj, actor, capacity, authorization)
        if refusal is None:
            return capacity
        refusals.append(refusal)
    if refusals:
        raise Forbidden(refusals[0])
    raise Forbidden(_who_may("rejecting", obj.approval.requirements))
