"""What every per-customer command shares: choosing customers, bounded concurrency, one summary, exit code."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from ccm.aws.customer_clients import IDENTITY_CENTER_REQUESTS_PER_SECOND, SES_REQUESTS_PER_SECOND, CustomerClients
from ccm.cli.common import console, emit_json, err_console, fail, table
from ccm.cli.operator_records import Audited, record_actions
from ccm.config import AppConfig, CustomerMapping
from ccm.errors import UnknownCustomer
from ccm.fleet import Outcome, run_each
from ccm.ses_admin.contact_changes import WriteProgress

T = TypeVar("T")

CustomersOption = typer.Option(None, "--customer", "-c", help="Customer code; repeat for several.")
AllOption = typer.Option(False, "--all", help="Every customer in config.json.")
DryRunOption = typer.Option(False, "--dry-run", help="Read and report what would change; write nothing.")
ConcurrencyOption = typer.Option(10, "--max-concurrency", min=1, help="Customers worked on at the same time.")
SesRateOption = typer.Option(
    SES_REQUESTS_PER_SECOND,
    "--ses-rps",
    min=0.0,
    help="SES contact/list API requests per second per customer account (SES allows about 1; 0 = no limit).",
)
IdentityCenterRateOption = typer.Option(
    None,
    "--ic-rps",
    min=0.0,
    help=f"Identity Center requests per second per directory (default identity_center.requests_per_second, "
    f"else {IDENTITY_CENTER_REQUESTS_PER_SECOND:g}; 0 = no limit).",
)


def chosen(config: AppConfig, codes: Sequence[str] | None, every: bool) -> list[CustomerMapping]:
    """The customers a command works on: ``--customer`` (repeatable) or ``--all``, exactly one of the two."""
    if every and codes:
        raise fail("give --customer or --all, not both", 2)
    if not every and not codes:
        raise fail("name the customer(s) with --customer CODE, or use --all", 2)
    if every:
        return [config.customer_mappings[code] for code in config.customer_codes]
    unknown = config.unknown_customers(list(codes or []))
    if unknown:
        raise UnknownCustomer(unknown)
    return [config.customer_mappings[code] for code in dict.fromkeys(codes or [])]


def customer_clients(ses_rate: float = SES_REQUESTS_PER_SECOND, ic_rate: float | None = None) -> CustomerClients:
    return CustomerClients(
        ses_rate=ses_rate, identity_center_rate=IDENTITY_CENTER_REQUESTS_PER_SECOND if ic_rate is None else ic_rate
    )


@dataclass(frozen=True)
class Column(Generic[T]):
    header: str
    cell: Callable[[T], Any]


def progress_bar(label: str, *, quiet: bool) -> Progress:
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=quiet,
        transient=True,
    )


class WritesOnProgressBar(WriteProgress):
    """Contact writes of every customer counted on one task of a progress bar, its total growing with each plan."""

    def __init__(self, progress: Progress, writes: TaskID) -> None:
        self.progress = progress
        self.writes = writes
        self.total = 0

    def planned(self, code: str, writes: int) -> None:
        self.total += writes
        self.progress.update(self.writes, total=self.total)

    def wrote(self, code: str) -> None:
        self.progress.advance(self.writes)


def run_for_customers(
    title: str,
    customers: Sequence[CustomerMapping],
    work: Callable[[CustomerMapping], T],
    *,
    max_concurrency: int,
    as_json: bool,
    columns: Sequence[Column[T]],
    document: Callable[[T], dict[str, Any]],
    problem: Callable[[T], str | None] | None = None,
    extra: dict[str, Any] | None = None,
    report: bool = True,
    audited: Audited[T] | None = None,
) -> list[Outcome[T]]:
    """Run, show progress, print one summary (table or JSON), record what changed in the audit log (``audited``);
    exit 1 afterwards if any customer failed."""
    with progress_bar(title, quiet=as_json) as progress:
        task = progress.add_task(title, total=len(customers))
        outcomes = run_each(
            customers,
            work,
            key=lambda customer: customer.customer_code,
            max_concurrency=max_concurrency,
            problem=problem,
            on_done=lambda _: progress.advance(task),
        )
    if report:
        print_summary(title, outcomes, as_json=as_json, columns=columns, document=document, extra=extra)
    record_actions(audited, outcomes)
    if report:
        exit_on_failure(outcomes)
    return outcomes


def print_summary(
    title: str,
    outcomes: Sequence[Outcome[T]],
    *,
    as_json: bool,
    columns: Sequence[Column[T]],
    document: Callable[[T], dict[str, Any]],
    extra: dict[str, Any] | None = None,
) -> None:
    failed = [o for o in outcomes if not o.ok]
    if as_json:
        results = []
        for outcome in outcomes:
            entry: dict[str, Any] = {"customer": outcome.key, "ok": outcome.ok, "error": outcome.error}
            if outcome.value is not None:
                entry.update(document(outcome.value))
            entry["customer"] = outcome.key
            entry["seconds"] = round(outcome.seconds, 3)
            results.append(entry)
        emit_json(
            {**(extra or {}), "results": results, "succeeded": len(outcomes) - len(failed), "failed": len(failed)}
        )
        return
    rows = []
    for outcome in outcomes:
        cells = [column.cell(outcome.value) if outcome.value is not None else "" for column in columns]
        status = "[green]ok[/]" if outcome.ok else "[red]failed[/]"
        rows.append([outcome.key, status, *cells, f"{outcome.seconds:.1f}s", escape(outcome.error or "")])
    headers = ["customer", "status", *(column.header for column in columns), "time", "error"]
    console.print(table(f"{title}: {len(outcomes) - len(failed)} ok, {len(failed)} failed", headers, rows))


def exit_on_failure(outcomes: Sequence[Outcome[Any]]) -> None:
    if any(not outcome.ok for outcome in outcomes):
        raise typer.Exit(1)


def report_failures(outcomes: Sequence[Outcome[Any]]) -> None:
    """After a data table: name the customers that failed, and exit 1 if there were any."""
    failed = [outcome for outcome in outcomes if not outcome.ok]
    if failed:
        rows = [[outcome.key, escape(outcome.error or "")] for outcome in failed]
        console.print(table(f"{len(failed)} customer(s) failed", ["customer", "error"], rows))
        raise typer.Exit(1)
