"""The ``approval`` an object's JSON carries: its checklist, computed from its plan and its decisions.

It is derived data, written with every workflow write of the object (so the catalog, the portal and the emails read
it without the configuration); the decisions themselves (``approval_decisions``) are the record.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from ccm.domain.approval import (
    ApprovalDecision,
    Evaluation,
    Phase,
    Requirement,
    RequirementOutcome,
    Route,
    Verdict,
    evaluate,
    of_round,
)
from ccm.domain.approval_policy import Plan
from ccm.domain.stamps import OptionalTimestamp, Timestamp


class _State(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)


class DecisionView(_State):
    by: str
    on_behalf_of: str | None = None
    decision: Verdict = Verdict.APPROVE
    comment: str = ""
    at: Timestamp
    version: int = 1

    @property
    def person(self) -> str:
        return (self.on_behalf_of or self.by).strip().lower()

    @classmethod
    def of(cls, decision: ApprovalDecision) -> DecisionView:
        return cls(
            by=decision.by,
            on_behalf_of=decision.on_behalf_of,
            decision=decision.verdict,
            comment=decision.comment,
            at=decision.at,
            version=decision.version,
        )


class RequirementState(_State):
    id: str
    label: str
    groups: list[str]
    required: int = Field(ge=0)
    all_members: bool = False
    members: list[str] | None = None
    decisions: list[DecisionView] = Field(default_factory=list)
    met: bool = False

    @property
    def count(self) -> int:
        return len(self.decisions)

    @property
    def persons(self) -> frozenset[str]:
        return frozenset(decision.person for decision in self.decisions)

    def requirement(self) -> Requirement:
        members = frozenset(self.members) if self.members is not None else None
        return Requirement(
            self.id, self.label, tuple(self.groups), None if self.all_members else self.required, members
        )

    @classmethod
    def of(cls, outcome: RequirementOutcome) -> RequirementState:
        requirement = outcome.requirement
        return cls(
            id=requirement.id,
            label=requirement.label,
            groups=list(requirement.groups),
            required=requirement.needed,
            all_members=requirement.required is None,
            members=sorted(requirement.members) if requirement.members is not None else None,
            decisions=[DecisionView.of(decision) for decision in outcome.counted],
            met=outcome.met,
        )


class ReviewState(_State):
    """An emergency change's normal requirements, due after the fact."""

    due_by: OptionalTimestamp = None
    requirements: list[RequirementState] = Field(default_factory=list)
    met: bool = False


class Rejection(_State):
    by: str
    on_behalf_of: str | None = None
    reason: str
    at: Timestamp


class ApprovalState(_State):
    round: int = 0
    route: Route = Route.POLICY
    requirements: list[RequirementState] = Field(default_factory=list)
    met: bool = False
    template: str | None = None
    """The standard template that approved it (``T-3``), on the template route."""
    review: ReviewState | None = None
    rejection: Rejection | None = None

    @property
    def review_pending(self) -> bool:
        return self.review is not None and self.review.due_by is not None and not self.review.met

    def open_for(self, phase: Phase, person: str, groups: Collection[str]) -> list[RequirementState]:
        """What ``person`` (in ``groups``) could still count towards in ``phase``."""
        if phase is Phase.REVIEW:
            states = self.review.requirements if self.review is not None else []
        else:
            states = self.requirements
        address = person.strip().lower()
        return [
            state
            for state in states
            if not state.met and address not in state.persons and state.requirement().admits(address, groups)
        ]


def _states(evaluation: Evaluation) -> list[RequirementState]:
    return [RequirementState.of(outcome) for outcome in evaluation.outcomes]


def evaluate_phase(plan: Plan, decisions: Sequence[ApprovalDecision], round_: int, phase: Phase) -> Evaluation:
    requirements = plan.review if phase is Phase.REVIEW else plan.requirements
    return evaluate(requirements, of_round(decisions, round_, phase))


def describe(
    plan: Plan,
    decisions: Sequence[ApprovalDecision],
    *,
    round_: int,
    approved_at: datetime | None,
    template: str | None = None,
) -> ApprovalState:
    """The checklist of the current round. ``approved_at``: when this round ended in approval (the review's start)."""
    approval = evaluate_phase(plan, decisions, round_, Phase.APPROVAL)
    review = None
    if plan.route is Route.EMERGENCY:
        review_evaluation = evaluate_phase(plan, decisions, round_, Phase.REVIEW)
        review = ReviewState(
            due_by=approved_at + timedelta(days=plan.review_days) if approved_at is not None else None,
            requirements=_states(review_evaluation),
            met=review_evaluation.met,
        )
    rejections = [
        decision
        for decision in of_round(decisions, round_, Phase.APPROVAL)
        if decision.verdict is Verdict.REJECT and round_ > 0
    ]
    rejection = None
    if rejections:
        last = max(rejections, key=lambda decision: decision.at)
        rejection = Rejection(by=last.by, on_behalf_of=last.on_behalf_of, reason=last.comment, at=last.at)
    return ApprovalState(
        round=round_,
        route=plan.route,
        requirements=_states(approval),
        met=approval.met,
        template=template if plan.route is Route.TEMPLATE else None,
        review=review,
        rejection=rejection,
    )
