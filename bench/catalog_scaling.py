"""How list, search, statistics and my-changes scale with the number of stored objects.

Prints, for 100, 1,000 and 10,000 stored changes, the S3 and DynamoDB requests each read makes and its median
time against the in-process emulator. None of them may grow with the number of objects.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import RequestCounter, emulated_aws, timed

SIZES = [100, 1_000, 10_000]
TITLES = ["Patch kernels", "Rotate certificates", "Upgrade database", "Resize cluster", "Renew domain"]
STATUSES = ["submitted", "approved", "completed", "cancelled", "draft"]
USERS = [f"user{i}@example.com" for i in range(20)]


def run(size: int) -> list[tuple[str, int, int, int, float]]:
    import boto3
    from tests.factories import make_change

    from ccm.config import load_config, load_ses_config
    from ccm.domain.status import Status
    from ccm.provision import Provisioner
    from ccm.storage.archive import ArchiveStore
    from ccm.storage.catalog import Catalog, Query, Summary

    root = Path(__file__).resolve().parents[1]
    with emulated_aws():
        Provisioner(
            load_config(root / "config.json"),
            load_ses_config(root / "SESConfig.json"),
            "bench-bucket",
            "bench-table",
        ).run(with_ses=False)
        counter = RequestCounter()
        s3 = counter.attach(boto3.client("s3"))
        ddb = counter.attach(boto3.client("dynamodb"))
        archive = ArchiveStore("bench-bucket", s3)
        catalog = Catalog("bench-table", ddb)
        summaries = []
        codes = sorted(load_config(root / "config.json").customer_mappings)
        for i in range(size):
            obj = make_change(
                changeId=f"CHG-bench-{i:06d}",
                changeTitle=f"{TITLES[i % len(TITLES)]} #{i}",
                status=STATUSES[i % len(STATUSES)],
                createdBy=USERS[i % len(USERS)],
                customers=[codes[i % len(codes)], codes[(i * 7) % len(codes)]],
                modifiedAt=f"2030-01-01T00:{(i // 60) % 60:02d}:{i % 60:02d}Z",
            )
            summaries.append(Summary.from_stored(archive.create(obj)))
        catalog.load(summaries)

        me = USERS[3]
        operations: dict[str, Callable[[], object]] = {
            "list all changes (first page)": lambda: catalog.query(Query(viewer=me, limit=50)),
            "search by text": lambda: catalog.query(Query(text="zzz-no-such-text", viewer=me, limit=50)),
            "statistics": lambda: (catalog.counts("change"), catalog.counts("change", me)),
            "my-changes (first page)": lambda: catalog.query(Query(creator=me, limit=50)),
            "approvals queue": lambda: catalog.query(Query(status=Status.SUBMITTED, limit=50)),
        }
        rows = []
        for name, operation in operations.items():
            counter.reset()
            operation()
            s3_calls, ddb_calls = counter.calls["s3"], counter.calls["dynamodb"]
            median, _ = timed(operation)
            rows.append((name, size, s3_calls, ddb_calls, median))
        return rows


def main() -> None:
    print(f"{'operation':32} {'objects':>8} {'S3 req':>7} {'DDB req':>8} {'median ms':>10}")
    worst = 0
    for size in SIZES:
        for name, count, s3_calls, ddb_calls, median in run(size):
            worst = max(worst, s3_calls + ddb_calls)
            print(f"{name:32} {count:>8} {s3_calls:>7} {ddb_calls:>8} {median:>10.1f}")
    print(f"most requests made by any read: {worst} (limit 10; the original made 1 + N S3 requests)")


if __name__ == "__main__":
    main()
