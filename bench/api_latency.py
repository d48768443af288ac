"""In-process latency and AWS request count of the portal API's busiest calls, at 100 and 10,000 stored changes.

Each call goes through the real resolver (routing, validation, identity, error mapping) with a Function URL
event. AWS is the in-process emulator (moto), whose query and transaction code copies whole tables and so
grows with what is stored, unlike DynamoDB. So besides the total time the table shows the API's own time
(total minus the time spent inside AWS calls, measured with botocore event hooks) and the number of S3 and
DynamoDB requests, which is what the call would cost against AWS.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import RequestCounter, emulated_aws

SIZES = {100: 20, 10_000: 10}
"""Stored changes, and how often each call is timed (the emulator makes calls at 10,000 take seconds)."""
STATUSES = ["submitted", "approved", "completed", "cancelled", "draft"]
TITLES = ["Patch kernels", "Rotate certificates", "Upgrade database", "Resize cluster", "Renew domain"]
USERS = [f"engineer{i}@example.com" for i in range(20)]
NOW = datetime(2029, 12, 15, 12, 0, tzinfo=UTC)
BUCKET, TABLE = "bench-api-bucket", "bench-api-table"

Row = tuple[str, int, float, float, float, float, int, int]


class AwsTime:
    """Wall time during which at least one AWS call was in flight (trigger writes run in parallel)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active = 0
        self._since = 0.0
        self.total = 0.0

    def attach(self, client: Any) -> None:
        prefix = client.meta.service_model.endpoint_prefix
        client.meta.events.register(f"before-call.{prefix}", self._start)
        client.meta.events.register(f"after-call.{prefix}", self._stop)
        client.meta.events.register(f"after-call-error.{prefix}", self._stop)

    def _start(self, **_: Any) -> None:
        with self._lock:
            if self._active == 0:
                self._since = time.perf_counter()
            self._active += 1

    def _stop(self, **_: Any) -> None:
        with self._lock:
            self._active -= 1
            if self._active == 0:
                self.total += time.perf_counter() - self._since


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def sample(operation: Callable[[], None], aws: AwsTime, repeat: int) -> tuple[float, float, float, float]:
    """Median and p95 of the total time and of the API's own time, in milliseconds."""
    totals, own = [], []
    for _ in range(repeat):
        aws.total = 0.0
        started = time.perf_counter()
        operation()
        elapsed = time.perf_counter() - started
        totals.append(elapsed * 1000)
        own.append((elapsed - aws.total) * 1000)
    return (*percentiles(totals), *percentiles(own))


def run(size: int, repeat: int) -> list[Row]:
    import boto3
    from tests.api.client import APPROVER, REQUESTER, Identity, function_url_event, lambda_context
    from tests.factories import make_change

    from ccm.api import create_app
    from ccm.aws.clients import RETRY_CONFIG
    from ccm.config import load_config, load_ses_config
    from ccm.provision import Provisioner
    from ccm.storage.archive import ArchiveStore
    from ccm.storage.catalog import Catalog, Summary
    from ccm.storage.delegations import DynamoDelegations
    from ccm.storage.repository import Repository
    from ccm.workflow import Services

    root = Path(__file__).resolve().parents[1]
    config = load_config(root / "config.json")
    with emulated_aws():
        Provisioner(config, load_ses_config(root / "SESConfig.json"), BUCKET, TABLE).run(with_ses=False)
        counter, aws = RequestCounter(), AwsTime()
        s3 = counter.attach(boto3.client("s3", config=RETRY_CONFIG))
        ddb = counter.attach(boto3.client("dynamodb", config=RETRY_CONFIG))
        aws.attach(s3)
        aws.attach(ddb)
        archive, catalog = ArchiveStore(BUCKET, s3), Catalog(TABLE, ddb)
        codes = config.customer_codes
        summaries, pending = [], []
        for i in range(size):
            # The first repeat + 1 changes wait for approval, created by someone other than the approver.
            status = "submitted" if i <= repeat else STATUSES[i % len(STATUSES)]
            obj = make_change(
                changeId=f"CHG-bench-{i:06d}",
                changeTitle=f"{TITLES[i % len(TITLES)]} #{i}",
                status=status,
                createdBy=USERS[i % len(USERS)],
                customers=[codes[i % len(codes)], codes[(i * 7) % len(codes)]],
                modifiedAt=f"2029-12-01T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}Z",
            )
            summaries.append(Summary.from_stored(archive.create(obj)))
            if status == "submitted":
                pending.append(obj.id)
        catalog.load(summaries)

        services = Services(
            Repository(archive, catalog), config, clock=lambda: NOW, delegations=DynamoDelegations(TABLE, ddb)
        )
        app = create_app(lambda: services)

        def call(method: str, path: str, identity: Identity = REQUESTER, body: Any = None) -> None:
            event = function_url_event(method, path, identity=identity, body=body)
            response = app.resolve(event, lambda_context())
            if response["statusCode"] >= 300:
                raise SystemExit(f"{method} {path}: {response['statusCode']} {response.get('body')}")

        to_approve = iter(pending)
        operations: dict[str, Callable[[], None]] = {
            "list (first page)": lambda: call("GET", "/api/changes"),
            "search": lambda: call("POST", "/api/changes/search", body={"query": "certificates", "status": "all"}),
            "statistics": lambda: call("GET", "/api/changes/statistics"),
            "get one": lambda: call("GET", f"/api/changes/{pending[-1]}"),
            "approvals (mine)": lambda: call("GET", "/api/approvals", identity=APPROVER),
            "approve": lambda: call("POST", f"/api/changes/{next(to_approve)}/approve", identity=APPROVER),
        }
        rows: list[Row] = []
        for name, operation in operations.items():
            counter.reset()
            operation()
            s3_calls, ddb_calls = counter.calls["s3"], counter.calls["dynamodb"]
            rows.append((name, size, *sample(operation, aws, repeat), s3_calls, ddb_calls))
        return rows


def main() -> None:
    header = ("operation", "changes", "median ms", "p95 ms", "own median", "own p95", "S3 req", "DDB req")
    print("{:20} {:>8} {:>10} {:>8} {:>11} {:>8} {:>7} {:>8}".format(*header))
    for size, repeat in SIZES.items():
        for name, count, median, p95, own_median, own_p95, s3_calls, ddb_calls in run(size, repeat):
            print(
                f"{name:20} {count:>8} {median:>10.1f} {p95:>8.1f} {own_median:>11.1f} {own_p95:>8.1f}"
                f" {s3_calls:>7} {ddb_calls:>8}"
            )
    print("own = total minus time inside (emulated) AWS calls; requests are those of one call")


if __name__ == "__main__":
    main()
