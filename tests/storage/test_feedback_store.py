"""The feedback store and its signing keys: the DynamoDB adapter and the in-memory fake keep the same contract."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from ccm.domain.feedback import Answer
from ccm.storage.feedback import (
    DynamoFeedback,
    DynamoFeedbackKeys,
    FeedbackKeyStore,
    FeedbackStore,
    InMemoryFeedback,
    InMemoryFeedbackKeys,
)
from ccm.storage.table import create_table_arguments
from tests.api.helpers import shared_clients
from tests.conftest import TABLE

NOW = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["dynamodb", "in-memory"])
def store(request: pytest.FixtureRequest) -> Iterator[FeedbackStore]:
    if request.param == "in-memory":
        yield InMemoryFeedback()
        return
    request.getfixturevalue("aws")
    _, dynamodb = shared_clients()
    dynamodb.create_table(**create_table_arguments(TABLE))
    yield DynamoFeedback(TABLE, dynamodb)


@pytest.fixture(params=["dynamodb", "in-memory"])
def keys(request: pytest.FixtureRequest) -> Iterator[FeedbackKeyStore]:
    if request.param == "in-memory":
        yield InMemoryFeedbackKeys(clock=lambda: NOW)
        return
    request.getfixturevalue("aws")
    _, dynamodb = shared_clients()
    dynamodb.create_table(**create_table_arguments(TABLE))
    yield DynamoFeedbackKeys(TABLE, dynamodb, clock=lambda: NOW)


def answer(object_id: str = "CHG-one", customer: str = "alpha", who: str = "h1", **changes: object) -> Answer:
    made = Answer(
        object_id=object_id,
        kind="change",
        version=3,
        customer_code=customer,
        recipient_hash=who,
        rating=4,
        comment="fine",
        answered_at=NOW,
        first_answered_at=NOW,
        title="Rotate certificates",
    )
    return replace(made, **changes)  # type: ignore[arg-type]


def test_an_answer_sent_again_replaces_the_first_and_keeps_its_time(store: FeedbackStore) -> None:
    first = store.record(answer(recipient="pat@alpha.example.com"))
    later = NOW + timedelta(hours=2)
    again = store.record(answer(rating=1, comment="worse", answered_at=later, first_answered_at=later))

    assert (first.revision, first.recipient) == (1, "pat@alpha.example.com")
    assert (again.rating, again.comment, again.revision) == (1, "worse", 2)
    assert (again.first_answered_at, again.answered_at) == (NOW, later)
    assert again.recipient is None, "an answer without the address drops the one kept before"
    assert store.for_object("CHG-one") == [again]


def test_a_customers_answers_of_a_period_newest_first(store: FeedbackStore) -> None:
    for day, object_id, customer in ((1, "CHG-a", "alpha"), (5, "CHG-b", "alpha"), (6, "CHG-c", "bravo")):
        at = NOW - timedelta(days=day)
        store.record(answer(object_id, customer, answered_at=at, first_answered_at=at))

    alpha = store.between(NOW - timedelta(days=10), NOW, "alpha")
    recent = store.between(NOW - timedelta(days=3), NOW, "alpha")
    bounded = store.between(NOW - timedelta(days=10), NOW - timedelta(days=2), "alpha")

    assert [a.object_id for a in alpha] == ["CHG-a", "CHG-b"]
    assert [a.object_id for a in recent] == ["CHG-a"]
    assert [a.object_id for a in bounded] == ["CHG-b"]
    assert [a.object_id for a in store.between(NOW - timedelta(days=10), NOW, "bravo")] == ["CHG-c"]


def test_every_customers_answers_across_month_ends_newest_first(store: FeedbackStore) -> None:
    for days, object_id, customer in ((2, "CHG-a", "alpha"), (25, "CHG-b", "bravo"), (70, "CHG-c", "alpha")):
        at = NOW - timedelta(days=days)
        store.record(answer(object_id, customer, answered_at=at, first_answered_at=at))
    store.record(answer("CHG-old", "bravo", answered_at=NOW - timedelta(days=95)))

    everyone = store.between(NOW - timedelta(days=90), NOW)
    november = store.between(datetime(2029, 11, 1, tzinfo=UTC), datetime(2029, 12, 1, tzinfo=UTC))

    assert [(a.object_id, a.customer_code) for a in everyone] == [
        ("CHG-a", "alpha"),
        ("CHG-b", "bravo"),
        ("CHG-c", "alpha"),
    ]
    assert [a.object_id for a in store.between(NOW - timedelta(days=90), NOW, "alpha")] == ["CHG-a", "CHG-c"]
    assert [a.object_id for a in november] == ["CHG-c"]


def test_keys_are_made_once_and_a_rotation_keeps_the_one_before(keys: FeedbackKeyStore) -> None:
    assert keys.existing() is None
    made = keys.keys()
    assert keys.keys() == made and keys.existing() == made

    rotated = keys.rotate()

    assert rotated.previous == made.current and rotated.current != made.current
    assert keys.keys() == rotated
