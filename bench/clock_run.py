"""What one run of the clock costs as the archive grows: DynamoDB and SQS requests, and time.

Stores 1,000 and 10,000 changes whose windows are spread over two years (a fifth of them approved), then runs the
clock twice at the same moment: the first run finds the due reminders and nudges and hands them over, the second
finds the same ones already handed over. The reads are the window index's, one Query per month touched (paged), so
their number follows what is due in those months, not the size of the archive. Times are against the in-process
emulator, whose queries copy whole tables: the request counts are what a run would cost against AWS.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import RequestCounter, emulated_aws

SIZES = [1_000, 10_000]
NOW = datetime(2030, 6, 15, 12, 0, tzinfo=UTC)
STATUSES = ["approved", "submitted", "completed", "cancelled", "draft"]
BUCKET, TABLE = "bench-clock-bucket", "bench-clock-table"


def run(size: int) -> list[tuple[str, int, int, int, int, float]]:
    import boto3
    from tests.factories import make_change

    from ccm.clock.due import DueWork
    from ccm.clock.handover import QueueHandover
    from ccm.clock.runner import Clock
    from ccm.config import load_config, load_ses_config
    from ccm.domain.times import format_rfc3339
    from ccm.provision import Provisioner
    from ccm.storage.archive import ArchiveStore
    from ccm.storage.catalog import Catalog, Summary
    from ccm.storage.clock_claims import DynamoClockClaims

    root = Path(__file__).resolve().parents[1]
    config = load_config(root / "config.json")
    codes = config.customer_codes
    with emulated_aws():
        Provisioner(config, load_ses_config(root / "SESConfig.json"), BUCKET, TABLE).run(with_ses=False)
        counter = RequestCounter()
        ddb = counter.attach(boto3.client("dynamodb"))
        sqs = counter.attach(boto3.client("sqs"))
        archive = ArchiveStore(BUCKET, boto3.client("s3"))
        summaries = []
        span = timedelta(days=730)
        for i in range(size):
            # Every window somewhere in the two years around NOW; one in fifty within three days of it.
            start = NOW - span / 2 + span * ((i * 7919) % size) / size
            if i % 50 == 0:
                start = NOW + timedelta(hours=(i // 50) % 96 - 72)
            obj = make_change(
                changeId=f"CHG-bench-{i:06d}",
                status=STATUSES[i % len(STATUSES)],
                customers=[codes[i % len(codes)], codes[(i * 7) % len(codes)]],
                implementationStart=format_rfc3339(start),
                implementationEnd=format_rfc3339(start + timedelta(hours=2)),
            )
            summaries.append(Summary.from_stored(archive.create(obj)))
        catalog = Catalog(TABLE, ddb)
        catalog.load(summaries)
        clock = Clock(DueWork(config, catalog), DynamoClockClaims(TABLE, ddb), QueueHandover(config, sqs))
        rows = []
        counter.reset()
        for label in ("first run", "second run"):
            counter.reset()
            started = time.perf_counter()
            report = clock.run(NOW)
            elapsed = (time.perf_counter() - started) * 1000
            handed = sum(report.handed.values())
            rows.append((label, report.due, handed, counter.calls["dynamodb"], counter.calls["sqs"], elapsed))
        return rows


def main() -> int:
    print(f"{'changes':>8}  {'run':<11} {'due':>4} {'handed':>6} {'DynamoDB':>8} {'SQS':>4} {'ms':>8}")
    print("(due: reminders and nudges due now, late reminders included; those are recorded as skipped, not handed)")
    for size in SIZES:
        for label, due, handed, dynamodb, sqs, elapsed in run(size):
            print(f"{size:>8}  {label:<11} {due:>4} {handed:>6} {dynamodb:>8} {sqs:>4} {elapsed:>8.0f}")
    print("DynamoDB requests: one Query per month touched (paged), then a read, a claim and a mark per due action.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
