"""The delivery records, twice: ledger rows with SES's events on DynamoDB (moto) and the in-memory fake."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

import pytest

from ccm.domain.deliveries import DeliveryStatus
from ccm.storage.delivery_records import DynamoDeliveryRecords, Recorded, SesEvent
from ccm.storage.ledger import DeliveryKey, DynamoLedger
from ccm.storage.memory_deliveries import InMemoryDeliveryRecords
from ccm.storage.table import create_table_arguments
from tests.api.helpers import shared_clients
from tests.conftest import TABLE

KEY = DeliveryKey("CHG-3f2a9c1e-8b7d-4e21-9a0f-5c6d7e8f9a01", 2, "approved", "alpha")
AT = 1892030400.0  # 2029-12-15T12:00:00Z


@dataclass
class Subject:
    records: DynamoDeliveryRecords | InMemoryDeliveryRecords
    sent: Callable[[DeliveryKey, str, str], None]


@pytest.fixture(params=["dynamodb", "in-memory"])
def subject(request: pytest.FixtureRequest) -> Iterator[Subject]:
    if request.param == "in-memory":
        memory = InMemoryDeliveryRecords()
        yield Subject(memory, lambda key, recipient, message_id: memory.sent(key, recipient, message_id, AT))
        return
    request.getfixturevalue("aws")
    _, dynamodb = shared_clients()
    dynamodb.create_table(**create_table_arguments(TABLE))
    ledger = DynamoLedger(TABLE, dynamodb, clock=lambda: AT)

    def sent(key: DeliveryKey, recipient: str, message_id: str) -> None:
        claim = ledger.claim(key, recipient)
        assert claim is not None
        ledger.mark_sent(claim, message_id)

    yield Subject(DynamoDeliveryRecords(TABLE, dynamodb), sent)


def event(message_id: str, status: DeliveryStatus | None, **extra: str) -> SesEvent:
    return SesEvent(message_id, "test", status, AT + 5, **extra)


def test_a_sent_email_reads_as_sent_until_an_event_says_more(subject: Subject) -> None:
    subject.sent(KEY, "Reader@example.com", "m-1")

    (row,) = subject.records.rows(KEY.object_id)

    assert (row.customer_code, row.event, row.version, row.status) == ("alpha", "approved", 2, DeliveryStatus.SENT)
    assert row.recipient.lower() == "reader@example.com"


def test_events_rank_and_repeat_alike(subject: Subject) -> None:
    subject.sent(KEY, "reader@example.com", "m-1")
    bounce = event("m-1", DeliveryStatus.BOUNCED, bounce_type="Permanent", bounce_subtype="General", diagnostic="550")

    assert subject.records.record(event("m-1", None)) is Recorded.RECORDED
    assert subject.records.record(event("m-1", None)) is Recorded.UNCHANGED
    assert subject.records.record(bounce) is Recorded.RECORDED
    assert subject.records.record(event("m-1", DeliveryStatus.DELIVERED)) is Recorded.UNCHANGED
    assert subject.records.record(bounce) is Recorded.UNCHANGED
    assert subject.records.record(event("m-2", DeliveryStatus.DELIVERED)) is Recorded.UNKNOWN

    (row,) = subject.records.rows(KEY.object_id)
    assert (row.status, row.bounce_type, row.diagnostic, row.status_at) == (
        DeliveryStatus.BOUNCED,
        "Permanent",
        "550",
        AT + 5,
    )
    (day,) = subject.records.daily("alpha", date(2029, 12, 15), date(2029, 12, 15))
    assert day.counts == {"sends": 1, "hard_bounces": 1}


def test_rows_are_read_per_object_and_per_customer_in_order(subject: Subject) -> None:
    subject.sent(KEY, "b@example.com", "m-1")
    subject.sent(KEY, "a@example.com", "m-2")
    subject.sent(DeliveryKey(KEY.object_id, 2, "approved", "bravo"), "a@example.com", "m-3")
    subject.sent(
        DeliveryKey("CHG-00000000-0000-4000-8000-000000000000", 1, "approved", "alpha"), "x@example.com", "m-4"
    )

    every = subject.records.rows(KEY.object_id)
    alpha = subject.records.rows(KEY.object_id, "alpha")

    assert [(row.customer_code, row.recipient) for row in every] == [
        ("alpha", "a@example.com"),
        ("alpha", "b@example.com"),
        ("bravo", "a@example.com"),
    ]
    assert [row.recipient for row in alpha] == ["a@example.com", "b@example.com"]


def test_every_customers_days_are_read_together_across_a_month_end(subject: Subject) -> None:
    subject.sent(KEY, "a@example.com", "m-1")
    subject.sent(DeliveryKey(KEY.object_id, 2, "approved", "bravo"), "b@example.com", "m-2")
    january = AT + 20 * 86400  # 2030-01-04
    subject.records.record(SesEvent("m-1", "test", None, AT))
    subject.records.record(SesEvent("m-2", "test", DeliveryStatus.DELIVERED, january))
    subject.records.record(SesEvent("m-2", "test", DeliveryStatus.DELIVERED, january))  # repeated: counts once

    both = subject.records.daily_all(date(2029, 12, 1), date(2030, 1, 10))
    later = subject.records.daily_all(date(2029, 12, 16), date(2030, 1, 4))

    assert [(day.customer_code, day.day, day.counts) for day in both] == [
        ("alpha", "2029-12-15", {"sends": 1}),
        ("bravo", "2030-01-04", {"delivered": 1}),
    ]
    assert [day.customer_code for day in later] == ["bravo"]
