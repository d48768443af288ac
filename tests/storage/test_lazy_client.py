"""The stores' shared DynamoDB client: the caller's when given, else one made on first use, once, under threads."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from ccm.storage.feed_tokens import DynamoFeedTokens
from ccm.storage.leases import Leases


def test_a_client_the_caller_gives_is_the_one_used() -> None:
    given = boto3.client("dynamodb")

    assert Leases("t", dynamodb=given, lease_seconds=60, retention_seconds=60).ddb is given


def test_without_one_each_store_makes_its_own_once_even_when_threads_ask_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[object] = []
    real_client = boto3.client
    gate = threading.Barrier(8)

    def counting_client(*args: object, **kwargs: object) -> object:
        client = real_client(*args, **kwargs)  # type: ignore[call-overload]
        made.append(client)
        return client

    monkeypatch.setattr(boto3, "client", counting_client)
    store, other = DynamoFeedTokens("t"), Leases("t", lease_seconds=60, retention_seconds=60)

    def ask(_: int) -> object:
        gate.wait()
        return store.ddb

    with ThreadPoolExecutor(8) as pool:
        seen = set(map(id, pool.map(ask, range(8))))

    assert len(seen) == 1
    assert len(made) == 1
    assert other.ddb is not store.ddb
    assert len(made) == 2
