"""The trigger router as Lambda calls it: S3's events from the router queue reach each customer's trigger queue."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import boto3
import pytest
from functions.router import app

from tests.backend_support import LambdaContext, load_event, sqs_event, trigger_body
from tests.conftest import BUCKET, TABLE

STACK = TABLE.removesuffix("-table")
PREFIX = f"{STACK}-trigger-"
DEAD_LETTERS = f"{STACK}-router-dead-letters"
OBJECT = "CHG-3f2a9c1e-8b7d-4e21-9a0f-5c6d7e8f9a01"


@pytest.fixture(autouse=True)
def fresh_handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("CCM_TRIGGER_QUEUE_PREFIX", PREFIX)
    monkeypatch.setenv("CCM_ROUTER_DEAD_LETTER_QUEUE", DEAD_LETTERS)
    monkeypatch.setattr(app, "_router", None)
    monkeypatch.setattr(app, "_entry", None)
    yield


@pytest.fixture
def queues(aws: None) -> dict[str, str]:
    sqs = boto3.client("sqs")
    names = [f"{PREFIX}alpha", f"{PREFIX}bravo", f"{PREFIX}charlie", DEAD_LETTERS]
    return {name: sqs.create_queue(QueueName=name)["QueueUrl"] for name in names}


def bodies(queue_url: str) -> list[str]:
    sqs = boto3.client("sqs")
    found: list[str] = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return found
        for message in messages:
            found.append(message["Body"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def keys(queue_url: str) -> list[str]:
    return [record["s3"]["object"]["key"] for body in bodies(queue_url) for record in json.loads(body)["Records"]]


def route(*message_bodies: str) -> dict[str, object]:
    return app.handler(sqs_event(list(message_bodies)), LambdaContext())  # type: ignore[arg-type]


def test_a_trigger_reaches_only_its_customers_queue_unchanged(queues: dict[str, str]) -> None:
    body = trigger_body("alpha", OBJECT, bucket=BUCKET)

    assert route(body) == {"batchItemFailures": []}

    assert bodies(queues[f"{PREFIX}alpha"]) == [body]
    assert bodies(queues[f"{PREFIX}bravo"]) == []
    assert bodies(queues[DEAD_LETTERS]) == []


def test_the_recorded_sample_with_its_url_encoded_key_reaches_alpha(queues: dict[str, str]) -> None:
    sample = load_event("sqs_s3_trigger.json")

    assert app.handler(sample, LambdaContext()) == {"batchItemFailures": []}  # type: ignore[arg-type]

    assert keys(queues[f"{PREFIX}alpha"]) == [f"customers%2Falpha%2F{OBJECT}.json"]


def test_a_key_s3_did_not_encode_is_routed_the_same(queues: dict[str, str]) -> None:
    body = trigger_body("charlie", OBJECT, bucket=BUCKET).replace("%2F", "/")

    assert route(body) == {"batchItemFailures": []}

    assert keys(queues[f"{PREFIX}charlie"]) == [f"customers/charlie/{OBJECT}.json"]


def test_s3s_test_event_is_acknowledged_and_forwarded_nowhere(queues: dict[str, str]) -> None:
    sample = load_event("sqs_s3_test_event.json")

    assert app.handler(sample, LambdaContext()) == {"batchItemFailures": []}  # type: ignore[arg-type]

    assert all(bodies(url) == [] for url in queues.values())


def test_a_batch_of_several_customers_is_split_by_customer(queues: dict[str, str]) -> None:
    alpha = [trigger_body("alpha", f"CHG-{i:08d}-0000-0000-0000-000000000000", bucket=BUCKET) for i in range(12)]
    bravo = trigger_body("bravo", OBJECT, bucket=BUCKET)

    assert route(*alpha[:6], bravo, *alpha[6:]) == {"batchItemFailures": []}

    assert sorted(bodies(queues[f"{PREFIX}alpha"])) == sorted(alpha)
    assert bodies(queues[f"{PREFIX}bravo"]) == [bravo]


def test_one_message_holding_two_customers_records_is_split(queues: dict[str, str]) -> None:
    alpha = json.loads(trigger_body("alpha", OBJECT, bucket=BUCKET))
    bravo = json.loads(trigger_body("bravo", OBJECT, bucket=BUCKET))
    both = json.dumps({"Records": alpha["Records"] + bravo["Records"]})

    assert route(both) == {"batchItemFailures": []}

    assert keys(queues[f"{PREFIX}alpha"]) == [f"customers%2Falpha%2F{OBJECT}.json"]
    assert keys(queues[f"{PREFIX}bravo"]) == [f"customers%2Fbravo%2F{OBJECT}.json"]


def test_redelivery_forwards_again_and_the_copy_is_the_same_trigger(queues: dict[str, str]) -> None:
    """SQS may deliver a router message twice; the second forward is the same S3 event, which the backend's
    delivery ledger turns into no second email (tests/integration/test_backend_ledger.py)."""
    body = trigger_body("alpha", OBJECT, bucket=BUCKET)

    route(body)
    app.handler(sqs_event([body], receive_count=2), LambdaContext())  # type: ignore[arg-type]

    assert bodies(queues[f"{PREFIX}alpha"]) == [body, body]


def test_an_unknown_customer_goes_to_the_routers_dead_letters_with_a_log_line(
    queues: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    # The handler's Powertools logger stops propagation to the root logger; caplog's handler is put on ours.
    logging.getLogger("ccm.routing.router").addHandler(caplog.handler)
    stray = trigger_body("zeta-unknown", OBJECT, bucket=BUCKET)
    known = trigger_body("alpha", OBJECT, bucket=BUCKET)

    assert route(stray, known) == {"batchItemFailures": []}

    assert bodies(queues[DEAD_LETTERS]) == [stray]
    assert bodies(queues[f"{PREFIX}alpha"]) == [known]
    logging.getLogger("ccm.routing.router").removeHandler(caplog.handler)
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert any("unknown customer 'zeta-unknown'" in message and "dead-letter" in message for message in warnings)


def test_a_key_outside_customers_and_a_body_that_is_no_event_are_dead_lettered(queues: dict[str, str]) -> None:
    outside = trigger_body("alpha", OBJECT, bucket=BUCKET).replace("customers%2Falpha%2F", "drafts%2F")

    assert route(outside, "not json") == {"batchItemFailures": []}

    assert sorted(bodies(queues[DEAD_LETTERS])) == sorted([outside, "not json"])


def test_a_customer_whose_queue_is_missing_fails_only_its_own_records(queues: dict[str, str]) -> None:
    boto3.client("sqs").delete_queue(QueueUrl=queues[f"{PREFIX}bravo"])
    event = sqs_event([trigger_body("bravo", OBJECT, bucket=BUCKET), trigger_body("alpha", OBJECT, bucket=BUCKET)])

    answer = app.handler(event, LambdaContext())  # type: ignore[arg-type]

    assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert len(bodies(queues[f"{PREFIX}alpha"])) == 1
