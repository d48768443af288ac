"""``ccm customers``: check that every customer's roles work before anything depends on them."""

from __future__ import annotations

import typer

from ccm.cli.common import cli_errors, settings
from ccm.cli.fleet import (
    Column,
    customer_clients,
)
from ccm.cli.options import FleetOptions, fleet_command
from ccm.customer_checks import CustomerCheck, check_customer

app = typer.Typer(help="Customers of config.json, checked against AWS.", no_args_is_help=True)


@app.command("validate")
@cli_errors
@fleet_command()
def validate(
    *,
    fleet: FleetOptions,
    identity_center: bool = typer.Option(
        True, "--identity-center/--no-identity-center", help="Also assume each identity_center_role_arn."
    ),
) -> None:
    """Assume each customer's SES role (and Identity Center role) and confirm the account with GetCallerIdentity."""
    clients = customer_clients()
    fleet.run(
        "customers",
        settings().config,
        lambda customer: check_customer(clients, customer, identity_center=identity_center),
        columns=[
            Column[CustomerCheck]("roles", lambda c: ", ".join(f"{r.purpose}: {r.actual_account}" for r in c.roles))
        ],
        document=lambda c: {"roles": [r.as_document() for r in c.roles]},
        problem=lambda c: c.problem,
    )
