"""``ccm alt-contact``: security, billing and operations contacts on every account of customers' organizations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from ccm.alt_contacts import ContactOutcome, Organization, alt_contact_role, contact_types, load_contacts
from ccm.aws.customer_clients import CustomerClients
from ccm.cli.common import cli_errors, console, settings, table
from ccm.cli.fleet import (
    Column,
    DryRunOption,
    customer_clients,
    exit_on_failure,
    print_summary,
    progress_bar,
)
from ccm.cli.options import FleetOptions, fleet_command
from ccm.config import AppConfig
from ccm.fleet import run_each

app = typer.Typer(help="Alternate contacts on every account of each customer's organization.", no_args_is_help=True)

TypesOption = typer.Option(..., "--type", "-t", help="security, billing or operations; repeat or comma-separate.")
ContactFileOption = typer.Option(None, "--contact-config", help="ContactConfig.json (default: contact_config).")


def _organizations(config: AppConfig, fleet: FleetOptions) -> dict[str, list[str]]:
    """Role ARN -> customer codes: customers of one organization are worked on once."""
    groups: dict[str, list[str]] = {}
    for customer in fleet.customers(config):
        groups.setdefault(alt_contact_role(config, customer), []).append(customer.customer_code)
    return groups


def _organization(clients: CustomerClients, config: AppConfig, role_arn: str) -> Organization:
    name = "ccm-alt-contact-manager"
    return Organization(
        clients.client(role_arn, config.aws_region, "organizations", name),
        clients.client(role_arn, config.aws_region, "account", name),
        role_arn.split(":")[4],
    )


def _run(
    title: str,
    fleet: FleetOptions,
    work: Callable[[Organization], list[ContactOutcome]],
) -> None:
    config = settings().config
    organizations = _organizations(config, fleet)
    clients = customer_clients()
    labels = {role: "+".join(codes) for role, codes in organizations.items()}
    with progress_bar(title, quiet=fleet.as_json) as progress:
        task = progress.add_task(title, total=len(organizations))
        outcomes = run_each(
            list(organizations),
            lambda role: work(_organization(clients, config, role)),
            key=lambda role: labels[role],
            max_concurrency=fleet.max_concurrency,
            on_done=lambda _: progress.advance(task),
        )
    if not fleet.as_json:
        rows = [
            [o.key, escape(c.account_name), c.account_id, c.type, c.outcome]
            for o in outcomes
            if o.value
            for c in o.value
        ]
        console.print(table(title, ["customers", "account", "id", "type", "outcome"], rows))

    def counts(done: list[ContactOutcome]) -> str:
        tally: dict[str, int] = {}
        for outcome in done:
            tally[outcome.outcome] = tally.get(outcome.outcome, 0) + 1
        return ", ".join(f"{n} {word}" for word, n in sorted(tally.items()))

    columns: list[Column[list[ContactOutcome]]] = [
        Column("accounts", lambda done: len({c.account_id for c in done})),
        Column("outcomes", counts),
    ]

    def document(done: list[ContactOutcome]) -> dict[str, Any]:
        return {"contacts": [c.as_document() for c in done]}

    print_summary(title, outcomes, as_json=fleet.as_json, columns=columns, document=document)
    exit_on_failure(outcomes)


@app.command("show")
@cli_errors
@fleet_command()
def show(
    *,
    fleet: FleetOptions,
) -> None:
    """The current alternate contacts (their email) of every account (all pages of ListAccounts)."""
    _run(
        "alternate contacts",
        fleet,
        Organization.show,
    )


@app.command("set")
@cli_errors
@fleet_command()
def set_contacts(
    *,
    fleet: FleetOptions,
    contact_config: Path | None = ContactFileOption,
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace contacts that differ (default: keep them)."),
    dry_run: bool = DryRunOption,
) -> None:
    """Add the configured contacts where missing (and, with --overwrite, replace ones that differ)."""
    contacts = load_contacts(settings().config, contact_config)
    _run(
        "set alternate contacts",
        fleet,
        lambda organization: organization.set(contacts, overwrite=overwrite, dry_run=dry_run),
    )


@app.command("delete")
@cli_errors
@fleet_command()
def delete(
    types: list[str] = TypesOption,
    *,
    fleet: FleetOptions,
    dry_run: bool = DryRunOption,
) -> None:
    """Delete the named contact types from every account."""
    wanted = contact_types(part for value in types for part in value.split(",") if part.strip())
    _run(
        "delete alternate contacts",
        fleet,
        lambda organization: organization.delete(wanted, dry_run=dry_run),
    )
