"""``ccm audit``: check the audit log is complete, export the audit trail; ``ccm report``: the quarterly numbers."""

from __future__ import annotations

import getpass
import json
import sys
from datetime import date
from pathlib import Path

import typer

from ccm.audit.archive_versions import ArchiveVersions
from ccm.audit.verify import verify
from ccm.cli.common import JsonOption, cli_errors, console, emit_json, fail, settings, table
from ccm.domain.csv_export import to_csv
from ccm.domain.report_tables import TABLES, report_tables
from ccm.storage.audit_log import AuditLog
from ccm.storage.templates import DynamoTemplates
from ccm.workflow import Actor, Services
from ccm.workflow.insights import audit_trail, report_summary

app = typer.Typer(help="The append-only audit log: check it and export it.", no_args_is_help=True)

TRAIL_FIELDS = ("object_id", "version", "event", "actor", "on_behalf_of", "time", "comment", "customers", "outcome")
TRAIL_HEADER = ("object", "version", "event", "who", "on behalf of", "when", "comment", "customers", "outcome")
OutputOption = typer.Option(None, "--output", "-o", help="Write here instead of standard output.")
From = typer.Option(..., "--from", help="First day, YYYY-MM-DD (UTC).")
To = typer.Option(..., "--to", help="Last day, YYYY-MM-DD (UTC), included.")


def operator() -> Actor:
    """Whoever holds the AWS credentials reads what admins read in the portal."""
    return Actor(email=f"{getpass.getuser()}@cli", is_admin=True, is_approver=True)


def _day(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{name} {value!r} is not a day (YYYY-MM-DD)", 2) from None


@app.command("verify")
@cli_errors
def verify_command(start: str = From, end: str = To, as_json: bool = JsonOption) -> None:
    """Check that every archive write in the period, and each template's current version written in it, has its
    audit events; list the gaps (exit 1 if any)."""
    first, last = _day("--from", start), _day("--to", end)
    if first > last:
        raise fail(f"--to {end} is before --from {start}", 2)
    current = settings()
    archive, log = ArchiveVersions(current.bucket), AuditLog(current.audit_bucket)
    result = verify(archive, log, first, last, templates=DynamoTemplates(current.table))
    gaps = [[gap.key, gap.version_id, gap.written_at.isoformat(), gap.event_key] for gap in result.gaps]
    if as_json:
        emit_json({"writes": result.writes, "events": result.events, "gaps": gaps, "complete": result.complete})
    else:
        console.print(
            f"{result.writes} archive and template writes from {first} to {last}, {result.events} audit events expected"
        )
        if gaps:
            console.print(table(f"{len(gaps)} missing", ["archive key", "version", "written", "missing event"], gaps))
        else:
            console.print("every write has its audit events")
    if not result.complete:
        raise typer.Exit(1)


@app.command("export")
@cli_errors
def export_command(
    start: str = From,
    end: str = To,
    format: str = typer.Option("csv", "--format", help="csv or json"),
    output: Path | None = OutputOption,
) -> None:
    """Every audit event (transitions, decisions, edits, delivery summaries) in the period, oldest first."""
    if format not in ("csv", "json"):
        raise fail(f"--format {format!r}: choose csv or json", 2)
    first, last = _day("--from", start), _day("--to", end)
    services = Services.from_settings(settings())
    entries = []
    cursor: str | None = None
    while True:
        page = audit_trail(
            services, operator(), start=first.isoformat(), end=last.isoformat(), limit=1000, cursor=cursor
        )
        entries.extend(page.entries)
        if page.cursor is None:
            break
        cursor = page.cursor
    if format == "json":
        text = json.dumps([entry.public() for entry in entries], indent=2) + "\n"
    else:
        rows = [
            [" ".join(v) if isinstance(v, list) else v for v in (getattr(entry, name) for name in TRAIL_FIELDS)]
            for entry in entries
        ]
        text = to_csv(TRAIL_HEADER, rows)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"{len(entries)} events written to {output}")


@cli_errors
def report_command(
    start: str = typer.Option(..., "--from", help="First month, YYYY-MM."),
    end: str = typer.Option(..., "--to", help="Last month, YYYY-MM, included."),
    customer: str | None = typer.Option(None, "--customer", "-c", help="One customer's numbers."),
    format: str = typer.Option("table", "--format", help="table, csv or json"),
    table_name: str = typer.Option("months", "--table", help=f"With --format csv: which table ({', '.join(TABLES)})."),
    listed: int = typer.Option(
        1000, "--listed", help="How many of the changes below the notice minimum to list, least notice first."
    ),
) -> None:
    """The numbers of the reports page for a period: changes by type and risk, emergency share, approval and notice
    lead times, outcomes per customer, the changes with too little notice."""
    if format not in ("table", "csv", "json"):
        raise fail(f"--format {format!r}: choose table, csv or json", 2)
    if table_name not in TABLES:
        raise fail(f"--table {table_name!r}: choose one of {', '.join(TABLES)}", 2)
    services = Services.from_settings(settings())
    summary = report_summary(services, operator(), start=start, end=end, customer=customer, listed=listed).public()
    if format == "json":
        emit_json(summary)
        return
    tables = report_tables(summary)
    if format == "csv":
        header, rows = tables[table_name]
        sys.stdout.write(to_csv(header, rows))
        return
    totals = summary["totals"]
    scope = f" for {customer}" if customer else ""
    console.print(
        f"{summary['from']} to {summary['to']}{scope}: {totals['changes']} changes, "
        f"{totals['emergencies']} emergencies ({totals['emergencyShare']:.1%}), {totals['deliveries']} deliveries"
    )
    minimum = summary["noticeLeadTime"]["minimumHours"]
    titles = {
        "months": "changes per month",
        "approval": "approval lead time (submitted to approved)",
        "notice": f"customer notice (first email to window start; minimum {minimum} h)",
        "outcomes": "outcomes per customer",
        "below": "changes with less notice than the minimum",
    }
    if not summary["belowNoticeMinimumComplete"]:
        below = summary["noticeLeadTime"]["belowMinimum"]
        titles["below"] += f" (the {len(summary['belowNoticeMinimum'])} with the least of {below}; more with --listed)"
    for name, (header, rows) in tables.items():
        console.print(table(titles[name], header, rows))
