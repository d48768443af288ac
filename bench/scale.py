"""A thousand customers in one deployment: for 26 / 200 / 1,000 customers, what the stacks hold, how long
`make render` and the provisioner take, and how long one change takes from its triggers to the customers' mail.

- render: ``infra.render.render_files`` on config.json (26) or a generated config (:mod:`ccm.local.demo_customers`: its
  26 customers and generated ones, each in an account of its own), with the
  SAM translation; the resources of the parent and of the largest and smallest customers' nested stack.
- provision: what ``ccm local provision`` runs (the Provisioner, routed as deployed, SES contact lists included)
  against an in-process emulator (moto), so the number is the provisioner's own cost, not a server's.
- one change to all customers: on the same emulator, an approved change with a trigger for every customer (the
  API writes them); S3's notifications reach the router queue; the router function forwards them (batches of ten,
  as its event source mapping delivers); then the backend handler mails a sample of customers (every customer
  at 26, evenly spread at 200 and 1,000; two subscribers each, at the emulator's SES rate of one email a second
  per account, so about one second of each customer's time is pacing) and the
  total is the routing time plus the sampled customers' median backend time times the customers, divided by the
  customers mailed at once (each queue has its own event source mapping; the deployment's backend concurrency
  bounds how many run together, 10 here). The full local stack at 1,000 customers (a thousand polling threads
  on two cores) measures the machine more than the design, hence the sample.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _support  # noqa: F401  (fake credentials, no endpoint: before boto3 is used)
from bench._support import emulated_aws

SIZES = (26, 200, 1000)
SAMPLE = 26
SUBSCRIBERS = 2
CONCURRENT_CUSTOMERS = 10
BUCKET = "ccm-bench-scale"
TABLE = "ccm-bench-scale-table"
ROOT = Path(__file__).resolve().parents[1]


def config_for(customers: int, folder: Path) -> Path:
    if customers == 26:
        return ROOT / "config.json"
    from ccm.local.demo_customers import write_demo_config

    return write_demo_config(customers, folder / f"config-{customers}.json", ROOT / "config.json")


def render_numbers(config: Path, folder: Path) -> dict[str, Any]:
    from infra.render import render_files

    started = time.perf_counter()
    rendered = render_files(config, folder / "build" / "template.yaml", folder / "build" / "template.translated.json")
    seconds = time.perf_counter() - started
    children = [len(child["Resources"]) for child in rendered.children.values()]
    return {
        "render_s": seconds,
        "parent": len(rendered.translated["Resources"]),
        "stacks": len(children),
        "child_min": min(children),
        "child_max": max(children),
        "parent_kb": (folder / "build" / "template.yaml").stat().st_size / 1024,
    }


def sampled(codes: list[str]) -> list[str]:
    if len(codes) <= SAMPLE:
        return codes
    step = len(codes) / SAMPLE
    return [codes[int(i * step)] for i in range(SAMPLE)]


def emulator_numbers(config_path: Path) -> dict[str, Any]:
    import boto3
    from functions.backend import app as backend_app
    from functions.router import app as router_app
    from tests.backend_support import add_contact, customer_ses
    from tests.factories import make_change

    from ccm.backend.wiring import build_backend
    from ccm.config import load_config, load_ses_config
    from ccm.mail.delivery import Dispatcher
    from ccm.provision import ROUTER_QUEUE, Provisioner
    from ccm.settings import Settings
    from ccm.storage.archive import ArchiveStore
    from ccm.storage.catalog import Catalog
    from ccm.storage.ledger import DynamoLedger
    from ccm.storage.repository import Repository

    # After the imports: the tests' helpers set the tests' own bucket, table and config.json when imported.
    os.environ.update({"CCM_CONFIG": str(config_path), "CCM_BUCKET": BUCKET, "CCM_TABLE": TABLE})
    os.environ.update({"POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_NAMESPACE": "ccm-bench"})
    config = load_config(config_path)
    ses_config = load_ses_config(ROOT / "SESConfig.json")
    with emulated_aws():
        started = time.perf_counter()
        report = Provisioner(config, ses_config, BUCKET, TABLE, router=True).run(with_ses=True)
        provision_s = time.perf_counter() - started
        sqs = boto3.client("sqs")
        for url in report.queue_urls.values():
            sqs.purge_queue(QueueUrl=url)  # the s3:TestEvent of the notification configuration
        codes = sampled(config.customer_codes)
        for code in codes:
            ses = customer_ses(config, ses_config, code)
            for i in range(SUBSCRIBERS):
                add_contact(ses, f"reader{i}@{code}.example.com", aws_announce="OPT_IN")
        ledger = DynamoLedger(TABLE)
        router_app._router = None
        router_app._entry = None
        backend_app._entry = None
        backend_app._backend = build_backend(
            Settings.from_env(), ledger=ledger, dispatcher=Dispatcher(ledger), meeting_service=None
        )
        repository = Repository(ArchiveStore(BUCKET), Catalog(TABLE))
        change = make_change(status="approved", customers=config.customer_codes, approvedBy="approver@example.com")
        repository.create(change, "archive")

        started = time.perf_counter()
        for code in config.customer_codes:
            repository.archive.put_trigger(code, change, "approved_announcement")
        route_s = time.perf_counter() - started + drain(sqs, report.queue_urls[ROUTER_QUEUE], router_app.handler)
        per_customer = []
        for code in codes:
            started = time.perf_counter()
            drain(sqs, report.queue_urls[code], backend_app.handler, batch=1)
            per_customer.append(time.perf_counter() - started)
    backend_each = statistics.median(per_customer)
    mailed_s = route_s + backend_each * len(config.customer_codes) / CONCURRENT_CUSTOMERS
    return {"provision_s": provision_s, "route_s": route_s, "backend_each_s": backend_each, "mailed_s": mailed_s}


def drain(sqs: Any, url: str, handler: Callable[[dict[str, Any], Any], dict[str, Any]], batch: int = 10) -> float:
    """Every message of the queue through ``handler`` as its event source mapping delivers them; the seconds."""
    from tests.backend_support import LambdaContext

    from ccm.local.worker import sqs_event

    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    spent = 0.0
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=batch, AttributeNames=["All"]).get(
            "Messages", []
        )
        if not messages:
            return spent
        event = sqs_event(messages, arn)
        started = time.perf_counter()
        answer = handler(event, LambdaContext())
        spent += time.perf_counter() - started
        if answer.get("batchItemFailures"):
            raise SystemExit(f"{url}: {len(answer['batchItemFailures'])} message(s) failed; see the log above")
        failed = {item["itemIdentifier"] for item in answer["batchItemFailures"]}
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for customers in SIZES:
            path = config_for(customers, Path(folder))
            numbers = {"customers": customers, **render_numbers(path, Path(folder) / str(customers))}
            numbers.update(emulator_numbers(path))
            rows.append(numbers)
    header = (
        f"{'customers':>9} {'parent res.':>11} {'nested stacks':>13} {'res. per nested':>15} {'parent KB':>9} "
        f"{'render s':>8} {'provision s':>11} {'route all s':>11} {'backend/cust s':>14} {'change->mailed s':>16}"
    )
    print(header)
    for r in rows:
        per_nested = f"{r['child_min']}-{r['child_max']}"
        print(
            f"{r['customers']:>9} {r['parent']:>11} {r['stacks']:>13} {per_nested:>15} "
            f"{r['parent_kb']:>9.0f} {r['render_s']:>8.1f} {r['provision_s']:>11.1f} {r['route_s']:>11.2f} "
            f"{r['backend_each_s']:>14.2f} {r['mailed_s']:>16.1f}"
        )
    print(
        f"change->mailed: routing every trigger + median backend time of {SAMPLE} sampled customers x customers / "
        f"{CONCURRENT_CUSTOMERS} mailed at once (see the module docstring)"
    )
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
