"""How list, search, statistics and my-changes scale with the number of stored objects.

Prints, for 100 to 100,000 stored changes, the DynamoDB requests each read makes and its median time. None of them
may grow with the number of objects; a text search may make at most 10 requests at 100,000.

The table is :mod:`bench._table_model`, a model of DynamoDB's paging (moto would take hours to hold 100,000 catalog
rows with their search postings): the rows are the real ones, written by ``Catalog.load`` through
``BatchWriteItem``, and every read is the catalog's own code. The times are this process's (no network): they show
what grows with the table, not what DynamoDB takes. No read of the catalog touches S3.

Usage: ``python bench/catalog_scaling.py [SIZE ...]``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import timed
from bench._table_model import TableModel

SIZES = [100, 1_000, 10_000, 100_000]
TITLES = ["Patch kernels", "Rotate certificates", "Upgrade database", "Resize cluster", "Renew domain"]
STATUSES = ["submitted", "approved", "completed", "cancelled", "draft"]
USERS = [f"user{i}@example.com" for i in range(20)]
REQUEST_LIMIT = 10


def summaries(size: int, codes: list[str]) -> Iterable[Any]:
    from ccm.storage.catalog import Summary

    for i in range(size):
        object_id = f"CHG-bench-{i:06d}"
        title = f"{TITLES[i % len(TITLES)]} #{i}"
        status = STATUSES[i % len(STATUSES)]
        yield Summary.model_validate(
            {
                "id": object_id,
                "kind": "change",
                "object_type": "change",
                "title": title,
                "status": status,
                "customers": sorted({codes[i % len(codes)], codes[(i * 7) % len(codes)]}),
                "created_by": USERS[i % len(USERS)],
                "modified_at": f"2030-01-{1 + (i // 3600) % 28:02d}T00:{(i // 60) % 60:02d}:{i % 60:02d}Z",
                "version": 1,
                "location": "drafts" if status == "draft" else "archive",
                "etag": f'"{i:032x}"',
                "summary": "Routine maintenance",
                "search_text": f"{object_id} {title}".lower(),
            }
        )


def run(size: int) -> list[tuple[str, int, int, float]]:
    from ccm.config import load_config
    from ccm.domain.status import Status
    from ccm.storage.catalog import Catalog, Query
    from ccm.storage.table import INDEXES

    root = Path(__file__).resolve().parents[1]
    codes = sorted(load_config(root / "config.json").customer_mappings)
    table = TableModel("bench-table", INDEXES)
    catalog = Catalog("bench-table", cast(Any, table))
    catalog.load(summaries(size, codes))

    me = USERS[3]
    operations: dict[str, Callable[[], object]] = {
        "list all changes (first page)": lambda: catalog.query(Query(viewer=me, limit=50)),
        "search: no match": lambda: catalog.query(Query(text="zzz-no-such-text", viewer=me, limit=50)),
        "search: a common word": lambda: catalog.query(Query(text="kernels", viewer=me, limit=50)),
        "search: two words": lambda: catalog.query(Query(text="rotate certificates", viewer=me, limit=50)),
        "search: one object's id": lambda: catalog.query(Query(text=f"CHG-bench-{size // 2:06d}", limit=50)),
        "search: word + rare filter": lambda: catalog.query(
            Query(text="database", customers_any=[codes[0]], status=Status.COMPLETED, limit=50)
        ),
        "statistics": lambda: (catalog.counts("change"), catalog.counts("change", me)),
        "my-changes (first page)": lambda: catalog.query(Query(creator=me, limit=50)),
        "approvals queue": lambda: catalog.query(Query(status=Status.SUBMITTED, limit=50)),
    }
    rows = []
    for name, operation in operations.items():
        table.calls.clear()
        operation()
        requests = sum(table.calls.values())
        median, _ = timed(operation)
        rows.append((name, size, requests, median))
    return rows


def main(argv: list[str]) -> None:
    sizes = [int(value) for value in argv] or SIZES
    print(f"{'operation':32} {'objects':>8} {'DDB req':>8} {'median ms':>10}")
    worst = worst_search = 0
    for size in sizes:
        for name, count, requests, median in run(size):
            worst = max(worst, requests)
            if name.startswith("search"):
                worst_search = max(worst_search, requests)
            print(f"{name:32} {count:>8} {requests:>8} {median:>10.1f}", flush=True)
    print(f"most requests made by any read: {worst} (the original made 1 + N S3 requests)")
    print(f"most requests made by a text search: {worst_search} (goal: at most {REQUEST_LIMIT} at 100,000 objects)")


if __name__ == "__main__":
    main(sys.argv[1:])
