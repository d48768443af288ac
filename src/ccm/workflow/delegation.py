"""Delegation: an approver who is away names a colleague who decides in their place for a period.

While it runs the delegate may decide for the approver's requirements (as the approver's groups were when they set
it), recorded "by X on behalf of Y". Both are told by email: setting it writes a notice trigger, the backend mails.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from ccm.config import AppConfig
from ccm.domain.delegation import Delegation, utc_day
from ccm.domain.times import format_rfc3339
from ccm.storage.port import TriggerNotWritten
from ccm.workflow.actor import Actor
from ccm.workflow.approval_commands import DelegationCommand
from ccm.workflow.errors import Forbidden, InvalidInput
from ccm.workflow.services import Services
from ccm.workflow.triggers import internal_mail_customer

logger = logging.getLogger(__name__)

MAX_DAYS = 92
"""A delegation covers an absence, not a role: at most a quarter."""


@dataclass(frozen=True)
class Capacity:
    """In whose name someone decides: their own (``on_behalf_of`` ``None``) or an away approver's."""

    person: str
    groups: frozenset[str]
    on_behalf_of: str | None = None


@dataclass(frozen=True)
class DelegationSet:
    delegation: Delegation
    notice_error: str | None = None


def approver_groups(config: AppConfig) -> frozenset[str]:
    """Every group that can approve anything under the configuration."""
    authorization = config.authorization
    return frozenset({authorization.approver_group, authorization.admin_group, *config.approval_policies.group_names()})


def may_approve(config: AppConfig, actor: Actor) -> bool:
    if actor.is_approver or actor.groups & approver_groups(config):
        return True
    policies = config.approval_policies
    return any(actor.email in {m.lower() for m in group.members or []} for group in policies.groups.values())


def capacities(services: Services, actor: Actor) -> list[Capacity]:
    """The actor's own capacity, then every approver they stand in for today."""
    today = utc_day(services.clock())
    own = Capacity(actor.email, actor.groups)
    standing_in = sorted(
        (row for row in services.delegations.delegated_to(actor.email) if row.active_on(today)),
        key=lambda row: row.approver,
    )
    return [own, *(Capacity(row.approver, frozenset(row.approver_groups), row.approver) for row in standing_in)]


def set_delegation(services: Services, actor: Actor, command: DelegationCommand) -> DelegationSet:
    config = services.config
    if not may_approve(config, actor):
        raise Forbidden("only approvers name someone to decide in their place")
    if command.delegate == actor.email:
        raise InvalidInput.one("delegate", "name a colleague, not yourself")
    if not config.authorization.email_allowed(command.delegate):
        raise InvalidInput.one("delegate", f"{command.delegate} is not in an allowed email domain")
    now = services.clock()
    today = utc_day(now)
    if command.ends < today:
        raise InvalidInput.one("until", f"{command.ends.isoformat()} is in the past")
    if command.ends - max(command.starts, today) > timedelta(days=MAX_DAYS):
        raise InvalidInput.one("until", f"a delegation covers at most {MAX_DAYS} days")
    mine = services.delegations.get(command.delegate)
    if mine is not None and mine.delegate == actor.email and mine.active_on(today):
        # Two people standing in for each other would let one of them decide twice.
        raise InvalidInput.one("delegate", f"{command.delegate} has named you to decide in their place")
    delegation = Delegation(
        approver=actor.email,
        delegate=command.delegate,
        starts=command.starts,
        ends=command.ends,
        approver_groups=tuple(sorted(actor.groups)),
        set_at=now,
        set_by=actor.email,
    )
    services.delegations.put(delegation)
    code = internal_mail_customer(config, [actor.email, command.delegate], config.customer_codes)
    body = {"approver": delegation.approver, "set_at": format_rfc3339(delegation.set_at)}
    try:
        services.repository.put_notice(code, delegation.notice_id, body)
    except TriggerNotWritten as error:
        logger.error("the notice of %s's delegation was not written: %s", actor.email, error)
        return DelegationSet(delegation, str(error))
    return DelegationSet(delegation)


def get_delegation(services: Services, actor: Actor) -> tuple[Delegation | None, list[Delegation]]:
    """The actor's own delegation, and those naming the actor that run today or later."""
    today = utc_day(services.clock())
    naming_me = [row for row in services.delegations.delegated_to(actor.email) if row.ends >= today]
    return services.delegations.get(actor.email), sorted(naming_me, key=lambda row: (row.starts, row.approver))


def clear_delegation(services: Services, actor: Actor) -> bool:
    return services.delegations.delete(actor.email, by=actor.email, at=services.clock())
