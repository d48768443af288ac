"""The token bucket that paces SES sends and contact writes: never faster than its rate, bursts up to its capacity,
and each waiting thread woken once, when its turn has come."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from hypothesis import given
from hypothesis import strategies as st

from ccm.aws.ratelimit import RateLimiter


@dataclass
class ManualClock:
    """Time that passes only when someone sleeps; records every sleep."""

    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@given(
    rate=st.floats(min_value=0.5, max_value=200.0),
    burst=st.integers(min_value=1, max_value=20),
    takes=st.integers(min_value=1, max_value=200),
)
def test_n_tokens_are_never_had_sooner_than_the_burst_and_the_rate_allow(rate: float, burst: int, takes: int) -> None:
    clock = ManualClock()
    limiter = RateLimiter(rate, burst=float(burst), clock=clock, sleep=clock.sleep)

    for _ in range(takes):
        limiter.acquire()

    # The first `burst` come at once; each further one needs 1/rate seconds more.
    earliest = max(0, takes - burst) / rate
    assert clock.now >= earliest - 1e-9
    assert clock.now <= earliest + 1e-6
    assert len(clock.sleeps) == max(0, takes - burst)  # one sleep per token that had to wait, never more


def test_a_limiter_without_a_rate_never_waits() -> None:
    clock = ManualClock()
    limiter = RateLimiter(0, clock=clock, sleep=clock.sleep)
    assert [limiter.acquire() for _ in range(100)] == [0.0] * 100
    assert clock.sleeps == []


def test_threads_sharing_a_limiter_keep_its_rate_and_each_sleeps_at_most_once_per_token() -> None:
    rate, threads, each = 100.0, 8, 10
    sleeps: list[float] = []
    taken: list[float] = []
    lock = threading.Lock()

    def sleep(seconds: float) -> None:
        with lock:
            sleeps.append(seconds)
        time.sleep(seconds)

    started = time.monotonic()
    limiter = RateLimiter(rate, burst=1, sleep=sleep)

    def work() -> None:
        for _ in range(each):
            limiter.acquire()
            with lock:
                taken.append(time.monotonic())

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    total = threads * each
    assert len(taken) == total
    assert len(sleeps) <= total  # one wake-up per token at most: waiting threads are not woken for others' tokens
    # Never faster than the rate: the first token is had at once, each further one 1/rate seconds after the one
    # before at the earliest (a lower bound: a loaded machine can only make it later).
    assert max(taken) - started >= (total - 1) / rate - 1e-3
