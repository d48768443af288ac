"""Which requirements an object must meet, from ``config.json`` ``approval_policies`` and what the object is.

* the base requirement (one member of the approver group, unless configured) when neither the change type nor the
  risk names any;
* the change type's and the risk's requirements;
* every affected customer's own requirements, on top;
* an emergency change needs only the emergency requirement (one approver of the base groups unless configured);
  everything a normal change would need is then due after the fact (its *review*);
* a standard change (from an unchanged template) needs nothing: its template was approved once, by the admins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ccm.config import ApprovalPolicies, AuthorizationConfig, RequirementConfig
from ccm.domain.approval import ChangeType, Requirement, Risk, Route

BASE_LABEL = "Approvers"
EMERGENCY_LABEL = "Emergency approver"


@dataclass(frozen=True)
class Plan:
    """What an object needs: the requirements that approve it and, for an emergency, those due after the fact."""

    route: Route
    requirements: tuple[Requirement, ...]
    review: tuple[Requirement, ...] = ()
    review_days: int = 0


def _requirement(policies: ApprovalPolicies, key: str, config: RequirementConfig) -> Requirement:
    members = policies.members_of(config.groups)
    required = None if config.required == "all" else config.required
    return Requirement(id=key, label=config.label, groups=tuple(config.groups), required=required, members=members)


def base_requirement(policies: ApprovalPolicies, authorization: AuthorizationConfig) -> Requirement:
    if policies.base is not None:
        return _requirement(policies, "base", policies.base)
    groups = (authorization.approver_group, authorization.admin_group)
    return Requirement(id="base", label=BASE_LABEL, groups=groups, required=1)


def _listed(policies: ApprovalPolicies, prefix: str, configs: Sequence[RequirementConfig]) -> list[Requirement]:
    return [_requirement(policies, f"{prefix}-{index}", config) for index, config in enumerate(configs)]


def normal_requirements(
    policies: ApprovalPolicies,
    authorization: AuthorizationConfig,
    *,
    risk: Risk | None,
    customers: Sequence[str],
) -> tuple[Requirement, ...]:
    """What a normal change (``risk`` given) or an announcement (``risk`` ``None``) needs."""
    general: list[Requirement] = []
    if risk is not None:
        general += _listed(policies, "type-normal", policies.change_types.get("normal", []))
        general += _listed(policies, f"risk-{risk.value}", policies.risk.get(risk.value, []))
    if not general:
        general = [base_requirement(policies, authorization)]
    for code in sorted(set(customers)):
        general += _listed(policies, f"customer-{code}", policies.customers.get(code, []))
    return tuple(general)


def emergency_requirements(policies: ApprovalPolicies, authorization: AuthorizationConfig) -> tuple[Requirement, ...]:
    configured = policies.change_types.get("emergency")
    if configured:
        return tuple(_listed(policies, "type-emergency", configured))
    base = base_requirement(policies, authorization)
    return (Requirement(id="emergency", label=EMERGENCY_LABEL, groups=base.groups, required=1),)


def plan_for(
    policies: ApprovalPolicies,
    authorization: AuthorizationConfig,
    *,
    change_type: ChangeType | None,
    risk: Risk | None,
    customers: Sequence[str],
) -> Plan:
    """The plan of a change (``change_type`` and ``risk`` given) or of an announcement (both ``None``)."""
    normal = normal_requirements(policies, authorization, risk=risk, customers=customers)
    if change_type is ChangeType.STANDARD:
        return Plan(Route.TEMPLATE, ())
    if change_type is ChangeType.EMERGENCY:
        requirements = emergency_requirements(policies, authorization)
        return Plan(Route.EMERGENCY, requirements, review=normal, review_days=policies.emergency_review_days)
    return Plan(Route.POLICY, normal)
