"""Per-customer work: bounded, isolated, reported in order."""

from __future__ import annotations

import threading
import time
from typing import Any

import boto3
import pytest

from ccm.aws.ratelimit import RateLimiter
from ccm.aws.throttle import limit_calls
from ccm.errors import UnknownCustomer
from ccm.fleet import run_each


def test_no_more_than_the_bound_run_at_once_and_outcomes_keep_the_input_order() -> None:
    running, peak, lock = 0, 0, threading.Lock()

    def work(item: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.01)
        with lock:
            running -= 1
        return item * 2

    outcomes = run_each(list(range(12)), work, key=str, max_concurrency=3)

    assert peak <= 3
    assert [o.value for o in outcomes] == [i * 2 for i in range(12)]


def test_one_failure_is_reported_and_the_others_still_run() -> None:
    def work(code: str) -> str:
        if code == "b":
            raise UnknownCustomer([code])
        if code == "c":
            raise RuntimeError("boom")
        return code.upper()

    outcomes = run_each(["a", "b", "c", "d"], work, key=str, max_concurrency=2)

    assert [(o.key, o.ok) for o in outcomes] == [("a", True), ("b", False), ("c", False), ("d", True)]
    assert outcomes[1].error == "unknown customer code(s): b"
    assert outcomes[2].error == "RuntimeError: boom"


def test_a_value_can_carry_its_own_failure() -> None:
    (outcome,) = run_each([1], lambda i: {"failed": 2}, key=str, max_concurrency=1, problem=lambda v: "2 failed")
    assert not outcome.ok and outcome.value == {"failed": 2}


def test_a_bound_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        run_each([1], lambda i: i, key=str, max_concurrency=0)


class CountingLimiter(RateLimiter):
    def __init__(self) -> None:
        super().__init__(0)
        self.taken = 0

    def acquire(self, tokens: float = 1.0) -> float:
        self.taken += 1
        return 0.0


def test_every_call_of_a_limited_client_takes_a_token_pages_included(aws: Any) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="limited")
    for i in range(5):
        s3.put_object(Bucket="limited", Key=f"k{i}", Body=b"")
    limiter = CountingLimiter()
    limited = limit_calls(boto3.client("s3"), limiter)

    pages = list(limited.get_paginator("list_objects_v2").paginate(Bucket="limited", PaginationConfig={"PageSize": 2}))

    assert len(pages) == 3
    assert limiter.taken == 3
