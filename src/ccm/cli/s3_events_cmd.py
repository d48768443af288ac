"""``ccm s3-events``: route each customer's trigger prefix in the bucket to that customer's queue."""

from __future__ import annotations

from typing import Any

import boto3
import typer

from ccm.aws.clients import RETRY_CONFIG
from ccm.cli.common import cli_errors, console, settings
from ccm.cli.fleet import (
    Column,
    DryRunOption,
    exit_on_failure,
    print_summary,
)
from ccm.cli.options import FleetOptions, fleet_command
from ccm.config import CustomerMapping
from ccm.s3_events import (
    apply_routing,
    current_configuration,
    probe,
    queue_arn,
    queue_problems,
    routing_problems,
    trigger_prefix,
)

app = typer.Typer(
    help="S3 -> SQS routing of triggers: customers/<code>/*.json to the customer's queue.", no_args_is_help=True
)

BucketOption = typer.Option(None, "--bucket", help="The metadata bucket (default: $CCM_BUCKET).")


@app.command("configure")
@cli_errors
@fleet_command()
def configure(
    *,
    fleet: FleetOptions,
    bucket: str | None = BucketOption,
    dry_run: bool = DryRunOption,
) -> None:
    """Set the bucket's notification for each customer's prefix; every other notification is kept as it is."""
    current = settings()
    name = bucket or current.bucket
    sqs = boto3.client("sqs", config=RETRY_CONFIG)
    s3 = boto3.client("s3", config=RETRY_CONFIG)

    def resolve(customer: CustomerMapping) -> dict[str, str]:
        return {"prefix": trigger_prefix(customer.customer_code), "queue": queue_arn(sqs, customer)}

    columns: list[Column[dict[str, str]]] = [
        Column("prefix", lambda r: r["prefix"]),
        Column("queue", lambda r: r["queue"]),
    ]
    outcomes = fleet.run(
        "s3 events",
        current.config,
        resolve,
        columns=columns,
        document=lambda r: r,
        report=False,
    )
    wanted = {o.key: o.value["queue"] for o in outcomes if o.value}
    outcome = apply_routing(s3, name, wanted, dry_run=dry_run) if wanted else "unchanged"
    print_summary(
        "s3 events",
        outcomes,
        as_json=fleet.as_json,
        columns=columns,
        document=lambda r: r,
        extra={"bucket": name, "notifications": outcome},
    )
    if not fleet.as_json:
        console.print(f"bucket {name}: notifications {outcome}")
    exit_on_failure(outcomes)


@app.command("validate")
@cli_errors
@fleet_command()
def validate(
    *,
    fleet: FleetOptions,
    bucket: str | None = BucketOption,
) -> None:
    """Check that each customer's triggers reach exactly its queue, that the queue accepts them, and has a DLQ."""
    current = settings()
    name = bucket or current.bucket
    sqs = boto3.client("sqs", config=RETRY_CONFIG)
    configuration = current_configuration(boto3.client("s3", config=RETRY_CONFIG), name)

    def check(customer: CustomerMapping) -> dict[str, Any]:
        arn = queue_arn(sqs, customer)
        problems = routing_problems(configuration, customer.customer_code, arn) + queue_problems(sqs, arn, name)
        return {"queue": arn, "problems": problems}

    fleet.run(
        "s3 events",
        current.config,
        check,
        columns=[Column("queue", lambda r: r["queue"])],
        document=lambda r: r,
        problem=lambda r: "; ".join(r["problems"]) or None,
        extra={"bucket": name},
    )


@app.command("test")
@cli_errors
@fleet_command()
def test_delivery(
    *,
    fleet: FleetOptions,
    bucket: str | None = BucketOption,
    timeout: float = typer.Option(20.0, "--timeout", min=1.0, help="Seconds to wait for each probe's event."),
) -> None:
    """Put a probe object under each customer's prefix and wait for its event on the customer's queue.

    Runs only on idle queues (a message's receive count matters for the dead-letter queue); with the backend
    consuming, the backend may take the probe first: pause its event source mapping to test end to end.
    """
    current = settings()
    name = bucket or current.bucket
    sqs = boto3.client("sqs", config=RETRY_CONFIG)
    s3 = boto3.client("s3", config=RETRY_CONFIG)

    def send(customer: CustomerMapping) -> dict[str, Any]:
        result = probe(s3, sqs, name, customer.customer_code, queue_arn(sqs, customer), timeout=timeout)
        return {"key": result.key, "outcome": result.outcome, "seconds": round(result.seconds, 2)}

    fleet.run(
        "s3 event probes",
        current.config,
        send,
        columns=[Column("probe", lambda r: r["outcome"]), Column("waited", lambda r: f"{r['seconds']}s")],
        document=lambda r: {"probe": r},
        problem=lambda r: None if r["outcome"] == "delivered" else f"probe {r['outcome']}",
        extra={"bucket": name},
    )
