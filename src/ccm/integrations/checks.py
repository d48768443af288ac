"""Asking ServiceNow and Jira about the tickets a change names: on submit (exists or not), for the portal (the
current state, kept a minute), and for ``ccm integrations check`` (reachable and authorised).

A check never raises because the other system is down: it answers "unreachable" and the caller decides (a submit
records a warning, the portal shows the link without a state).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ccm.channels.secrets import SecretMissing
from ccm.domain.objects import Change
from ccm.integrations.http import Refused, Unreachable
from ccm.integrations.jira import ISSUE_KEY
from ccm.integrations.payloads import change_request_fields
from ccm.integrations.wiring import Clients
from ccm.workflow.errors import NotAvailable
from ccm.workflow.ticket_checks import UNKNOWN, UNREACHABLE, CreatedTicket, TicketVerdict

KEPT_SECONDS = 60.0


class SubmitChecks:
    """The workflow's :class:`~ccm.workflow.ticket_checks.TicketChecker`, over the configured clients."""

    def __init__(self, clients: Clients) -> None:
        self.clients = clients

    def check(self, change: Change) -> list[TicketVerdict]:
        verdicts: list[TicketVerdict] = []
        servicenow, jira = self.clients.servicenow, self.clients.jira
        number = change.snow_ticket.strip()
        if number and servicenow is not None and servicenow.config.validate_ticket_numbers:
            try:
                if servicenow.find_number(number) is None:
                    verdicts.append(TicketVerdict("snowTicket", UNKNOWN, f"ServiceNow has no change request {number}"))
            except (Unreachable, Refused, SecretMissing) as error:
                verdicts.append(TicketVerdict("snowTicket", UNREACHABLE, f"not checked: {error}"))
        key = change.jira_ticket.strip()
        if key and jira is not None and jira.config.validate_issue_keys:
            if not ISSUE_KEY.match(key):
                verdicts.append(TicketVerdict("jiraTicket", UNKNOWN, f"{key!r} is not a Jira issue key such as OPS-12"))
                return verdicts
            try:
                if jira.issue(key) is None:
                    verdicts.append(TicketVerdict("jiraTicket", UNKNOWN, f"Jira has no issue {key}"))
            except (Unreachable, Refused, SecretMissing) as error:
                verdicts.append(TicketVerdict("jiraTicket", UNREACHABLE, f"not checked: {error}"))
        return verdicts


@dataclass(frozen=True)
class TicketLink:
    system: str
    """``servicenow`` or ``jira``."""
    ticket: str
    url: str | None
    state: str | None
    """The ticket's current state in the other system; ``None`` when it could not be asked (``problem`` says why)."""
    problem: str | None = None

    def as_document(self) -> dict[str, str | None]:
        return {
            "system": self.system,
            "ticket": self.ticket,
            "url": self.url,
            "state": self.state,
            "problem": self.problem,
        }


