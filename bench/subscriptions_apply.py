"""``ccm ses subscriptions apply --all``: requests made, time taken, and time to expect in AWS.

26 customers, each list already holding 2,000 imported contacts. The file subscribes a shared mailbox to two
topics for every customer and 50 addresses of each customer's own to one to three topics (1,301 addresses).
Three runs: the first apply, a second with nothing changed, and one after 10 addresses per customer left the
file, with ``--prune``. For each: SES requests and contact writes (counted with botocore event hooks; SES pages
contacts 1,000 at a time as the real service does), S3 requests (the grant records), the wall time against the
in-process emulator with the rate limiter off, and the wall time predicted at SES's 1 request/s per account with
10 customers at a time (the command's defaults).
"""

from __future__ import annotations

import heapq
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import emulated_aws

CONTACTS = 2_000
OWN_ADDRESSES = 50
LEAVING = 10
SES_RATE = 1.0
CONCURRENCY = 10
BUCKET = "bench-bucket"
TOPICS = ["aws-calendar", "aws-announce", "general-updates", "finops-announce", "inner-announce"]


def predicted_seconds(per_customer_calls: list[int]) -> float:
    """Customers run ``CONCURRENCY`` at a time, each limited to ``SES_RATE`` in its own account."""
    workers = [0.0] * CONCURRENCY
    for calls in sorted(per_customer_calls, reverse=True):
        heapq.heapreplace(workers, workers[0] + calls / SES_RATE)
    return max(workers)


def subscription_file(codes: list[str], leaving: int = 0) -> dict[str, Any]:
    """The same topics for an address in every version of the file, so only the leavers differ."""
    document: dict[str, Any] = {"aws-calendar": ["noc@example.com"], "aws-announce": ["noc@example.com"]}
    customers: dict[str, dict[str, list[str]]] = {}
    for code in codes:
        section: dict[str, list[str]] = {}
        for i in range(leaving, OWN_ADDRESSES):
            chooser = random.Random(f"{code}/{i}")
            for topic in chooser.sample(TOPICS[2:], chooser.randint(1, 3)):
                section.setdefault(topic, []).append(f"desk{i}@{code}.example.com")
        customers[code] = section
    document["customers"] = customers
    return document


def main() -> None:
    import boto3
    import boto3.session
    from tests.fakes.aws_watch import SES_CONTACT_WRITES, AwsWatch
    from tests.fakes.ses_state import set_contact

    from ccm.aws.customer_clients import CustomerClients
    from ccm.aws.ses_lists import ensure_contact_list
    from ccm.config import load_config, load_ses_config
    from ccm.contact_import.record import GrantRecordStore
    from ccm.ses_admin.subscription_record import SubscriptionRecordStore
    from ccm.ses_admin.subscriptions import ApplyOptions, SubscriptionApplier
    from ccm.subscription_config import load_subscription_config

    root = Path(__file__).resolve().parents[1]
    config = load_config(root / "config.json")
    ses_config = load_ses_config(root / "SESConfig.json")
    customers = [config.customer(code) for code in config.customer_codes]
    folder = Path(tempfile.mkdtemp(prefix="ccm-bench-"))
    rows = []
    with emulated_aws():
        watch = AwsWatch(page_size=1000)
        original = boto3.session.Session.client

        def observed(self: boto3.session.Session, *args: Any, **kwargs: Any) -> Any:
            return watch.attach(original(self, *args, **kwargs))

        boto3.session.Session.client = observed  # type: ignore[method-assign]
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        seeding = CustomerClients(ses_rate=0)
        for customer in customers:
            ensure_contact_list(seeding.ses(customer), ses_config)
            for i in range(CONTACTS):
                set_contact(
                    customer.account_id, f"user{i}@{customer.customer_code}.example.com", {"aws-announce": "OPT_IN"}
                )

        def run(name: str, document: dict[str, Any], prune: bool = False) -> None:
            path = folder / "SubscriptionConfig.json"
            path.write_text(json.dumps(document))
            subscriptions = load_subscription_config(path, config, ses_config)
            s3 = boto3.client("s3")
            imported = GrantRecordStore(s3, BUCKET)
            applier = SubscriptionApplier(
                CustomerClients(ses_rate=0),
                ses_config,
                subscriptions,
                SubscriptionRecordStore(s3, BUCKET),
                lambda code: imported.read(code).grants,
                ApplyOptions(prune=prune),
            )
            per_customer = []
            started = time.perf_counter()
            watch.reset()
            for customer in customers:
                before = watch.count("sesv2")
                applier.run(customer)
                per_customer.append(watch.count("sesv2") - before)
            elapsed = time.perf_counter() - started
            writes = watch.count("sesv2", SES_CONTACT_WRITES)
            rows.append((name, sum(per_customer), writes, watch.count("s3"), elapsed, predicted_seconds(per_customer)))

        addresses = subscription_file(config.customer_codes)
        run("first apply", addresses)
        run("second apply (no change)", addresses)
        run(f"{LEAVING} per customer gone, --prune", subscription_file(config.customer_codes, LEAVING), True)
        boto3.session.Session.client = original  # type: ignore[method-assign]

    listed = 1 + OWN_ADDRESSES * len(customers)
    print(
        f"SubscriptionConfig.json applied to {len(customers)} customers ({listed:,} addresses), "
        f"{CONTACTS:,} contacts already in each list"
    )
    header = f"{'run':34} {'SES calls':>10} {'SES writes':>11} {'S3 calls':>9} {'time, no limiter':>17}"
    print(f"{header} {'predicted at 1 SES/s, 10 at a time':>36}")
    for name, calls, writes, s3_calls, elapsed, predicted in rows:
        print(f"{name:34} {calls:>10,} {writes:>11,} {s3_calls:>9,} {elapsed:>15.1f} s {predicted:>34.0f} s")


if __name__ == "__main__":
    main()
