"""What the catalog writes and reads for a change to 1,000 customers, from its approval to every customer's trigger.

Each customer's trigger ends with the backend's ``processed`` entry: an annotation of the archived object (no new
version, a new ETag). This prints, on the in-process emulator (moto), the DynamoDB items one such write puts or
deletes (the customer rows among them), the items the approval writes, and the total for the whole change (its
creation, its approval and one trigger per customer: the triggers are sampled, :data:`SAMPLED_TRIGGERS` of them,
and multiplied); then the requests of the reads that use the customer rows: a customer-filtered list (pages of 50
and of 200) and a customer's feed.

The time of one trigger's write is the emulator's, not DynamoDB's: moto copies the whole table for each item of a
TransactWriteItems, so it grows with what the table holds. The item counts are what the change is about.

Usage: ``python bench/catalog_writes.py [CUSTOMERS]`` (default 1,000). It uses only the repository's and the
catalog's public calls, so the same script measures an older checkout of ``src`` for comparison
(``PYTHONPATH=<that checkout>/src``).
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import emulated_aws

CUSTOMERS = 1000
SAMPLED_TRIGGERS = 5
OTHER_CHANGES = 250
"""Changes of one customer besides the large one, so that its list has full pages to read."""
BUCKET = "ccm-bench-catalog-writes"
TABLE = "ccm-bench-catalog-writes-table"
NOW = datetime(2030, 1, 2, 9, 0, tzinfo=UTC)


def processed(code: str) -> Any:
    from ccm.domain.objects import AnyObject, ModificationType

    def annotate(obj: AnyObject) -> None:
        obj.note_notified(code, obj.version)
        obj.record(ModificationType.PROCESSED, "backend", NOW, customer_code=code, topic="changes", recipients=2)

    return annotate


def measure(customers: int) -> dict[str, Any]:
    import boto3
    from tests.dynamodb_writes import WrittenRows
    from tests.factories import make_change

    from ccm.storage.archive import ArchiveStore, Stored
    from ccm.storage.catalog import Catalog, Query, Summary
    from ccm.storage.repository import Repository
    from ccm.storage.table import create_table_arguments

    codes = [f"c{number:04d}" for number in range(1, customers + 1)]
    with emulated_aws():
        s3, ddb = boto3.client("s3"), boto3.client("dynamodb")
        s3.create_bucket(Bucket=BUCKET)
        ddb.create_table(**create_table_arguments(TABLE))
        written = WrittenRows()
        written.attach(ddb)
        repository = Repository(ArchiveStore(BUCKET, s3), Catalog(TABLE, ddb))
        others = [
            make_change(
                status="approved",
                customers=[codes[0]],
                modifiedAt=(NOW - timedelta(minutes=i + 1)).isoformat(),
                implementationStart=(NOW + timedelta(days=1, hours=i)).isoformat(),
                implementationEnd=(NOW + timedelta(days=1, hours=i + 1)).isoformat(),
            )
            for i in range(OTHER_CHANGES)
        ]
        repository.catalog.load(
            Summary.from_stored(Stored(obj, f'"other-{i}"', "archive")) for i, obj in enumerate(others)
        )

        written.clear()
        stored = repository.create(make_change(status="submitted", customers=codes))
        created = len(written.rows)
        written.clear()
        repository.update(stored.obj.id, lambda obj: obj.transition("approved", "approver@example.com", NOW))
        approved = len(written.rows)

        per_trigger, customer_rows, seconds = [], [], []
        for code in codes[:: max(1, customers // SAMPLED_TRIGGERS)][:SAMPLED_TRIGGERS]:
            written.clear()
            started = time.perf_counter()
            repository.update(stored.obj.id, processed(code), bump_version=False, location="archive")
            seconds.append(time.perf_counter() - started)
            per_trigger.append(len(written.rows))
            customer_rows.append(len(written.of("CUST#")))

        reads: dict[str, int] = {}
        since = NOW - timedelta(days=1)
        for name, read in (
            ("a customer's list, page of 50", lambda: repository.query(Query(customer=codes[0], limit=50))),
            ("a customer's list, page of 200", lambda: repository.query(Query(customer=codes[0], limit=200))),
            ("a customer's feed", lambda: repository.feed(codes[0], since)),
        ):
            written.clear()
            found = read()
            shown = len(found.items) if hasattr(found, "items") else len(found)
            reads[f"{name} ({shown} shown)"] = written.read_requests
    trigger = statistics.median(per_trigger)
    return {
        "created": created,
        "approved": approved,
        "per_trigger": trigger,
        "customer_rows_per_trigger": statistics.median(customer_rows),
        "trigger_ms": statistics.median(seconds) * 1000,
        "whole_change": created + approved + trigger * customers,
        "reads": reads,
    }


def main(argv: list[str]) -> None:
    customers = int(argv[0]) if argv else CUSTOMERS
    numbers = measure(customers)
    print(f"== a change to {customers:,} customers (DynamoDB items written; moto in-process)")
    print(f"{'creating it':44} {numbers['created']:>10,}")
    print(f"{'approving it':44} {numbers['approved']:>10,}")
    print(f"{'one trigger (its processed entry)':44} {numbers['per_trigger']:>10,}")
    print(f"{'  of which customer rows':44} {numbers['customer_rows_per_trigger']:>10,}")
    print(f"{'  its write, median ms (the emulator)':44} {numbers['trigger_ms']:>10.0f}")
    print(f"{'the whole change (every customer triggered)':44} {numbers['whole_change']:>10,}")
    print("== reads that use the customer rows (DynamoDB requests)")
    for name, requests in numbers["reads"].items():
        print(f"{name:44} {requests:>10}")


if __name__ == "__main__":
    main(sys.argv[1:])
