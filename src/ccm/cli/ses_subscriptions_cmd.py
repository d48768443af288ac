"""``ccm ses subscriptions``: apply SubscriptionConfig.json (bulk topic subscriptions) to customers' contact lists."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import boto3
import typer
from rich.markup import escape

from ccm.aws.clients import RETRY_CONFIG
from ccm.cli.common import cli_errors, console, settings
from ccm.cli.fleet import (
    Column,
    DryRunOption,
    WritesOnProgressBar,
    exit_on_failure,
    print_summary,
    progress_bar,
)
from ccm.cli.operator_records import Audited, contact_list_details, list_or_contacts_changed, record_actions
from ccm.cli.options import FleetOptions, fleet_command
from ccm.contact_import.record import GrantRecordStore
from ccm.domain.operator_audit import OperatorAction
from ccm.fleet import Outcome, run_each
from ccm.ses_admin.subscription_record import SubscriptionRecordStore
from ccm.ses_admin.subscriptions import ApplyOptions, SubscriptionApplier, SubscriptionResult
from ccm.subscription_config import load_subscription_config

app = typer.Typer(help="Bulk topic subscriptions from SubscriptionConfig.json.", no_args_is_help=True)

FileOption = typer.Option(
    None,
    "--file",
    help="The subscriptions file (default: $CCM_SUBSCRIPTION_CONFIG or ./SubscriptionConfig.json).",
)
PruneOption = typer.Option(
    False,
    "--prune",
    help="Also withdraw the OPT_INs this command granted earlier to addresses or topics no longer listed.",
)
SAMPLE = 5


COLUMNS: list[Column[SubscriptionResult]] = [
    Column("listed", lambda r: r.listed),
    Column("contacts before", lambda r: r.contacts_before),
    Column("created", lambda r: r.created),
    Column("updated", lambda r: r.updated),
    Column("removed", lambda r: r.removed),
    Column("unchanged", lambda r: r.unchanged),
    Column("unsubscribed", lambda r: len(r.unsubscribed)),
    Column("opted out", lambda r: len(r.opted_out)),
    Column("awaiting --prune", lambda r: len(r.awaiting_prune)),
    Column("list", lambda r: r.list_outcome),
]


def _sample(items: Sequence[str]) -> str:
    more = f" … and {len(items) - SAMPLE} more" if len(items) > SAMPLE else ""
    return escape(", ".join(items[:SAMPLE])) + more


def _print_notes(outcomes: list[Outcome[SubscriptionResult]]) -> None:
    for outcome in outcomes:
        result = outcome.value
        if result is None:
            continue
        notes = [
            ("left alone, unsubscribed from everything", result.unsubscribed),
            ("left alone, opted out", result.opted_out),
            ("no longer listed, kept until --prune", result.awaiting_prune),
            ("listed but outside restricted_recipients, never mailed", result.not_mailed),
            *((f"would {kind}", emails) for kind, emails in result.planned.items()),
        ]
        for label, items in notes:
            if items:
                console.print(f"{outcome.key}: {label}: {_sample(items)}", highlight=False)


@app.command("apply")
@cli_errors
@fleet_command(rates=("ses",))
def apply(
    file: Path | None = FileOption,
    *,
    fleet: FleetOptions,
    dry_run: bool = DryRunOption,
    prune: bool = PruneOption,
) -> None:
    """Subscribe every address of the file to its topics on each customer's contact list, writing only the
    difference.

    A listed address becomes a contact (the list is created when missing) with an explicit OPT_IN on its topics.
    A person's own opt-outs and unsubscribe-all are kept and reported; what the Identity Center import granted
    is never withdrawn. What this command granted is recorded in the bucket (subscription-grants/<code>.json), so
    --prune withdraws exactly that once an address or topic leaves the file.
    """
    current = settings()
    config = current.config
    path = file or Path(current.subscription_config_path)
    subscriptions = load_subscription_config(path, config, current.ses_config)
    selected = fleet.customers(config)
    s3 = boto3.client("s3", config=RETRY_CONFIG)
    imported = GrantRecordStore(s3, current.bucket)
    if not fleet.as_json:
        console.print(
            f"applying {escape(str(path))} ({subscriptions.address_count()} addresses) to {len(selected)} "
            f"customer(s), {fleet.max_concurrency} at a time; SES "
            + (f"{fleet.ses_rps:g} req/s" if fleet.ses_rps else "no rate limit")
            + ("; [bold]prune[/]" if prune else "")
            + ("; [bold]dry run[/]" if dry_run else ""),
            highlight=False,
        )
    with progress_bar("applying", quiet=fleet.as_json) as progress:
        customers_task = progress.add_task("customers", total=len(selected))
        writes_task = progress.add_task("contact writes", total=0)
        applier = SubscriptionApplier(
            fleet.clients(),
            current.ses_config,
            subscriptions,
            SubscriptionRecordStore(s3, current.bucket),
            lambda code: imported.read(code).grants,
            ApplyOptions(dry_run=dry_run, prune=prune),
            WritesOnProgressBar(progress, writes_task),
        )
        outcomes = run_each(
            selected,
            applier.run,
            key=lambda c: c.customer_code,
            max_concurrency=fleet.max_concurrency,
            problem=lambda r: r.problem,
            on_done=lambda _: progress.advance(customers_task),
        )
    title = "subscriptions (dry run)" if dry_run else "subscriptions"
    print_summary(
        title,
        outcomes,
        as_json=fleet.as_json,
        columns=COLUMNS,
        document=lambda r: r.as_document(),
        extra={"file": str(path), "dry_run": dry_run, "prune": prune},
    )
    if not fleet.as_json:
        _print_notes(outcomes)
    if not dry_run:
        record_actions(
            Audited[SubscriptionResult](
                OperatorAction.SUBSCRIPTIONS_APPLIED, contact_list_details, list_or_contacts_changed
            ),
            outcomes,
            file=path.name,
            prune=prune,
        )
    exit_on_failure(outcomes)
