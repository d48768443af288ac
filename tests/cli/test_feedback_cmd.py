"""``ccm feedback export`` and ``ccm feedback rotate-key``, run as a user runs them."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import boto3

from ccm.domain.feedback import Answer
from ccm.storage.feedback import DynamoFeedback
from ccm.storage.table import create_table_arguments
from tests.cli.conftest import Ccm
from tests.conftest import TABLE


def answer(customer: str, rating: int, day: int, comment: str = "") -> Answer:
    at = datetime(2030, 1, day, 10, 0, tzinfo=UTC)
    return Answer(
        object_id=f"CHG-{customer}-{day}",
        kind="change",
        version=3,
        customer_code=customer,
        recipient_hash=f"hash{day}{customer}",
        rating=rating,
        comment=comment,
        answered_at=at,
        first_answered_at=at,
        title="Rotate certificates",
    )


def seeded() -> None:
    boto3.client("dynamodb").create_table(**create_table_arguments(TABLE))
    store = DynamoFeedback(TABLE)
    for each in (answer("alpha", 5, 3, "great"), answer("alpha", 2, 10, "=cmd|' /C calc'!A0"), answer("bravo", 4, 11)):
        store.record(each)


def test_export_writes_every_answer_of_the_period_as_csv(ccm: Ccm, tmp_path: Path) -> None:
    seeded()

    everything = ccm("feedback", "export", "--from", "2030-01-01", "--to", "2030-01-31")
    alpha = ccm("feedback", "export", "--from", "2030-01-05", "--to", "2030-01-31", "-c", "alpha")
    to_file = ccm("feedback", "export", "--from", "2030-01-01", "--to", "2030-01-31", "-o", str(tmp_path / "f.csv"))

    assert everything.exit_code == 0, everything.output
    rows = list(csv.DictReader(io.StringIO(everything.stdout)))
    assert [(row["customer"], row["rating"]) for row in rows] == [("bravo", "4"), ("alpha", "2"), ("alpha", "5")]
    assert rows[1]["comment"] == "'=cmd|' /C calc'!A0"
    assert [row["object"] for row in csv.DictReader(io.StringIO(alpha.stdout))] == ["CHG-alpha-10"]
    assert to_file.exit_code == 0 and "wrote 3 answers" in to_file.output
    assert (tmp_path / "f.csv").read_text(encoding="utf-8") == everything.stdout


def test_export_refuses_a_backwards_period_and_an_unknown_customer_with_a_sentence(ccm: Ccm) -> None:
    seeded()

    backwards = ccm("feedback", "export", "--from", "2030-02-01", "--to", "2030-01-01")
    unknown = ccm("feedback", "export", "-c", "nobody")
    garbage = ccm("feedback", "export", "--from", "yesterday")

    assert backwards.exit_code == 1 and "is before" in backwards.output
    assert unknown.exit_code == 1 and "nobody" in unknown.output
    assert garbage.exit_code == 1 and "is not a day" in garbage.output


def test_rotate_key_keeps_the_previous_key(ccm: Ccm) -> None:
    boto3.client("dynamodb").create_table(**create_table_arguments(TABLE))

    first = ccm.json("feedback", "rotate-key")
    second = ccm.json("feedback", "rotate-key")

    assert second["previous"] == first["current"] and second["current"] != first["current"]
