"""Run one piece of work per customer, a bounded number at a time, and never let one failure stop the rest.

The work runs in threads, which on CPython 3.11 must neither import nor compile what they need in parallel: the
commands import their modules and build their clients, renderers and templates in the calling thread first (a test
runs every kind of fleet command in a fresh interpreter and checks that no worker thread imports or compiles
anything), and the syntax-tree lock of :mod:`ccm.ast_construction` covers what cannot be done ahead, such as a
traceback printed from a worker.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Generic, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from ccm.ast_construction import serialize_ast_construction
from ccm.errors import CcmError

T = TypeVar("T")
K = TypeVar("K")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What happened for one customer: a value, or the error that stopped it."""

    key: str
    value: T | None
    error: str | None
    seconds: float

    @property
    def ok(self) -> bool:
        return self.error is None


def describe_error(error: BaseException) -> str:
    """One sentence for the summary table; AWS errors keep their code, which is what an operator searches for."""
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{error.operation_name}: {details.get('Code')}: {details.get('Message')}"
    if isinstance(error, CcmError | BotoCoreError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def run_each(
    items: Sequence[K],
    work: Callable[[K], T],
    *,
    key: Callable[[K], str],
    max_concurrency: int,
    problem: Callable[[T], str | None] | None = None,
    on_done: Callable[[Outcome[T]], None] | None = None,
) -> list[Outcome[T]]:
    """Apply ``work`` to every item with at most ``max_concurrency`` running; outcomes in the items' order.

    ``problem`` turns a finished item's value into a failure (e.g. some contact writes failed) while keeping
    the value for the report.
    """
    if max_concurrency < 1:
        raise ValueError("max_concurrency must be at least 1")
    serialize_ast_construction()

    def timed(item: K) -> Outcome[T]:
        started = time.perf_counter()
        try:
            value = work(item)
        except Exception as error:  # one customer's failure, whatever it is, must not stop the others
            return Outcome(key(item), None, describe_error(error), time.perf_counter() - started)
        return Outcome(key(item), value, problem(value) if problem else None, time.perf_counter() - started)

    outcomes: dict[str, Outcome[T]] = {}
    with ThreadPoolExecutor(max_workers=min(max_concurrency, max(1, len(items)))) as pool:
        pending: set[Future[Outcome[T]]] = {pool.submit(timed, item) for item in items}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                outcome = future.result()
                outcomes[outcome.key] = outcome
                if on_done is not None:
                    on_done(outcome)
    return [outcomes[key(item)] for item in items]
