"""The emulator decides a conditional write as AWS does: in one step, whatever other threads do meanwhile.

Every writer below reads, adds one and writes back on the condition that nothing changed since its read; a
refused write is read and tried again. With atomic conditional writes no increment is ever lost. The thread
switch interval is made tiny so that a check-then-write emulator loses increments in almost every run.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator

import boto3
import pytest
from botocore.exceptions import ClientError

WRITERS = 4
INCREMENTS = 25


@pytest.fixture
def busy_threads() -> Iterator[None]:
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def race(increment: Callable[[], bool]) -> None:
    """``WRITERS`` threads each make ``INCREMENTS`` increments, after one made here first."""
    # The first request of a kind imports and compiles moto's code for it; done by racing threads at once, that is
    # CPython 3.11's concurrent-compilation bug (python/cpython#106905), which once failed this test with
    # "ImportError: module moto.s3.urls not in sys.modules". Import before starting threads.
    while not increment():
        pass
    errors: list[BaseException] = []

    def writer() -> None:
        done = 0
        try:
            while done < INCREMENTS:
                done += increment()
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_conditional_s3_writes_from_racing_threads_never_lose_an_update(aws: None, busy_threads: None) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="atomic-race")
    s3.put_object(Bucket="atomic-race", Key="counter", Body=b"0")

    def increment() -> bool:
        read = s3.get_object(Bucket="atomic-race", Key="counter")
        value = int(read["Body"].read())
        try:
            s3.put_object(Bucket="atomic-race", Key="counter", Body=str(value + 1).encode(), IfMatch=read["ETag"])
        except ClientError as error:
            assert error.response["Error"]["Code"] == "PreconditionFailed"
            return False
        return True

    race(increment)
    assert s3.get_object(Bucket="atomic-race", Key="counter")["Body"].read() == str(WRITERS * INCREMENTS + 1).encode()


def test_conditional_dynamodb_writes_from_racing_threads_never_lose_an_update(aws: None, busy_threads: None) -> None:
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(
        TableName="atomic-race",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    key = {"pk": {"S": "counter"}}
    dynamodb.put_item(TableName="atomic-race", Item={**key, "n": {"N": "0"}})

    def increment() -> bool:
        value = int(dynamodb.get_item(TableName="atomic-race", Key=key)["Item"]["n"]["N"])
        try:
            dynamodb.put_item(
                TableName="atomic-race",
                Item={**key, "n": {"N": str(value + 1)}},
                ConditionExpression="n = :read",
                ExpressionAttributeValues={":read": {"N": str(value)}},
            )
        except ClientError as error:
            assert error.response["Error"]["Code"] == "ConditionalCheckFailedException"
            return False
        return True

    race(increment)
    assert dynamodb.get_item(TableName="atomic-race", Key=key)["Item"]["n"]["N"] == str(WRITERS * INCREMENTS + 1)
