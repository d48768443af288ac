"""Reading SQS message bodies as S3 sends them, and the trigger keys inside them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ccm.backend.trigger_events import (
    MalformedEvent,
    ObjectEvent,
    S3TestEvent,
    TriggerKey,
    parse_message,
    parse_trigger_key,
)
from ccm.domain.due_actions import ReminderAction, reminder
from tests.backend_support import load_event


def test_the_recorded_trigger_event_reads_as_one_object_creation_with_its_key_decoded() -> None:
    body = load_event("sqs_s3_trigger.json")["Records"][0]["body"]

    parsed = parse_message(body)
    assert isinstance(parsed, list)
    (event,) = parsed

    assert event == ObjectEvent(
        bucket="ccm-test-bucket",
        key="customers/alpha/CHG-3f2a9c1e-8b7d-4e21-9a0f-5c6d7e8f9a01.json",
        event_name="ObjectCreated:Put",
        principal_id="AWS:AROA2EXAMPLEAPIROLE1:ccm-api",
    )
    assert event.is_creation


def test_the_recorded_s3_test_event_is_recognised() -> None:
    body = load_event("sqs_s3_test_event.json")["Records"][0]["body"]

    assert parse_message(body) == S3TestEvent(bucket="ccm-test-bucket")


def test_plus_and_percent_escapes_in_keys_are_decoded() -> None:
    body = json.dumps(
        {
            "Records": [
                {
                    "eventSource": "aws:s3",
                    "eventName": "ObjectCreated:Copy",
                    "s3": {"bucket": {"name": "b"}, "object": {"key": "customers/alpha/CHG-a%2Bb+c.json"}},
                }
            ]
        }
    )

    parsed = parse_message(body)
    assert isinstance(parsed, list)
    (event,) = parsed

    assert event.key == "customers/alpha/CHG-a+b c.json"
    assert event.principal_id == ""


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("{not json", "not JSON"),
        ('"a string"', "not a JSON object"),
        ('{"Type": "Notification", "Message": "{}"}', "not an S3 event notification"),
        ('{"Records": []}', "Records"),
        ('{"Records": [{"eventSource": "aws:sqs", "eventName": "x", "s3": {}}]}', "eventSource"),
        ('{"Records": [{"eventSource": "aws:s3", "eventName": "x", "s3": {"bucket": {"name": "b"}}}]}', "object"),
    ],
)
def test_anything_else_is_malformed_with_a_reason(body: str, reason: str) -> None:
    with pytest.raises(MalformedEvent, match=reason):
        parse_message(body)


def test_a_trigger_key_names_the_customer_and_the_object() -> None:
    assert parse_trigger_key("customers/bravo/CIC-1234.json") == TriggerKey("bravo", "CIC-1234")


@pytest.mark.parametrize(
    "key",
    [
        "archive/CHG-1.json",
        "customers/alpha/CHG-1.txt",
        "customers//CHG-1.json",
        "customers/alpha/sub/CHG-1.json",
        "customers/alpha/../CHG-1.json",
        "customers/alpha/NOPE-1.json",
        "customers/alpha/.json",
    ],
)
def test_keys_outside_the_trigger_layout_are_malformed(key: str) -> None:
    with pytest.raises(MalformedEvent):
        parse_trigger_key(key)


def test_the_clocks_messages_are_read_as_its_actions_and_a_broken_one_is_malformed() -> None:
    action = reminder(
        "CHG-1", "alpha", 3, "pt24h", datetime(2030, 1, 7, 15, tzinfo=UTC), datetime(2030, 1, 6, tzinfo=UTC)
    )

    parsed = parse_message(action.body())

    assert parsed == action and isinstance(parsed, ReminderAction)
    assert (parsed.offset, parsed.key) == ("P1D", "REMINDER#alpha#P1D#2030-01-07T15:00:00Z")
    with pytest.raises(MalformedEvent, match=r"not a clock action: nudge\.number"):
        parse_message(json.dumps({**json.loads(action.body()), "action": "nudge"}))
