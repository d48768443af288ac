"""``ccm local``: resources for the local stack and the tests."""

from __future__ import annotations

import typer

from ccm.cli.common import JsonOption, cli_errors, console, emit_json, settings, table
from ccm.provision import Provisioner

app = typer.Typer(help="Local development helpers.", no_args_is_help=True)


@app.command("provision")
@cli_errors
def provision(
    with_ses: bool = typer.Option(True, "--ses/--no-ses", help="Also create each customer's SES contact list."),
    visibility_timeout: int = typer.Option(900, help="SQS visibility timeout of the customer queues, seconds."),
    as_json: bool = JsonOption,
) -> None:
    """Create the buckets (data and audit), queues, notifications, table and SES lists on the current AWS endpoint."""
    current = settings()
    report = Provisioner(
        current.config,
        current.ses_config,
        current.bucket,
        current.table,
        visibility_timeout=visibility_timeout,
        audit_bucket=current.audit_bucket,
        router=True,
        progress=(lambda message: None) if as_json else (lambda message: console.print(f"[dim]{message}[/]")),
    ).run(with_ses=with_ses)
    if as_json:
        emit_json({"actions": report.actions, "queues": report.queue_urls})
        return
    console.print(table("provisioned", ["resource", "name", "outcome"], report.actions))
