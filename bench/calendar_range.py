"""The change calendar's reads at 10,000 stored changes: a 92-day range, the form's warnings, a customer's feed.

Prints, for 10,000 changes spread over two years and for the same number crowded into three months (the worst a
92-day range can meet), the DynamoDB requests and the median time of each read against the in-process emulator.
A 92-day range must cost at most 10 requests whatever the archive holds. The times are the emulator's (moto reads
every row of the table for a query on an index), not DynamoDB's; the request counts are what matters.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import RequestCounter, emulated_aws, timed

SIZE = 10_000
LIMIT = 10
STATUSES = ["submitted", "approved", "completed", "cancelled", "draft"]
FIRST = datetime(2030, 1, 1, tzinfo=UTC)


def run(spread_days: int) -> list[tuple[str, int, float, int]]:
    import boto3
    from tests.factories import make_change

    from ccm.config import load_config
    from ccm.storage.archive import ArchiveStore, Stored
    from ccm.storage.catalog import Catalog, Summary
    from ccm.storage.repository import Repository
    from ccm.storage.table import create_table_arguments
    from ccm.workflow import Actor, Services
    from ccm.workflow.calendar import calendar, day_range, planning_warnings

    root = Path(__file__).resolve().parents[1]
    config = load_config(root / "config.json")
    codes = sorted(config.customer_mappings)
    with emulated_aws():
        counter = RequestCounter()
        ddb = counter.attach(boto3.client("dynamodb"))
        ddb.create_table(**create_table_arguments("bench-table"))
        catalog = Catalog("bench-table", ddb)
        summaries = []
        for i in range(SIZE):
            start = FIRST + timedelta(minutes=(i * spread_days * 24 * 60) // SIZE)
            obj = make_change(
                changeId=f"CHG-bench-{i:06d}",
                changeTitle=f"Maintenance #{i}",
                status=STATUSES[i % len(STATUSES)],
                customers=[codes[i % len(codes)], codes[(i * 7) % len(codes)]],
                implementationStart=start.isoformat(),
                implementationEnd=(start + timedelta(hours=1 + i % 5)).isoformat(),
                approvedAt="2029-12-01T00:00:00Z" if i % 5 in (1, 2) else None,
            )
            summaries.append(Summary.from_stored(Stored(obj, f'"etag-{i}"', "archive")))
        catalog.load(summaries)
        services = Services(Repository(ArchiveStore("bench-bucket"), catalog), config)
        viewer = Actor(email="viewer@example.com")
        middle = FIRST + timedelta(days=min(spread_days, 400) // 2)
        first_day = middle.date()
        start, end = day_range(first_day, first_day + timedelta(days=91), "Europe/Berlin")
        window_start = (middle + timedelta(hours=10)).isoformat()
        window_end = (middle + timedelta(hours=12)).isoformat()
        operations: dict[str, Callable[[], object]] = {
            "calendar, 92 days": lambda: calendar(services, viewer, start, end),
            "calendar, 92 days, one customer": lambda: calendar(services, viewer, start, end, customer=codes[0]),
            "form warnings, 2-hour window": lambda: planning_warnings(
                services, viewer, codes[:2], window_start, window_end
            ),
            "a customer's feed": lambda: services.repository.feed(codes[0], middle),
        }
        rows = []
        for name, operation in operations.items():
            counter.reset()
            found = operation()
            requests = counter.calls["dynamodb"]
            median, _ = timed(operation, repeat=1)
            events = len(getattr(found, "events", found if isinstance(found, list) else []))
            rows.append((name, requests, median, events))
        return rows


def main() -> None:
    worst = 0
    for label, days in (("spread over 2 years", 730), ("crowded into 3 months", 90)):
        print(f"== {SIZE:,} changes {label}")
        print(f"{'read':34} {'DDB req':>8} {'median ms':>10} {'events':>7}")
        for name, requests, median, events in run(days):
            if name.startswith("calendar"):
                worst = max(worst, requests)
            print(f"{name:34} {requests:>8} {median:>10.1f} {events:>7}")
    print(f"most requests of a 92-day calendar: {worst} (limit {LIMIT})")
    if worst > LIMIT:
        sys.exit(1)


if __name__ == "__main__":
    main()
