"""On submit, the ServiceNow number and the Jira key a change names are checked when config.json asks for it.

The check itself talks to the other systems (:mod:`ccm.integrations.checks`, given to :class:`Services` as a
:class:`TicketChecker`); here is only what its verdicts mean: a ticket the other system does not know refuses the
submit (422, naming the field); a system that could not be asked never does (DESIGN 17): the submit goes on and the
change's history records the warning, in the same write as the submit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal, Protocol

from ccm.domain.objects import AnyObject, Change, ModificationType
from ccm.workflow.actor import Actor
from ccm.workflow.errors import InvalidInput, Problem

UNKNOWN: Final = "unknown"
UNREACHABLE: Final = "unreachable"


@dataclass(frozen=True)
class TicketVerdict:
    field: Literal["snowTicket", "jiraTicket"]
    """The change's field, as the API names it."""
    verdict: Literal["unknown", "unreachable"]
    message: str


@dataclass(frozen=True)
class CreatedTicket:
    number: str
    sys_id: str


class TicketChecker(Protocol):
    """ServiceNow and Jira as the API sees them (implemented in :mod:`ccm.integrations.checks`)."""

    def check(self, change: Change) -> list[TicketVerdict]:
        """The problems of the tickets ``change`` names (none when they exist or checking is off)."""
        ...

    def links(self, change: Change) -> list[dict[str, str | None]]:
        """Each ticket the change names: ``system``, ``ticket``, ``url``, current ``state`` (or a ``problem``)."""
        ...

    def creates(self) -> bool:
        """Whether ServiceNow is configured, so that a change request can be created from the portal."""
        ...

    def create(self, change: Change, portal_url: str) -> CreatedTicket:
        """Create (or find, by ccm's id) the change's ServiceNow change request; :class:`NotAvailable` when
        ServiceNow is not configured or cannot be reached."""
        ...


def check_tickets(checker: TicketChecker | None, obj: AnyObject) -> list[TicketVerdict]:
    """The warnings to record; :class:`InvalidInput` when a named ticket does not exist."""
    if checker is None or not isinstance(obj, Change):
        return []
    verdicts = checker.check(obj)
    unknown = [Problem(verdict.field, verdict.message) for verdict in verdicts if verdict.verdict == UNKNOWN]
    if unknown:
        raise InvalidInput(unknown)
    return [verdict for verdict in verdicts if verdict.verdict == UNREACHABLE]


def record_ticket_warnings(obj: AnyObject, warnings: list[TicketVerdict], actor: Actor, at: datetime) -> None:
    for warning in warnings:
        obj.record(
            ModificationType.TICKET_WARNING,
            actor.email,
            at,
            request_id=actor.request_id,
            detail=f"{warning.field}: {warning.message}",
        )
