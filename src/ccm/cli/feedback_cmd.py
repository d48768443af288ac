"""``ccm feedback``: customers' ratings of completed changes and announcements, and the key that signs the links."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ccm.cli.common import JsonOption, cli_errors, console, emit_json, settings
from ccm.domain.csv_export import to_csv
from ccm.storage.feedback import DynamoFeedbackKeys
from ccm.workflow import Services
from ccm.workflow.feedback import EXPORT_HEADER, export_period, export_rows

app = typer.Typer(help="Customers' ratings after a change or announcement completes.", no_args_is_help=True)
FromOption = typer.Option(None, "--from", help="First day (YYYY-MM-DD); default: 90 days before --to.")
UntilOption = typer.Option(None, "--to", help="Last day (YYYY-MM-DD, included); default: today.")
CustomerOption = typer.Option(None, "--customer", "-c", help="Only this customer's answers.")
OutputOption = typer.Option(None, "--output", "-o", help="Write the CSV here instead of to stdout.")


@app.command("export")
@cli_errors
def export(
    start: str | None = FromOption,
    end: str | None = UntilOption,
    customer: str | None = CustomerOption,
    output: Path | None = OutputOption,
) -> None:
    """Every answer given in the period as CSV, newest first (addresses only where feedback.store_recipient)."""
    current = settings()
    services = Services.from_settings(current)
    if customer is not None:
        current.config.customer(customer)
    since, until = export_period(start, end, services.clock().date())
    text = to_csv(EXPORT_HEADER, export_rows(services, since, until, customer))
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8")
    console.print(f"wrote {text.count(chr(10)) - 1} answers to {output}", highlight=False)


@app.command("rotate-key")
@cli_errors
def rotate_key(as_json: bool = JsonOption) -> None:
    """Sign rating links with a new key; links signed with the one before keep working, older ones stop."""
    keys = DynamoFeedbackKeys(settings().table).rotate()
    previous = keys.previous.key_id if keys.previous else None
    if as_json:
        emit_json({"current": keys.current.key_id, "previous": previous})
        return
    console.print(f"signing with {keys.current.key_id}; still accepted: {previous}", highlight=False)
