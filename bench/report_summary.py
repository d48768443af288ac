"""What a 12-month report costs at 100,000 changes, and what auditing one archive write costs.

Computes the facts of 100,000 changes spread over 12 months (each at 1 to 3 of the 26 customers; about one in
ten announced with less than the 72 hours' notice, emergencies mostly) and writes, in the in-process emulator,
what a report reads: the monthly sums of scope ``*`` and of customer ``alpha``, and the fact rows of those scopes
that are below the notice minimum (the index query's key condition reads no other fact row, so the others change
nothing here and would only slow the emulator). Then prints the DynamoDB requests and time of
``GET /api/reports/summary`` for all customers and for ``alpha``, and the size of the largest monthly row against
DynamoDB's 400 KB item limit.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import RequestCounter, emulated_aws, timed

CHANGES = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
"""100,000 unless a smaller count is given (``python bench/report_summary.py 10000``) on a busy machine."""
MONTHS = 12
REQUEST_LIMIT = 20
TABLE = "bench-table"
ITEM_LIMIT = 400 * 1024
MINIMUM_MINUTES = 72 * 60
"""config.json's reports.notice_minimum_hours, 72 by default."""


def document(rng: random.Random, index: int, codes: list[str]) -> dict[str, Any]:
    start = datetime(2030, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(MONTHS * 30 * 24 * 60))
    emergency = rng.random() < 0.08
    ahead = rng.randrange(60, 12 * 60) if emergency else rng.randrange(2 * 24 * 60, 21 * 24 * 60)
    submitted = start - timedelta(minutes=ahead)
    approved = submitted + timedelta(minutes=rng.randrange(5, max(6, min(ahead // 3, 2 * 24 * 60))))
    customers = sorted(rng.sample(codes, rng.randint(1, 3)))
    history = [
        {"modification_type": "submitted", "timestamp": submitted.isoformat(), "user_id": "r@example.com"},
        {"modification_type": "approved", "timestamp": approved.isoformat(), "user_id": "a@example.com"},
    ]
    history += [
        {
            "modification_type": "processed",
            "timestamp": (approved + timedelta(minutes=rng.randrange(1, 600))).isoformat(),
            "user_id": "backend",
            "customer_code": code,
        }
        for code in customers
    ]
    outcome = rng.choice(["successful"] * 8 + ["successful_with_issues", "rolled_back", "failed"])
    return {
        "changeId": f"CHG-{index:08d}",
        "changeTitle": f"Change {index}",
        "changeType": "emergency" if emergency else rng.choice(["standard", "normal", "normal"]),
        "risk": rng.choice(["low", "medium", "high"]),
        "customers": customers,
        "status": "completed",
        "outcome": outcome,
        "implementationStart": start.isoformat(),
        "modifications": history,
    }


def build_rows(codes: list[str]) -> tuple[list[dict[str, Any]], dict[tuple[str, str], dict[str, int]]]:
    from ccm.domain.reports import ALL, facts_of, month_deltas
    from ccm.storage.report_store import FACT_PREFIX, NOTICE_PREFIX, _plain, notice_sort_key

    rng = random.Random(18)
    facts_rows: list[dict[str, Any]] = []
    sums: dict[tuple[str, str], dict[str, int]] = {}
    for index in range(CHANGES):
        for scope, facts in facts_of(document(rng, index, codes)).items():
            if scope not in (ALL, "alpha"):
                continue
            for month, counters in month_deltas(None, facts).items():
                target = sums.setdefault((month, scope), {})
                for name, count in counters.items():
                    target[name] = target.get(name, 0) + count
            if facts.notice_lead_minutes is None or facts.notice_lead_minutes >= MINIMUM_MINUTES:
                continue
            row: dict[str, Any] = {
                "pk": {"S": f"{FACT_PREFIX}{facts.object_id}"},
                "sk": {"S": scope},
                "rev": {"N": "1"},
            }
            row.update({name: _plain(value) for name, value in facts.to_item().items()})
            if facts.notice_lead_minutes is not None:
                row["group_pk"] = {"S": f"{NOTICE_PREFIX}{scope}#{facts.month}"}
                row["group_sk"] = {"S": notice_sort_key(facts.notice_lead_minutes, facts.object_id)}
            facts_rows.append(row)
    return facts_rows, sums


def main() -> None:
    import boto3

    from ccm.config import load_config
    from ccm.domain.times import utc_now
    from ccm.storage.report_store import MONTH_PREFIX, ReportStore
    from ccm.storage.table import create_table_arguments
    from ccm.workflow import Actor, Services
    from ccm.workflow.insights import report_summary

    root = Path(__file__).resolve().parents[1]
    config = load_config(root / "config.json")
    with emulated_aws():
        ddb = boto3.client("dynamodb")
        ddb.create_table(**create_table_arguments(TABLE))
        facts_rows, sums = build_rows(config.customer_codes)
        for start in range(0, len(facts_rows), 25):
            batch = [{"PutRequest": {"Item": row}} for row in facts_rows[start : start + 25]]
            ddb.batch_write_item(RequestItems={TABLE: batch})  # type: ignore[dict-item]
        largest = 0
        for (month, scope), counters in sums.items():
            item: dict[str, Any] = {"pk": {"S": f"{MONTH_PREFIX}{month}"}, "sk": {"S": scope}}
            item.update({name: {"N": str(count)} for name, count in counters.items()})
            largest = max(largest, len(json.dumps(item)))
            ddb.put_item(TableName=TABLE, Item=item)

        counter = RequestCounter()
        store = ReportStore(TABLE, counter.attach(boto3.client("dynamodb")))
        services = Services(repository=None, config=config, clock=utc_now, reports=store)  # type: ignore[arg-type]
        actor = Actor(email="bench@example.com", is_admin=True, is_approver=True)
        print(f"{CHANGES:,} changes over {MONTHS} months; {len(facts_rows):,} fact rows below the notice minimum")
        for customer in (None, "alpha"):
            counter.reset()
            summary = report_summary(services, actor, start="2030-01", end="2030-12", customer=customer)
            requests = counter.total

            def again(scope: str | None = customer) -> object:
                return report_summary(services, actor, start="2030-01", end="2030-12", customer=scope)

            median, p95 = timed(again)
            verdict = "within" if requests <= REQUEST_LIMIT else "OVER"
            print(
                f"12-month report for {customer or 'every customer'}: {requests} DynamoDB requests ({verdict} the "
                f"limit of {REQUEST_LIMIT}), {summary.totals['changes']:,} changes, {len(summary.below_minimum):,} "
                f"listed below the notice minimum; median {median:.0f} ms, p95 {p95:.0f} ms in the emulator, whose "
                "every query reads the whole table"
            )
        print(f"largest monthly row: about {largest / 1024:.0f} KB of DynamoDB's {ITEM_LIMIT // 1024} KB item limit")


if __name__ == "__main__":
    main()
