"""Who may do what to an object. Each check raises :class:`Forbidden` with the reason."""

from __future__ import annotations

from ccm.config import AuthorizationConfig
from ccm.domain.objects import AnyObject
from ccm.domain.status import Status
from ccm.workflow.actor import Actor
from ccm.workflow.errors import Forbidden


def require_reader(actor: Actor, obj: AnyObject) -> None:
    """Drafts are private to their owner (and admins); everything else is visible to every signed-in user."""
    if obj.status is Status.DRAFT and not (actor.is_admin or actor.owns(obj.owner)):
        raise Forbidden(f"{obj.id} is a draft of {obj.owner or 'another user'}")


def require_owner(actor: Actor, obj: AnyObject, action: str) -> None:
    if not (actor.is_admin or actor.owns(obj.owner)):
        raise Forbidden(f"only the owner of {obj.id} ({obj.owner or 'unknown'}) or an admin may {action} it")


def require_approver(actor: Actor, obj: AnyObject, authorization: AuthorizationConfig) -> None:
    if not actor.is_approver:
        raise Forbidden(f"approving needs membership of {authorization.approver_group} or {authorization.admin_group}")
    if actor.owns(obj.owner) and not authorization.allow_self_approval:
        raise Forbidden(f"{obj.id} was created by you; another approver must approve it (four-eyes rule)")


def require_participant(actor: Actor, obj: AnyObject, action: str) -> None:
    """The owner runs the change; approvers and admins may also close or stop it."""
    if not (actor.is_approver or actor.owns(obj.owner)):
        raise Forbidden(f"only the owner of {obj.id}, an approver or an admin may {action} it")


def require_transition(actor: Actor, obj: AnyObject, target: Status, authorization: AuthorizationConfig) -> None:
    if target is Status.SUBMITTED:
        require_owner(actor, obj, "submit")
    elif target is Status.APPROVED:
        require_approver(actor, obj, authorization)
    elif target is Status.COMPLETED:
        require_participant(actor, obj, "complete")
    elif target is Status.CANCELLED:
        require_participant(actor, obj, "cancel")
    else:
        require_owner(actor, obj, f"move to {target.value}")
