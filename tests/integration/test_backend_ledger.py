"""The delivery ledger's rules, for the DynamoDB ledger and for the in-memory one the benchmarks use."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from ccm.storage.ledger import (
    CLAIM_LEASE_SECONDS,
    QUERY_PAGE_SIZE,
    DeliveryInProgress,
    DeliveryKey,
    DeliveryLedger,
    DynamoLedger,
)
from tests.backend_fakes import MemoryLedger
from tests.backend_support import Clock, bucket_and_table
from tests.conftest import TABLE

KEY = DeliveryKey("CHG-1", 3, "approved", "alpha")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["dynamodb", "memory"])
def ledger(request: pytest.FixtureRequest, clock: Clock) -> DeliveryLedger:
    if request.param == "memory":
        return MemoryLedger(clock=clock)
    request.getfixturevalue("aws")
    bucket_and_table()
    return DynamoLedger(TABLE, clock=clock)


def test_a_recipient_is_delivered_only_once_marked_sent(ledger: DeliveryLedger) -> None:
    claim = ledger.claim(KEY, "Reader@example.com")
    assert claim is not None
    assert ledger.delivered(KEY) == set()

    ledger.mark_sent(claim, "message-1")

    assert ledger.delivered(KEY) == {"reader@example.com"}
    assert ledger.claim(KEY, "reader@EXAMPLE.com") is None


def test_a_live_claim_cannot_be_taken_by_another_worker(ledger: DeliveryLedger) -> None:
    assert ledger.claim(KEY, "reader@example.com") is not None

    with pytest.raises(DeliveryInProgress):
        ledger.claim(KEY, "reader@example.com")


def test_a_claim_left_by_a_crash_is_taken_over_once_its_lease_ran_out(ledger: DeliveryLedger, clock: Clock) -> None:
    abandoned = ledger.claim(KEY, "reader@example.com")
    assert abandoned is not None
    clock.advance(CLAIM_LEASE_SECONDS + 1)

    taken = ledger.claim(KEY, "reader@example.com")
    assert taken is not None
    ledger.mark_sent(abandoned, "late")  # the crashed worker's late write does not count
    assert ledger.delivered(KEY) == set()

    ledger.mark_sent(taken, "message-2")
    assert ledger.delivered(KEY) == {"reader@example.com"}


def test_a_released_claim_frees_the_recipient_at_once(ledger: DeliveryLedger) -> None:
    claim = ledger.claim(KEY, "reader@example.com")
    assert claim is not None

    ledger.release(claim)

    assert ledger.claim(KEY, "reader@example.com") is not None


def test_each_version_event_and_customer_has_its_own_deliveries(ledger: DeliveryLedger) -> None:
    claim = ledger.claim(KEY, "reader@example.com")
    assert claim is not None
    ledger.mark_sent(claim, "message-1")

    for other in (
        DeliveryKey("CHG-1", 4, "approved", "alpha"),
        DeliveryKey("CHG-1", 3, "completed", "alpha"),
        DeliveryKey("CHG-1", 3, "approved", "bravo"),
    ):
        assert ledger.delivered(other) == set()
        assert ledger.claim(other, "reader@example.com") is not None


def test_ledger_rows_live_in_the_one_table_and_expire(aws: None, clock: Clock) -> None:
    bucket_and_table()
    ledger = DynamoLedger(TABLE, clock=clock)
    claim = ledger.claim(KEY, "reader@example.com")
    assert claim is not None
    ledger.mark_sent(claim, "message-1")

    item = boto3.client("dynamodb").get_item(
        TableName=TABLE, Key={"pk": {"S": "LEDGER#CHG-1#v3#approved#alpha"}, "sk": {"S": "TO#reader@example.com"}}
    )["Item"]

    assert item["state"]["S"] == "sent"
    assert item["message_id"]["S"] == "message-1"
    assert int(item["expires_at"]["N"]) > clock() + 90 * 24 * 3600


def test_delivered_pages_through_every_recipient(aws: None, clock: Clock) -> None:
    bucket_and_table()
    ddb = boto3.client("dynamodb")
    recipients = [f"reader{i:04d}@example.com" for i in range(2 * QUERY_PAGE_SIZE + 10)]
    rows: list[Any] = [
        {"PutRequest": {"Item": {"pk": {"S": KEY.partition}, "sk": {"S": f"TO#{r}"}, "state": {"S": "sent"}}}}
        for r in recipients
    ]
    for start in range(0, len(rows), 25):
        ddb.batch_write_item(RequestItems={TABLE: rows[start : start + 25]})

    queries: list[str] = []
    ddb.meta.events.register("before-call.dynamodb.Query", lambda **_: queries.append("query"))

    assert DynamoLedger(TABLE, ddb, clock=clock).delivered(KEY) == set(recipients)
    assert len(queries) == 3
