"""An object's approval plan and checklist under the configuration in force, kept on the object at every write."""

from __future__ import annotations

from ccm.config import AppConfig
from ccm.domain.approval import ChangeType, Phase
from ccm.domain.approval_policy import Plan, plan_for
from ccm.domain.approval_state import describe
from ccm.domain.objects import AnyObject, Change
from ccm.domain.status import Status

REVIEWED_STATUSES = frozenset({Status.APPROVED, Status.COMPLETED})
"""An emergency change is reviewed after the fact, also once its work is done."""


def plan_of(config: AppConfig, obj: AnyObject) -> Plan:
    if isinstance(obj, Change):
        return plan_for(
            config.approval_policies,
            config.authorization,
            change_type=obj.change_type,
            risk=obj.risk,
            customers=obj.customers,
        )
    return plan_for(
        config.approval_policies, config.authorization, change_type=None, risk=None, customers=obj.customers
    )


def current_round(obj: AnyObject) -> int:
    """The round decisions count in now. Objects submitted before rounds existed are in round 1."""
    if obj.status is Status.DRAFT:
        return obj.next_approval_round  # nothing is decided in it yet
    return max(obj.approval_round, 1)


def phase_of(obj: AnyObject) -> Phase | None:
    """What a decision on ``obj`` would be now: an approval, a review after the fact, or nothing."""
    if obj.status is Status.SUBMITTED:
        return Phase.APPROVAL
    if obj.status in REVIEWED_STATUSES and obj.approval is not None and obj.approval.review_pending:
        return Phase.REVIEW
    return None


def refresh_approval(config: AppConfig, obj: AnyObject) -> None:
    """Recompute ``obj.approval`` from the policy and the recorded decisions."""
    plan = plan_of(config, obj)
    approved_at = obj.approved_at if obj.status in REVIEWED_STATUSES else None
    template = obj.template_id if isinstance(obj, Change) and obj.change_type is ChangeType.STANDARD else None
    obj.approval = describe(
        plan, obj.approval_decisions, round_=current_round(obj), approved_at=approved_at, template=template
    )
