"""The table stream's poller plays Lambda's DynamoDB event source: the filter, partial batch failures retried from
the failed record, a batch given up after its retries, and a start at the stream's end after a restore."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from ccm.local.lambdas import FunctionError
from ccm.local.stream_poller import MAX_RETRIES, StreamPoller
from ccm.storage.table import create_table_arguments
from tests.conftest import TABLE


@dataclass
class AuditFunction:
    """Fails the records of the partitions named in ``fail`` (``crash``: the whole invocation) ``times`` times."""

    fail: set[str] = field(default_factory=set)
    crash: bool = False
    times: int = 1_000
    handed: list[list[str]] = field(default_factory=list)

    def invoke(self, event: dict[str, Any], request_id: str | None = None) -> Any:
        partitions = [record["dynamodb"]["Keys"]["pk"]["S"] for record in event["Records"]]
        self.handed.append(partitions)
        if self.times <= 0:
            return {"batchItemFailures": []}
        self.times -= 1
        if self.crash:
            raise FunctionError("ccm-audit", "Runtime.ExitError", "the environment ended")
        return {
            "batchItemFailures": [
                {"itemIdentifier": record["dynamodb"]["SequenceNumber"]}
                for record in event["Records"]
                if record["dynamodb"]["Keys"]["pk"]["S"] in self.fail
            ]
        }


def put(ddb: Any, pk: str, sk: str = "CURRENT") -> None:
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": pk}, "sk": {"S": sk}})


@pytest.fixture
def ddb(aws: None) -> Any:
    client = boto3.client("dynamodb")
    client.create_table(**create_table_arguments(TABLE))
    return client


def poller(ddb: Any, function: AuditFunction, *, from_start: bool = True) -> StreamPoller:
    arn = ddb.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    return StreamPoller(boto3.client("dynamodbstreams"), arn, function, from_start=from_start, wait_seconds=0)


def drain(stream: StreamPoller) -> None:
    for _ in range(20):
        if not stream.poll_once() and not stream._retries:
            return
    raise AssertionError("the stream did not drain in 20 rounds")


def test_only_the_filtered_rows_are_handed_over_in_one_batch(ddb: Any) -> None:
    put(ddb, "OBJ#CHG-1", "SUMMARY")
    put(ddb, "TEMPLATE", "COUNTER")
    put(ddb, "TEMPLATE", "T#00000001")
    put(ddb, "DELEGATION#cab@example.com")
    put(ddb, "AUDIT#2030-03", "x")
    function = AuditFunction(times=0)

    drain(poller(ddb, function))

    assert function.handed == [["TEMPLATE", "DELEGATION#cab@example.com"]]


def test_a_failed_record_is_handed_again_with_those_after_it_and_not_those_before(ddb: Any) -> None:
    for approver in ("a", "b", "c"):
        put(ddb, f"DELEGATION#{approver}@example.com")
    function = AuditFunction(fail={"DELEGATION#b@example.com"}, times=1)

    drain(poller(ddb, function))

    assert function.handed == [
        ["DELEGATION#a@example.com", "DELEGATION#b@example.com", "DELEGATION#c@example.com"],
        ["DELEGATION#b@example.com", "DELEGATION#c@example.com"],
    ]


def test_a_batch_that_keeps_failing_is_given_up_after_the_retries_and_later_records_still_flow(ddb: Any) -> None:
    put(ddb, "DELEGATION#a@example.com")
    function = AuditFunction(crash=True)
    stream = poller(ddb, function)

    drain(stream)
    function.crash, function.times = False, 0
    put(ddb, "DELEGATION#b@example.com")
    drain(stream)

    assert len(function.handed) == MAX_RETRIES + 2
    assert function.handed[-1] == ["DELEGATION#b@example.com"]


def test_after_a_restore_the_poller_starts_at_the_streams_end(ddb: Any) -> None:
    put(ddb, "DELEGATION#restored@example.com")
    function = AuditFunction(times=0)
    stream = poller(ddb, function, from_start=False)
    stream.poll_once()

    put(ddb, "DELEGATION#new@example.com")
    drain(stream)

    assert function.handed == [["DELEGATION#new@example.com"]]


class Rounds(threading.Event):
    """A stop event that records each wait and is set after ``rounds`` of them, instead of letting time pass."""

    def __init__(self, rounds: int) -> None:
        super().__init__()
        self.rounds = rounds
        self.waits: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        if len(self.waits) >= self.rounds:
            self.set()
        return self.is_set()


def test_an_idle_stream_is_read_once_per_interval_and_the_loop_ends_when_told(ddb: Any) -> None:
    put(ddb, "OBJ#CHG-1", "SUMMARY")
    stream = poller(ddb, AuditFunction(times=0))
    stream.wait_seconds = 2.0
    stop = Rounds(3)

    stream.run(stop)

    # The first round reads the catalog row (filtered out) and reads on at once; each round that finds nothing
    # waits the full interval: no busy loop.
    assert stop.waits == [2.0, 2.0, 2.0]
