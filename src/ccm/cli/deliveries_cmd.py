"""``ccm deliveries``, ``ccm deliverability`` and ``ccm triggers``: delivery proof and dead letters for operators.

The command line acts as an administrator (it runs with the deployment's own AWS credentials), through the same
service functions the portal's API calls.
"""

from __future__ import annotations

import getpass
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import typer

from ccm.aws.clients import RETRY_CONFIG
from ccm.cli.common import JsonOption, cli_errors, console, emit_json, fail, settings, table
from ccm.cli.options import FleetOptions, fleet_command
from ccm.dead_letters import DeadLetters
from ccm.domain.deliveries import BOUNCE_THRESHOLD, COMPLAINT_THRESHOLD
from ccm.domain.ids import is_change_id
from ccm.storage.trigger_failures import TriggerFailures
from ccm.workflow import Actor, Services
from ccm.workflow.commands import Kind
from ccm.workflow.deliveries import deliverability, delivery_report

deliveries_app = typer.Typer(help="Who received each notice of a change or announcement.", no_args_is_help=True)
deliverability_app = typer.Typer(help="Each customer account's bounce and complaint rates.", no_args_is_help=True)
triggers_app = typer.Typer(help="Triggers that failed every retry: list and redrive them.", no_args_is_help=True)

CustomerOption = typer.Option(None, "--customer", "-c", help="Customer code (repeatable where it says so).")
PAGE = 500


def operator() -> Actor:
    return Actor(email=f"cli:{getpass.getuser()}", is_admin=True, is_approver=True)


def services() -> Services:
    return Services.from_settings(settings())


@deliveries_app.command("show")
@cli_errors
def show(
    object_id: str = typer.Argument(..., help="CHG-..., CIC-, FIN-, INN- or GEN- id"),
    customer: str | None = CustomerOption,
    as_json: bool = JsonOption,
) -> None:
    """Counts per customer and event, then every recipient with status, time and bounce reason."""
    current = services()
    if customer is not None:
        current.config.customer(customer)
    kind: Kind = "change" if is_change_id(object_id) else "announcement"
    first = delivery_report(current, operator(), object_id, kind=kind, customer=customer, limit=PAGE)
    recipients, cursor = list(first.recipients), first.next_cursor
    while cursor:
        page = delivery_report(current, operator(), object_id, kind=kind, customer=customer, limit=PAGE, cursor=cursor)
        recipients.extend(page.recipients)
        cursor = page.next_cursor
    if as_json:
        emit_json({**first.public(), "recipients": recipients, "nextCursor": None})
        return
    if not first.summaries:
        console.print(f"no email of {object_id} is in the delivery ledger" + (f" for {customer}" if customer else ""))
        return
    console.print(
        table(
            f"{object_id} (version {first.version})",
            ["customer", "event", "version", "delivered", "pending", "bounced", "complained", "suppressed"],
            [[s.customer_code, s.event, s.version, *(s.bar[name] for name in s.bar)] for s in first.summaries],
        )
    )
    console.print(
        table(
            "recipients",
            ["customer", "event", "recipient", "status", "at", "reason"],
            [[r["customer"], r["event"], r["recipient"], r["status"], r["at"], _reason(r)] for r in recipients],
        )
    )


def _reason(row: dict[str, Any]) -> str:
    kind = " ".join(part for part in (row.get("bounceType"), row.get("bounceSubtype")) if part)
    return " ".join(part for part in (f"[{kind}]" if kind else "", row.get("reason") or "") if part)


def _percent(value: float) -> str:
    return f"{value * 100:.2f} %"


@deliverability_app.command("report")
@cli_errors
@fleet_command()
def report(
    fleet: FleetOptions,
    days: int = typer.Option(30, "--days", min=1, max=90, help="Days back, today included."),
) -> None:
    """Sends, bounces and complaints per customer account against SES's review thresholds (5 % and 0.1 %); exits 1
    when an account is at or above one."""
    current = services()
    codes = [customer.customer_code for customer in fleet.customers(current.config)]

    def of(code: str) -> list[dict[str, Any]]:
        return [account.public() for account in deliverability(current, operator(), days=days, customers=[code])]

    with ThreadPoolExecutor(max_workers=fleet.max_concurrency) as pool:
        accounts = [account for found in pool.map(of, codes) for account in found]
    if fleet.as_json:
        emit_json({"days": days, "accounts": accounts})
    else:
        _print_accounts(accounts, days)
    if any("at_risk" in (a["bounceLevel"], a["complaintLevel"]) for a in accounts):
        raise typer.Exit(1)


def _print_accounts(accounts: list[dict[str, Any]], days: int) -> None:
    console.print(
        table(
            f"the last {days} days (review at {_percent(BOUNCE_THRESHOLD.review)} bounces, "
            f"{_percent(COMPLAINT_THRESHOLD.review)} complaints)",
            ["customer", "account", "sends", "bounces", "bounce rate", "complaints", "complaint rate"],
            [
                [
                    a["customer"],
                    a["account"],
                    a["counts"]["sends"],
                    a["counts"]["hard_bounces"],
                    f"{_percent(a['bounceRate'])} {a['bounceLevel']}",
                    a["counts"]["complaints"],
                    f"{_percent(a['complaintRate'])} {a['complaintLevel']}",
                ]
                for a in accounts
            ],
        )
    )


def dead_letters() -> DeadLetters:
    current = settings()
    return DeadLetters(
        current.config,
        boto3.client("sqs", config=RETRY_CONFIG),
        boto3.client("s3", config=RETRY_CONFIG),
        current.bucket,
        TriggerFailures(current.table),
        current.trigger_queue_prefix,
    )


@triggers_app.command("dead-letters")
@cli_errors
@fleet_command()
def list_dead_letters(fleet: FleetOptions) -> None:
    """The triggers in each customer's dead-letter queue, with the object, the event and the last error (peeked:
    they stay in the queue)."""
    config = settings().config
    letters = dead_letters()
    with ThreadPoolExecutor(max_workers=fleet.max_concurrency) as pool:
        queues = list(pool.map(letters.of_customer, fleet.customers(config)))
    if fleet.as_json:
        emit_json({"queues": [queue.public() for queue in queues]})
        return
    rows = [
        [queue.customer_code, queue.waiting, letter.object_id, letter.event, letter.receive_count, letter.last_error]
        for queue in queues
        for letter in queue.letters
    ]
    console.print(table("dead letters", ["customer", "waiting", "object", "event", "receives", "last error"], rows))
    empty = [queue.customer_code for queue in queues if not queue.waiting]
    if empty:
        console.print(f"no dead letters: {', '.join(empty)}")


@triggers_app.command("redrive")
@cli_errors
def redrive(
    customer: str = typer.Option(..., "--customer", "-c", help="The customer whose dead letters go back."),
    as_json: bool = JsonOption,
) -> None:
    """Move the customer's dead letters back to its queue (SQS StartMessageMoveTask; by hand where the endpoint
    lacks it). The delivery ledger keeps anyone from being mailed twice."""
    config = settings().config
    if customer not in config.customer_mappings:
        raise fail(f"unknown customer {customer!r}: not in config.json")
    result = dead_letters().redrive(customer)
    if as_json:
        emit_json(result.public())
    elif result.method == "move-task":
        console.print(f"{customer}: SQS is moving the dead letters back (task {result.task})")
    else:
        console.print(f"{customer}: {result.moved} dead letter(s) moved back to the queue")
