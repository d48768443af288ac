"""``ccm integrations``: whether ServiceNow and Jira, as config.json names them, answer and accept ccm's credentials."""

from __future__ import annotations

import typer

from ccm.cli.common import JsonOption, cli_errors, console, emit_json, fail, settings, table
from ccm.integrations.checks import check_reachable
from ccm.integrations.wiring import build_clients

app = typer.Typer(help="ServiceNow and Jira, the systems a change's tickets live in.", no_args_is_help=True)


@app.command("check")
@cli_errors
def check(as_json: bool = JsonOption) -> None:
    """Ask each configured system something harmless with ccm's credentials: exit 1 if any is unreachable or
    refuses them."""
    clients = build_clients(settings().config.integrations)
    if not clients.any:
        raise fail("no integration is configured (config.json integrations.servicenow / integrations.jira)")
    results = check_reachable(clients)
    if as_json:
        emit_json([{"system": r.system, "address": r.address, "ok": r.ok, "detail": r.detail} for r in results])
    else:
        rows = [(r.system, r.address, "ok" if r.ok else "FAILED", r.detail) for r in results]
        console.print(table("Integrations", ("System", "Address", "Result", "Detail"), rows))
    if not all(result.ok for result in results):
        raise typer.Exit(1)
