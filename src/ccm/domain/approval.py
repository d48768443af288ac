"""Approval as a pure function (DESIGN decision 15).

An object's **requirements** come from the policy (:mod:`ccm.domain.approval_policy`); **decisions** are records on
the object. Whether a requirement is met is computed from those two alone, here, so it can be tested exhaustively:
a person counts once per requirement however often they decide, and the order decisions arrive in changes nothing.

A decision counts towards the requirements named in ``counts_towards``: the workflow names them when the decision
is made, from what the decider (or the approver a delegate stands in for) may decide at that moment.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ccm.domain.stamps import Timestamp


class ChangeType(StrEnum):
    STANDARD = "standard"
    NORMAL = "normal"
    EMERGENCY = "emergency"


class Risk(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Verdict(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class Phase(StrEnum):
    APPROVAL = "approval"
    """Before the object is approved: what makes it approved."""
    REVIEW = "review"
    """After an emergency approval: the normal requirements, met after the fact."""


class Route(StrEnum):
    POLICY = "policy"
    EMERGENCY = "emergency"
    TEMPLATE = "template"


@dataclass(frozen=True)
class Requirement:
    """Distinct approvers from ``groups``: ``required`` of them, or (``required`` is ``None``) every one of
    ``members``."""

    id: str
    label: str
    groups: tuple[str, ...]
    required: int | None = 1
    members: frozenset[str] | None = None
    """Lower-cased addresses of everyone in ``groups``, when the configuration names them."""

    def __post_init__(self) -> None:
        if self.required is None and not self.members:
            raise ValueError(f"requirement {self.id}: 'all' needs the members of its groups")
        if self.required is not None and self.required < 1:
            raise ValueError(f"requirement {self.id}: at least one approver is required")

    @property
    def needed(self) -> int:
        if self.required is None:
            assert self.members is not None
            return len(self.members)
        return self.required

    def admits(self, person: str, groups: Collection[str]) -> bool:
        """Whether ``person`` (in ``groups``) may count towards this requirement."""
        address = person.strip().lower()
        named = self.members is not None and address in self.members
        if self.required is None:
            return named
        return named or any(group in groups for group in self.groups)


class ApprovalDecision(BaseModel):
    """One person's decision, as stored on the object (``approval_decisions``)."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    round: int = Field(ge=1)
    version: int = Field(ge=1)
    """The object version the decider saw."""
    phase: Phase = Phase.APPROVAL
    verdict: Verdict
    by: str = Field(min_length=1)
    on_behalf_of: str | None = None
    comment: str = ""
    at: Timestamp
    counts_towards: list[str] = Field(default_factory=list)

    @property
    def person(self) -> str:
        """Whose decision it is: the approver a delegate stands in for, else the decider."""
        return (self.on_behalf_of or self.by).strip().lower()


def _order(decision: ApprovalDecision) -> tuple[object, ...]:
    # A total order on everything a decision says, so that the outcome never depends on arrival order.
    return (
        decision.at,
        decision.person,
        decision.by.lower(),
        (decision.on_behalf_of or "").lower(),
        decision.verdict.value,
        decision.comment,
        tuple(sorted(decision.counts_towards)),
        decision.version,
        # Last, everything else the decision holds (the spelling of addresses, the order of its requirement ids,
        # extra keys): two decisions alike in all of the above still have one order.
        decision.model_dump_json(),
    )


@dataclass(frozen=True)
class RequirementOutcome:
    requirement: Requirement
    counted: tuple[ApprovalDecision, ...]
    """The first approving decision of each person that counts, earliest first."""

    @property
    def persons(self) -> frozenset[str]:
        return frozenset(decision.person for decision in self.counted)

    @property
    def met(self) -> bool:
        if self.requirement.required is None:
            assert self.requirement.members is not None
            return self.requirement.members <= self.persons
        return len(self.counted) >= self.requirement.required


@dataclass(frozen=True)
class Evaluation:
    outcomes: tuple[RequirementOutcome, ...]

    @property
    def met(self) -> bool:
        """Every requirement is met (nothing required is met at once: a standard template's route)."""
        return all(outcome.met for outcome in self.outcomes)

    def outcome(self, requirement_id: str) -> RequirementOutcome | None:
        return next((each for each in self.outcomes if each.requirement.id == requirement_id), None)


def counts(requirement: Requirement, decision: ApprovalDecision) -> bool:
    """Whether ``decision`` is an approval that counts towards ``requirement``."""
    if decision.verdict is not Verdict.APPROVE or requirement.id not in decision.counts_towards:
        return False
    return requirement.required is not None or (
        requirement.members is not None and decision.person in requirement.members
    )


def evaluate(requirements: Sequence[Requirement], decisions: Iterable[ApprovalDecision]) -> Evaluation:
    """Which requirements ``decisions`` meet. Give it the decisions of one round and one phase."""
    ordered = sorted(decisions, key=_order)
    outcomes = []
    for requirement in requirements:
        first: dict[str, ApprovalDecision] = {}
        for decision in ordered:
            if counts(requirement, decision):
                first.setdefault(decision.person, decision)
        outcomes.append(RequirementOutcome(requirement, tuple(first.values())))
    return Evaluation(tuple(outcomes))


def of_round(decisions: Iterable[ApprovalDecision], round_: int, phase: Phase) -> list[ApprovalDecision]:
    """The decisions that can count now: made in the current approval round, in the given phase."""
    return [decision for decision in decisions if decision.round == round_ and decision.phase is phase]


def still_open(
    requirements: Sequence[Requirement], decisions: Iterable[ApprovalDecision], person: str, groups: Collection[str]
) -> list[Requirement]:
    """The requirements ``person`` could still count towards: admitted, not met, not already counted there."""
    evaluation = evaluate(requirements, decisions)
    address = person.strip().lower()
    return [
        outcome.requirement
        for outcome in evaluation.outcomes
        if not outcome.met and address not in outcome.persons and outcome.requirement.admits(address, groups)
    ]