class TicketStates:
    """The portal's view of a change's tickets, each asked at most once a minute per process."""

    def __init__(
        self, clients: Clients, *, kept_seconds: float = KEPT_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.clients = clients
        self.kept_seconds = kept_seconds
        self.clock = clock
        self._kept: dict[tuple[str, str], tuple[float, TicketLink]] = {}
        self._lock = threading.Lock()

    def links(self, change: Change) -> list[TicketLink]:
        links: list[TicketLink] = []
        if change.snow_ticket.strip():
            links.append(self._kept_or(("servicenow", change.snow_ticket.strip()), lambda: self._servicenow(change)))
        if change.jira_ticket.strip():
            links.append(self._kept_or(("jira", change.jira_ticket.strip()), lambda: self._jira(change)))
        return links

    def forget(self, system: str, ticket: str) -> None:
        with self._lock:
            self._kept.pop((system, ticket), None)

    def _kept_or(self, key: tuple[str, str], fetch: Callable[[], TicketLink]) -> TicketLink:
        now = self.clock()
        with self._lock:
            kept = self._kept.get(key)
        if kept is not None and now - kept[0] < self.kept_seconds:
            return kept[1]
        link = fetch()
        with self._lock:
            self._kept[key] = (now, link)
        return link

    def _servicenow(self, change: Change) -> TicketLink:
        number = change.snow_ticket.strip()
        client = self.clients.servicenow
        if client is None:
            return TicketLink("servicenow", number, None, None, "ServiceNow is not configured")
        try:
            record = client.find_number(number)
        except (Unreachable, Refused, SecretMissing) as error:
            url = client.record_url(change.snow_sys_id) if change.snow_sys_id else None
            return TicketLink("servicenow", number, url, None, str(error))
        if record is None:
            return TicketLink("servicenow", number, None, None, f"ServiceNow has no change request {number}")
        return TicketLink("servicenow", number, client.record_url(record.sys_id), record.state_name)

    def _jira(self, change: Change) -> TicketLink:
        key = change.jira_ticket.strip()
        client = self.clients.jira
        if client is None:
            return TicketLink("jira", key, None, None, "Jira is not configured")
        url = client.browse_url(key) if ISSUE_KEY.match(key) else None
        if url is None:
            return TicketLink("jira", key, None, None, f"{key!r} is not a Jira issue key")
        try:
            issue = client.issue(key)
        except (Unreachable, Refused, SecretMissing) as error:
            return TicketLink("jira", key, url, None, str(error))
        if issue is None:
            return TicketLink("jira", key, None, None, f"Jira has no issue {key}")
        return TicketLink("jira", key, url, issue.status)


@dataclass(frozen=True)
class Reachability:
    system: str
    address: str
    ok: bool
    detail: str


def check_reachable(clients: Clients) -> list[Reachability]:
    """Whether each configured system answers and accepts our credentials (``ccm integrations check``)."""
    results: list[Reachability] = []
    if clients.servicenow is not None:
        client = clients.servicenow
        address = client.config.instance_url
        try:
            client.find_number("CHG0000000")
            results.append(Reachability("servicenow", address, True, "reachable; the change_request table is readable"))
        except (Unreachable, Refused, SecretMissing) as error:
            results.append(Reachability("servicenow", address, False, str(error)))
    if clients.jira is not None:
        jira = clients.jira
        try:
            answer = jira.myself()
        except SecretMissing as error:
            results.append(Reachability("jira", jira.config.base_url, False, str(error)))
        else:
            if answer.ok:
                document = answer.json()
                name = document.get("displayName") if isinstance(document, dict) else None
                results.append(
                    Reachability("jira", jira.config.base_url, True, f"reachable; signed in as {name or '?'}")
                )
            else:
                results.append(Reachability("jira", jira.config.base_url, False, f"Jira answered {answer.describe()}"))
    return results


class ApiTickets:
    """Everything the API asks of ServiceNow and Jira (the workflow's ``TicketChecker`` port)."""

    def __init__(self, clients: Clients, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.clients = clients
        self.submit_checks = SubmitChecks(clients)
        self.states = TicketStates(clients, clock=clock)

    def check(self, change: Change) -> list[TicketVerdict]:
        return self.submit_checks.check(change)

    def links(self, change: Change) -> list[dict[str, str | None]]:
        return [link.as_document() for link in self.states.links(change)]

    def creates(self) -> bool:
        return self.clients.servicenow is not None

    def create(self, change: Change, portal_url: str) -> CreatedTicket:
        client = self.clients.servicenow
        if client is None:
            raise NotAvailable("ServiceNow is not configured (config.json integrations.servicenow)")
        try:
            record = client.find_correlated(change.change_id) or client.create(
                change_request_fields(change, client.config, portal_url)
            )
        except (Unreachable, Refused, SecretMissing) as error:
            raise NotAvailable(f"could not create the change request: {error}") from None
        self.states.forget("servicenow", record.number)
        return CreatedTicket(number=record.number, sys_id=record.sys_id)


def api_tickets(clients: Clients) -> ApiTickets | None:
    return ApiTickets(clients) if clients.any else None
