"""Forward the S3 events of the router queue to each customer's trigger queue.

S3 allows a bucket far fewer notification configurations than a deployment has customers, so the bucket sends
every ``customers/<code>/*.json`` creation to one router queue and this forwards it, unchanged but for the
records of other customers, to :func:`ccm.s3_events.trigger_queue_name`'s queue. The per-customer queues keep
what they gave before: a customer's failures, pacing and dead letters stay its own, since the router only sends
and never waits on a customer's work.

Forwarding is at least once: a record whose forward failed is retried with its whole message (SQS redelivers it),
and a forward repeated after a crash reaches the backend twice, which its delivery ledger makes harmless. A key
of a customer this deployment does not know cannot succeed by retrying; it goes at once to the router's own
dead-letter queue with a log line, where an operator can redrive it after adding the customer.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from ccm.config import AppConfig
from ccm.s3_events import TRIGGER_ROOT, trigger_queue_name

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

logger = logging.getLogger(__name__)

SEND_BATCH = 10
"""SQS's most entries in one SendMessageBatch."""


@dataclass(frozen=True)
class Incoming:
    """One message of the router queue: its id (for partial batch failures) and body."""

    message_id: str
    body: str


@dataclass
class RouteReport:
    forwarded: int = 0
    test_events: int = 0
    unknown: int = 0
    unreadable: int = 0
    failed: list[str] = field(default_factory=list)
    """Message ids whose forward failed and that SQS must deliver again."""


@dataclass(frozen=True)
class _Forward:
    message_id: str
    code: str
    body: str


def _customer_code(key: str) -> str | None:
    """``customers/<code>/<anything>``, the key as S3 sends it (URL-encoded) -> ``<code>``."""
    parts = unquote_plus(key).split("/")
    if len(parts) < 3 or parts[0] != TRIGGER_ROOT or not parts[1]:
        return None
    return parts[1]


def split_by_customer(body: str) -> tuple[str, dict[str | None, str]]:
    """What a message is: ``test`` (S3's ``s3:TestEvent``), ``unreadable``, or ``records`` with one body per customer
    code (``None`` for records whose key names no customer), each holding only that customer's records."""
    try:
        document: Any = json.loads(body)
    except (json.JSONDecodeError, TypeError):
        return "unreadable", {}
    if not isinstance(document, dict):
        return "unreadable", {}
    if document.get("Event") == "s3:TestEvent":
        return "test", {}
    records = document.get("Records")
    if not isinstance(records, list) or not records:
        return "unreadable", {}
    grouped: dict[str | None, list[Any]] = defaultdict(list)
    for record in records:
        key = record.get("s3", {}).get("object", {}).get("key") if isinstance(record, dict) else None
        grouped[_customer_code(key) if isinstance(key, str) else None].append(record)
    if len(grouped) == 1:
        return "records", {next(iter(grouped)): body}
    return "records", {code: json.dumps({**document, "Records": part}) for code, part in grouped.items()}


class TriggerRouter:
    """Forwards each record to its customer's queue; queue URLs are looked up once per customer and kept."""

    def __init__(
        self,
        config: AppConfig,
        sqs: SQSClient,
        *,
        queue_prefix: str | None,
        dead_letter_queue_url: str,
        on_unknown: Callable[[str, str], None] | None = None,
    ) -> None:
        self.config = config
        self.sqs = sqs
        self.queue_prefix = queue_prefix
        self.dead_letter_queue_url = dead_letter_queue_url
        self.on_unknown = on_unknown or (lambda code, message_id: None)
        self._urls: dict[str, str] = {}
        self._lock = threading.Lock()

    def queue_url(self, code: str) -> str:
        with self._lock:
            url = self._urls.get(code)
        if url is None:
            name = trigger_queue_name(self.config.customer(code), self.queue_prefix)
            url = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
            with self._lock:
                self._urls[code] = url
        return url

    def route(self, messages: Sequence[Incoming]) -> RouteReport:
        report = RouteReport()
        forwards: list[_Forward] = []
        for message in messages:
            kind, parts = split_by_customer(message.body)
            if kind == "test":
                report.test_events += 1
                continue
            if kind == "unreadable":
                # Nothing to forward and nothing a retry would change; kept for an operator to read.
                logger.warning("router message %s is no S3 event; moved to the dead-letter queue", message.message_id)
                self._dead_letter(message, report)
                report.unreadable += 1
                continue
            for code, body in parts.items():
                if code is not None and code in self.config.customer_mappings:
                    forwards.append(_Forward(message.message_id, code, body))
                    continue
                logger.warning(
                    "trigger for unknown customer %r (message %s): not in config.json; moved to the router's "
                    "dead-letter queue, redrive it once the customer is added",
                    code,
                    message.message_id,
                )
                self.on_unknown(str(code), message.message_id)
                self._dead_letter(Incoming(message.message_id, body), report)
                report.unknown += 1
        self._send(forwards, report)
        report.failed = sorted(set(report.failed))
        return report

    def _dead_letter(self, message: Incoming, report: RouteReport) -> None:
        try:
            self.sqs.send_message(QueueUrl=self.dead_letter_queue_url, MessageBody=message.body)
        except Exception:
            logger.exception("message %s could not reach the router's dead-letter queue", message.message_id)
            report.failed.append(message.message_id)

    def _send(self, forwards: list[_Forward], report: RouteReport) -> None:
        by_code: dict[str, list[_Forward]] = defaultdict(list)
        for forward in forwards:
            by_code[forward.code].append(forward)
        for code, items in sorted(by_code.items()):
            try:
                url = self.queue_url(code)
            except Exception:
                # A missing queue (a customer whose stack is not deployed yet) fails only that customer's records.
                logger.exception("the trigger queue of %s cannot be found", code)
                report.failed.extend(item.message_id for item in items)
                continue
            for start in range(0, len(items), SEND_BATCH):
                chunk = items[start : start + SEND_BATCH]
                entries = [{"Id": str(i), "MessageBody": item.body} for i, item in enumerate(chunk)]
                try:
                    answer = self.sqs.send_message_batch(QueueUrl=url, Entries=entries)  # type: ignore[arg-type]
                except Exception:
                    logger.exception("forwarding %d trigger(s) to %s failed", len(chunk), code)
                    report.failed.extend(item.message_id for item in chunk)
                    continue
                failed = {int(entry["Id"]) for entry in answer.get("Failed", [])}
                for index, item in enumerate(chunk):
                    if index in failed:
                        report.failed.append(item.message_id)
                    else:
                        report.forwarded += 1
                if failed:
                    logger.warning("%d of %d forward(s) to %s were refused", len(failed), len(chunk), code)
