"""Shared by the benchmarks: an in-process AWS emulator and request counting with botocore event hooks."""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)


class RequestCounter:
    """Counts API calls per service on the clients it is attached to (one count per call, not per retry)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def attach(self, client: Any) -> Any:
        service = client.meta.service_model.service_name
        client.meta.events.register(f"before-call.{client.meta.service_model.endpoint_prefix}", self._count(service))
        return client

    def _count(self, service: str) -> Callable[..., None]:
        def handler(**_: Any) -> None:
            self.calls[service] += 1

        return handler

    def reset(self) -> None:
        self.calls.clear()

    @property
    def total(self) -> int:
        return sum(self.calls.values())


@contextmanager
def emulated_aws() -> Iterator[None]:
    from moto import mock_aws

    with mock_aws():
        yield


def timed(operation: Callable[[], object], repeat: int = 5) -> tuple[float, float]:
    """Median and 95th percentile wall time in milliseconds over ``repeat`` runs."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        operation()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95
