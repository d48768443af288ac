"""``ccm s3-events``: the bucket's one notification of every customer's triggers to the router queue, and each
customer's trigger queue that the router forwards them to (docs/scale-deployment.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
import typer

from ccm.aws.clients import RETRY_CONFIG
from ccm.cli.common import JsonOption, cli_errors, console, emit_json, err_console, fail, settings
from ccm.cli.fleet import Column, DryRunOption, exit_on_failure, print_summary
from ccm.cli.options import FleetOptions, fleet_command
from ccm.config import CustomerMapping
from ccm.s3_events import (
    TRIGGER_ROOT,
    TriggerQueueCheck,
    apply_router_routing,
    current_configuration,
    probe,
    queue_arn_of,
    router_problems,
    router_queue_name,
    trigger_queue_name,
    trigger_queue_problems,
)

app = typer.Typer(
    help="S3 -> SQS routing of triggers: customers/*.json to the router queue, which forwards each to the "
    "customer's trigger queue.",
    no_args_is_help=True,
)

BucketOption = typer.Option(None, "--bucket", help="The metadata bucket (default: $CCM_BUCKET).")
PrefixOption = typer.Option(
    None,
    "--queue-prefix",
    help="The customers' trigger queues are this plus the customer code, as the deployment names them "
    "(<stack>-trigger-; default: $CCM_TRIGGER_QUEUE_PREFIX; without either, config.json's sqs_queue_arn or "
    "ccm-<code>).",
)
RouterQueueOption = typer.Option(
    None,
    "--router-queue",
    help="The router queue's name (default: <stack>-router beside a <stack>-trigger- prefix, else ccm-router).",
)


@dataclass(frozen=True)
class Routing:
    """Where this deployment's triggers go, from the options and the environment."""

    bucket: str
    prefix: str | None
    router_queue: str


def routing(bucket: str | None, prefix: str | None, router_queue: str | None) -> Routing:
    current = settings()
    chosen_prefix = prefix or current.trigger_queue_prefix
    return Routing(bucket or current.bucket, chosen_prefix, router_queue or router_queue_name(chosen_prefix))


@app.command("configure")
@cli_errors
def configure(
    bucket: str | None = BucketOption,
    queue_prefix: str | None = PrefixOption,
    router_queue: str | None = RouterQueueOption,
    dry_run: bool = DryRunOption,
    as_json: bool = JsonOption,
) -> None:
    """Send every customer's triggers to the router queue with one notification, as the deployment does.

    Per-customer entries of the earlier layout are removed; every other notification is kept as it is.
    """
    where = routing(bucket, queue_prefix, router_queue)
    arn = queue_arn_of(boto3.client("sqs", config=RETRY_CONFIG), where.router_queue)
    if arn is None:
        raise fail(f"the router queue {where.router_queue} does not exist; give --router-queue or --queue-prefix")
    outcome = apply_router_routing(boto3.client("s3", config=RETRY_CONFIG), where.bucket, arn, dry_run=dry_run)
    if as_json:
        emit_json({"bucket": where.bucket, "router_queue": arn, "notifications": outcome})
        return
    console.print(f"bucket {where.bucket}: {TRIGGER_ROOT}/*.json -> {arn}: notifications {outcome}")


@app.command("validate")
@cli_errors
@fleet_command()
def validate(
    *,
    fleet: FleetOptions,
    bucket: str | None = BucketOption,
    queue_prefix: str | None = PrefixOption,
    router_queue: str | None = RouterQueueOption,
) -> None:
    """Check the path of each customer's triggers: the router queue, then the customer's trigger queue.

    The bucket must send every trigger to the router queue, which exists, accepts the bucket's events and has a
    dead-letter queue; each customer's trigger queue must exist, have a dead-letter queue and get no trigger from
    the bucket directly. Exit code 1, with a sentence for each problem, if anything is missing.
    """
    where = routing(bucket, queue_prefix, router_queue)
    sqs = boto3.client("sqs", config=RETRY_CONFIG)
    configuration = current_configuration(boto3.client("s3", config=RETRY_CONFIG), where.bucket)
    router = router_problems(sqs, configuration, where.bucket, where.router_queue)

    def check(customer: CustomerMapping) -> TriggerQueueCheck:
        return trigger_queue_problems(sqs, configuration, customer, where.prefix, router.arn)

    columns: list[Column[TriggerQueueCheck]] = [Column("trigger queue", lambda r: r.queue)]
    outcomes = fleet.run(
        "s3 events",
        settings().config,
        check,
        columns=columns,
        document=lambda r: {"queue": r.queue, "problems": r.problems},
        problem=lambda r: "; ".join(r.problems) or None,
        report=False,
    )
    extra: dict[str, Any] = {
        "bucket": where.bucket,
        "router_queue": {"name": router.queue, "arn": router.arn, "problems": router.problems},
    }
    print_summary(
        "s3 events",
        outcomes,
        as_json=fleet.as_json,
        columns=columns,
        document=lambda r: {"queue": r.queue, "problems": r.problems},
        extra=extra,
    )
    if router.problems:
        for problem in router.problems:
            err_console.print(f"[bold red]error:[/] {problem}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    if not fleet.as_json:
        console.print(f"bucket {where.bucket}: {TRIGGER_ROOT}/*.json -> {router.arn}")
    exit_on_failure(outcomes)


@app.command("test")
@cli_errors
@fleet_command()
def test_delivery(
    *,
    fleet: FleetOptions,
    bucket: str | None = BucketOption,
    queue_prefix: str | None = PrefixOption,
    timeout: float = typer.Option(20.0, "--timeout", min=1.0, help="Seconds to wait for each probe's event."),
) -> None:
    """Put a probe object under each customer's prefix and wait for it on the customer's trigger queue.

    The router forwards the probe's event from the router queue, as it forwards every trigger.

    Runs only on idle queues (a message's receive count matters for the dead-letter queue); with the backend
    consuming, the backend may take the probe first: pause its event source mapping to test end to end.
    """
    where = routing(bucket, queue_prefix, None)
    sqs = boto3.client("sqs", config=RETRY_CONFIG)
    s3 = boto3.client("s3", config=RETRY_CONFIG)

    def send(customer: CustomerMapping) -> dict[str, Any]:
        url = sqs.get_queue_url(QueueName=trigger_queue_name(customer, where.prefix))["QueueUrl"]
        result = probe(s3, sqs, where.bucket, customer.customer_code, url, timeout=timeout)
        return {"key": result.key, "outcome": result.outcome, "seconds": round(result.seconds, 2)}

    fleet.run(
        "s3 event probes",
        settings().config,
        send,
        columns=[Column("probe", lambda r: r["outcome"]), Column("waited", lambda r: f"{r['seconds']}s")],
        document=lambda r: {"probe": r},
        problem=lambda r: None if r["outcome"] == "delivered" else f"probe {r['outcome']}",
        extra={"bucket": where.bucket},
    )
