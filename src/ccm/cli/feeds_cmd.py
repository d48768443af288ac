"""``ccm feeds``: each customer's maintenance-calendar address (``/feeds/<customer>/<token>.ics``)."""

from __future__ import annotations

import typer

from ccm.cli.common import JsonOption, cli_errors, console, emit_json, settings
from ccm.settings import Settings
from ccm.storage.feed_tokens import DynamoFeedTokens
from ccm.workflow.feeds import feed_path

app = typer.Typer(help="Customers' maintenance calendars to subscribe to.", no_args_is_help=True)
CustomerOption = typer.Option(..., "--customer", "-c", help="Customer code.")


def _addresses(current: Settings, code: str, token: str) -> dict[str, str]:
    portal = current.config.email_config.portal_base_url
    return {
        "customer": code,
        "ics": portal + feed_path(code, token),
        "page": portal + feed_path(code, token, ics=False),
    }


def _print(addresses: dict[str, str], as_json: bool, note: str) -> None:
    if as_json:
        emit_json(addresses)
        return
    console.print(
        f"{note}\ncalendar: {addresses['ics']}\npage:     {addresses['page']}", highlight=False, soft_wrap=True
    )


@app.command("url")
@cli_errors
def url(customer: str = CustomerOption, as_json: bool = JsonOption) -> None:
    """Print the customer's feed address (its token is made on first use and kept until rotated)."""
    current = settings()
    name = current.config.customer(customer).customer_name
    token = DynamoFeedTokens(current.table).issue(customer)
    _print(_addresses(current, customer, token), as_json, f"Planned maintenance for {name}: give these to the customer")


@app.command("rotate")
@cli_errors
def rotate(customer: str = CustomerOption, as_json: bool = JsonOption) -> None:
    """Replace the customer's token: the old address answers 404 from now on (cached copies for 5 minutes)."""
    current = settings()
    current.config.customer(customer)
    token = DynamoFeedTokens(current.table).rotate(customer)
    _print(_addresses(current, customer, token), as_json, "new address; the old one no longer works")
