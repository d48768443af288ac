"""A change's tickets in the portal: their current state in ServiceNow and Jira, and "Create in ServiceNow"."""

from __future__ import annotations

from dataclasses import dataclass

from ccm.domain.objects import AnyObject, Change, ModificationType
from ccm.storage.archive import Stored
from ccm.workflow.actor import Actor
from ccm.workflow.errors import InvalidInput, NotAvailable
from ccm.workflow.permissions import require_owner
from ccm.workflow.reading import get_object
from ccm.workflow.results import Mutation
from ccm.workflow.services import Services
from ccm.workflow.ticket_checks import CreatedTicket, TicketChecker


class _AlreadyLinked(Exception):
    pass


def _tickets(services: Services) -> TicketChecker:
    if services.tickets is None:
        raise NotAvailable("no ServiceNow or Jira integration is configured (config.json integrations)")
    return services.tickets


def _read(services: Services, actor: Actor, object_id: str) -> Stored:
    stored = get_object(services, actor, object_id, kind="change")
    assert stored is not None  # asked without an ETag, it always answers the object
    return stored


@dataclass(frozen=True)
class TicketLinks:
    tickets: list[dict[str, str | None]]
    can_create: bool
    """ServiceNow is configured, the change names no number, and the caller may edit it."""


def ticket_links(services: Services, actor: Actor, object_id: str) -> TicketLinks:
    """The change's tickets with their current state; readable by anyone who may read the change."""
    change = _read(services, actor, object_id).obj
    if not isinstance(change, Change) or services.tickets is None:
        return TicketLinks([], False)
    may_edit = actor.is_admin or actor.owns(change.owner)
    can_create = services.tickets.creates() and not change.snow_ticket.strip() and may_edit
    return TicketLinks(services.tickets.links(change), can_create)


def create_in_servicenow(services: Services, actor: Actor, object_id: str, portal_url: str) -> Mutation:
    """Create the change's ServiceNow change request and store its number on the change (its owner's action)."""
    stored = _read(services, actor, object_id)
    change = stored.obj
    assert isinstance(change, Change)
    require_owner(actor, change, "create a ServiceNow change request for")
    if change.snow_ticket.strip():
        raise InvalidInput.one("snowTicket", f"the change already names ServiceNow change request {change.snow_ticket}")
    created: CreatedTicket = _tickets(services).create(change, portal_url)
    now = services.clock()

    def link(obj: AnyObject) -> None:
        if not isinstance(obj, Change) or obj.snow_ticket.strip():
            raise _AlreadyLinked()
        obj.snow_ticket, obj.snow_sys_id = created.number, created.sys_id
        obj.record(
            ModificationType.TICKET_CREATED,
            actor.email,
            now,
            request_id=actor.request_id,
            detail=f"ServiceNow {created.number}",
        )

    try:
        update = services.repository.update(object_id, link, bump_version=False, location=stored.location)
    except _AlreadyLinked:
        return Mutation(services.repository.get(object_id))
    return Mutation(update.after)
