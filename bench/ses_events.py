"""SES events onto the delivery ledger: 100,000 events through the real handler, and what each costs in DynamoDB.

Part 1 sends 100,000 events (a Send and an outcome for each of 50,000 emails, in SQS batches of 10, each
SES record inside SNS's envelope) through ``functions/ses_events/app.py:handler``. DynamoDB is answered in
process at botocore's ``before-call`` (a pointer for every message id, every transaction accepted), so what is
timed is the handler's own work per event (parsing, building the requests, botocore, Powertools), not a
network; the requests it makes are counted by operation, with the write capacity units they cost (a
transaction item costs twice a plain write).

Part 2 runs 400 events through the same handler against moto's DynamoDB, with the real pointer rows and
conditions: every event twice and the deliveries late (after a bounce), and reports how many were recorded and how
many changed nothing. It stays small because moto copies its whole table state for every transaction, so its time
grows with the table and says nothing about DynamoDB's.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import os

from bench._support import emulated_aws

# One log line per event would cost more than the event; warnings (an unknown message id) still show.
os.environ.update(
    {"POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_METRICS_NAMESPACE": "bench", "POWERTOOLS_LOG_LEVEL": "WARNING"}
)

from botocore.awsrequest import AWSResponse
from functions.ses_events import app
from tests.backend_support import LambdaContext
from tests.ses_event_samples import events_queue_event, ses_record, sns_envelope

from ccm.ses_events.recorder import EventRecorder
from ccm.storage.delivery_records import DynamoDeliveryRecords
from ccm.storage.ledger import DeliveryKey, DynamoLedger
from ccm.storage.table import create_table_arguments

EVENTS = int(os.environ.get("BENCH_SES_EVENTS", "100000"))
BATCH = 10
MOTO_EVENTS = 400
TABLE = "ccm-bench-table"
OUTCOMES = ["Delivery"] * 90 + ["Bounce"] * 6 + ["Complaint"] + ["DeliveryDelay"] * 3
NO_HEADERS: Any = {}


class InProcessDynamo:
    """Answers the handler's DynamoDB requests without a network, counting them."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.transaction_items = 0

    def attach(self, client: Any) -> Any:
        client.meta.events.register_first("before-call.dynamodb", self.answer)
        return client

    def answer(self, model: Any, params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        # ``params`` is the serialized request here; DynamoDB's is JSON of the API parameters.
        self.calls[model.name] += 1
        params = json.loads(params["body"])
        body: dict[str, Any] = {}
        if model.name == "GetItem":
            message = params["Key"]["pk"]["S"]
            body = {
                "Item": {
                    "pk": {"S": message},
                    "sk": {"S": "SESMSG"},
                    "ledger_pk": {"S": "LEDGER#CHG-bench#v1#approved#alpha"},
                    "ledger_sk": {"S": f"TO#{message.lower()}@example.com"},
                    "customer_code": {"S": "alpha"},
                }
            }
        elif model.name == "TransactWriteItems":
            self.transaction_items += len(params["TransactItems"])
        return AWSResponse("https://bench", 200, NO_HEADERS, None), {
            **body,
            "ResponseMetadata": {"HTTPStatusCode": 200},
        }


def bodies(messages: int) -> list[str]:
    found = []
    for number in range(messages):
        message_id = f"bench-{number:06d}"
        found.append(sns_envelope(ses_record("Send", message_id, f"r{number}@example.com")))
        found.append(sns_envelope(ses_record(random.choice(OUTCOMES), message_id, f"r{number}@example.com")))
    return found


def run(all_bodies: list[str]) -> list[float]:
    """Per-event milliseconds, measured per batch."""
    per_event = []
    for start in range(0, len(all_bodies), BATCH):
        event = events_queue_event(all_bodies[start : start + BATCH])
        started = time.perf_counter()
        response = app.handler(event, LambdaContext(function_name="ccm-ses-events"))  # type: ignore[arg-type]
        elapsed = time.perf_counter() - started
        assert response == {"batchItemFailures": []}, response
        per_event.append(elapsed * 1000 / len(event["Records"]))
    return per_event


def part_one() -> None:
    import boto3

    dynamo = InProcessDynamo()
    client = dynamo.attach(boto3.client("dynamodb", region_name="us-east-1"))
    app._recorder = EventRecorder(DynamoDeliveryRecords(TABLE, client))
    app._entry = None
    random.seed(7)
    events = bodies(EVENTS // 2)
    import io
    from contextlib import redirect_stdout

    started = time.perf_counter()
    with redirect_stdout(io.StringIO()):
        per_event = run(events)
    total = time.perf_counter() - started
    writes = dynamo.transaction_items
    print(f"part 1: {len(events):,} events in {len(per_event):,} batches of {BATCH}, DynamoDB answered in process")
    mean = total * 1000 / len(events)
    print(f"  handler time per event: median {statistics.median(per_event):.3f} ms, mean {mean:.3f} ms")
    print(
        "  DynamoDB requests per event: "
        + ", ".join(f"{op} {n / len(events):.2f}" for op, n in sorted(dynamo.calls.items()))
    )
    print(
        f"  items written per event: {writes / len(events):.2f} (the ledger row and the day's count, one transaction)"
    )
    print(
        f"  write capacity units per event (items under 1 KB, transactions cost double): {2 * writes / len(events):.2f}"
    )


def part_two() -> None:
    import io
    from contextlib import redirect_stdout

    import boto3

    with emulated_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(**create_table_arguments(TABLE))
        ledger = DynamoLedger(TABLE, client)
        messages = MOTO_EVENTS // 4
        for number in range(messages):
            claim = ledger.claim(DeliveryKey("CHG-bench", 1, "approved", "alpha"), f"r{number}@example.com")
            assert claim is not None
            ledger.mark_sent(claim, f"moto-{number}")
        events = []
        for number in range(messages):
            recipient = f"r{number}@example.com"
            pair = [
                sns_envelope(ses_record("Bounce", f"moto-{number}", recipient)),
                sns_envelope(ses_record("Delivery", f"moto-{number}", recipient)),
            ]
            events.extend(pair * 2)  # each event twice, the late delivery after the bounce
        events.append(json.dumps(ses_record("Delivery", f"unknown-{uuid.uuid4()}", "x@example.com")))
        app._recorder = EventRecorder(DynamoDeliveryRecords(TABLE, client))
        app._entry = None
        outcomes: Counter[str] = Counter()
        original = app._recorder.process

        def counted(body: str) -> str:
            outcome = original(body)
            outcomes[outcome] += 1
            return outcome

        app._recorder.process = counted  # type: ignore[method-assign]
        with redirect_stdout(io.StringIO()):
            per_event = run(events)
    print(f"part 2: {len(events):,} events on moto's DynamoDB (every event twice, deliveries after bounces)")
    print(f"  handler time per event: median {statistics.median(per_event):.3f} ms (moto, not DynamoDB)")
    print("  outcomes: " + ", ".join(f"{name} {count:,}" for name, count in sorted(outcomes.items())))


def main() -> int:
    part_one()
    part_two()
    return 0


if __name__ == "__main__":
    sys.exit(main())
