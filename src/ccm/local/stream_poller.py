"""The DynamoDB stream event source mapping, played locally: read the table's stream, keep the records the audit
mapping's filter passes, invoke the audit function with them as Lambda does, move on when it succeeded.

As Lambda does with ``ReportBatchItemFailures``: the batch is retried from the lowest sequence number the function
reports failed (the records before it are done); after ``MAX_RETRIES`` retries of one batch the poller moves on
and logs the records it gave up, as the template's on-failure destination records them. One thread reads every
shard; a round that finds nothing waits ``wait_seconds``, so an idle stack costs a request per interval.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from ccm.audit.stream_records import passes_filter
from ccm.local.edge_server import Invoker
from ccm.local.lambdas import FunctionError
from ccm.local.worker import ERROR_PAUSE_SECONDS, failed_message_ids

if TYPE_CHECKING:
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient

logger = logging.getLogger(__name__)

BATCH_SIZE = 100
MAX_RETRIES = 3


def stream_event(records: Sequence[Mapping[str, Any]], stream_arn: str) -> dict[str, Any]:
    """The event Lambda's DynamoDB event source passes for records read with ``GetRecords``."""
    region = stream_arn.split(":")[3]
    shaped = []
    for record in records:
        change = dict(record["dynamodb"])
        created = change.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            # GetRecords answers a timestamp; Lambda's event carries it as seconds since 1970.
            change["ApproximateCreationDateTime"] = float(int(created.timestamp()))
        shaped.append(
            {
                "eventID": record["eventID"],
                "eventName": record["eventName"],
                "eventVersion": "1.1",
                "eventSource": "aws:dynamodb",
                "awsRegion": record.get("awsRegion", region),
                "dynamodb": change,
                "eventSourceARN": stream_arn,
            }
        )
    return {"Records": shaped}


class StreamPoller:
    """The audit function's mapping on the table's stream. :meth:`poll_once` reads each open shard once."""

    name = "table-stream"

    def __init__(
        self,
        streams: DynamoDBStreamsClient,
        stream_arn: str,
        function: Invoker,
        *,
        from_start: bool,
        wait_seconds: float = 2.0,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.streams = streams
        self.stream_arn = stream_arn
        self.function = function
        self.start_type: Literal["TRIM_HORIZON", "LATEST"] = "TRIM_HORIZON" if from_start else "LATEST"
        self.wait_seconds = wait_seconds
        self.batch_size = batch_size
        self._iterators: dict[str, str] = {}
        self._finished: set[str] = set()
        self._retries = 0
        self.delivered = 0

    def _open_shards(self) -> None:
        start: dict[str, Any] = {}
        while True:
            description = self.streams.describe_stream(StreamArn=self.stream_arn, **start)["StreamDescription"]
            for shard in description.get("Shards", []):
                shard_id = shard["ShardId"]
                if shard_id in self._iterators or shard_id in self._finished:
                    continue
                self._iterators[shard_id] = self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType=self.start_type
                )["ShardIterator"]
            last = description.get("LastEvaluatedShardId")
            if not last:
                return
            start = {"ExclusiveStartShardId": last}

    def poll_once(self) -> int:
        """One read of every open shard; how many records were read (filtered out or not)."""
        if not self._iterators:
            self._open_shards()
        read = 0
        for shard_id, iterator in list(self._iterators.items()):
            response = self.streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
            records = response.get("Records", [])
            read += len(records)
            retry_at = self._deliver([r for r in records if passes_filter(_as_filtered(r))])
            if retry_at is not None:
                self._iterators[shard_id] = self.streams.get_shard_iterator(
                    StreamArn=self.stream_arn,
                    ShardId=shard_id,
                    ShardIteratorType="AT_SEQUENCE_NUMBER",
                    SequenceNumber=retry_at,
                )["ShardIterator"]
                continue
            following = response.get("NextShardIterator")
            if following:
                self._iterators[shard_id] = following
            else:  # a closed shard read to its end: its children are found on the next round
                del self._iterators[shard_id]
                self._finished.add(shard_id)
        return read

    def _deliver(self, records: list[Any]) -> str | None:
        """Invoke the function with ``records``; the sequence number to read again from, if the batch failed."""
        if not records:
            return None
        numbers = [str(record["dynamodb"]["SequenceNumber"]) for record in records]
        try:
            failed = failed_message_ids(self.function.invoke(stream_event(records, self.stream_arn)), numbers)
        except FunctionError as error:
            logger.warning("%s: the audit function failed on %d record(s): %s", self.name, len(numbers), error)
            failed = set(numbers)
        if not failed:
            self._retries = 0
            self.delivered += len(numbers)
            return None
        if self._retries >= MAX_RETRIES:
            logger.error("%s: gave up on records %s after %d retries", self.name, sorted(failed), MAX_RETRIES)
            self._retries = 0
            return None
        self._retries += 1
        return min(failed, key=int)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                if self.poll_once() == 0 or self._retries:
                    stop.wait(self.wait_seconds)
            except Exception as error:  # the emulator going away at shutdown, or a hiccup: wait and read again
                if stop.is_set():
                    return
                logger.warning("%s: reading the stream failed: %s", self.name, error)
                stop.wait(ERROR_PAUSE_SECONDS)


def _as_filtered(record: Mapping[str, Any]) -> dict[str, Any]:
    # Lambda matches the filter against the record as the function receives it; only its keys matter here.
    return {"dynamodb": {"Keys": record["dynamodb"].get("Keys", {})}}
