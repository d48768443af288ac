"""One customer's SES refusing every send does not slow another customer's approval emails.

Each customer's trigger queue has its own event source mapping (played here, as on the local stack, by a
:class:`ccm.local.worker.QueueWorker` thread per queue) invoking the backend handler, and the backend paces each
SES account on its own. bravo's account is paused (SendingPausedException on every send): its trigger fails, is
received again and again, and reaches its dead-letter queue after five receives, while alpha's subscribers are
mailed at alpha's own pace. What the test holds: every alpha subscriber mailed exactly once per approval while
bravo's trigger fails at each of its receives and ends in bravo's own dead-letter queue, alpha's untouched. alpha's
send rate with bravo healthy and with bravo refused is printed (``pytest -s``) for the record, never asserted:
a rate is a benchmark's number, not a test's.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from functions.backend import app

from ccm.backend.wiring import build_backend
from ccm.config import AppConfig, SesConfig
from ccm.local.worker import QueueWorker
from ccm.mail.delivery import Dispatcher, workers_for
from ccm.provision import DEAD_LETTER_AFTER, Provisioner, queue_name
from ccm.settings import Settings
from ccm.storage.archive import ArchiveStore
from ccm.storage.catalog import Catalog
from ccm.storage.ledger import DynamoLedger
from ccm.storage.repository import Repository
from tests.backend_support import LambdaContext, add_contact, customer_ses, sent_in_account
from tests.conftest import BUCKET, TABLE
from tests.factories import make_change
from tests.fakes.aws_watch import AwsWatch

CUSTOMERS = ("alpha", "bravo")
SUBSCRIBERS = 24
RATE = 12.0
"""Each account's SES send rate: alpha's 24 emails take about two seconds at its own pace."""


@dataclass
class Sends:
    """Every SendEmail attempt's time by customer, and whether bravo's account refuses them."""

    bravo_paused: bool = False
    times: dict[str, list[float]] = field(default_factory=lambda: {code: [] for code in CUSTOMERS})
    lock: threading.Lock = field(default_factory=threading.Lock)

    def refused(self, params: dict[str, Any]) -> bool:
        (address,) = params["Destination"]["ToAddresses"]
        code = str(address).rsplit("@", 1)[1].split(".", 1)[0]
        with self.lock:
            self.times[code].append(time.monotonic())
        return code == "bravo" and self.bravo_paused

    def rate(self, code: str, since: float) -> float:
        with self.lock:
            times = [t for t in self.times[code] if t >= since]
        return (len(times) - 1) / (times[-1] - times[0])


class InProcess:
    """The backend handler as the event source mapping invokes it."""

    def invoke(self, event: dict[str, Any], request_id: str | None = None) -> Any:
        return app.handler(event, LambdaContext())  # type: ignore[arg-type]


@dataclass
class Stack:
    config: AppConfig
    queues: dict[str, tuple[str, str]]
    dead_letters: dict[str, str]
    repository: Repository
    sends: Sends

    def approve_for_both(self) -> str:
        change = make_change(status="approved", customers=list(CUSTOMERS), approvedBy="approver@example.com")
        self.repository.create(change, "archive")
        for code in CUSTOMERS:
            self.repository.archive.put_trigger(code, change, "approved_announcement")
        return change.id

    def run_until_alpha_is_mailed(self, mailed_before: int) -> None:
        """A worker per customer queue, as the deployment's event source mappings, until alpha's subscribers are
        all mailed and bravo's trigger has settled (processed, or in its dead-letter queue)."""
        stop = threading.Event()
        workers = [
            QueueWorker(boto3.client("sqs"), url, arn, InProcess(), wait_seconds=1) for url, arn in self.queues.values()
        ]
        threads = [threading.Thread(target=w.run, args=(stop,), daemon=True) for w in workers]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 120
        try:
            while time.monotonic() < deadline:
                alpha_done = (
                    len(sent_in_account(self.config.customer("alpha").account_id)) >= mailed_before + SUBSCRIBERS
                )
                if alpha_done and self.bravo_settled():
                    return
                time.sleep(0.2)
            raise AssertionError("alpha's subscribers were not all mailed within two minutes")
        finally:
            stop.set()
            for thread in threads:
                thread.join(10)

    def waiting(self, url: str) -> int:
        attributes = boto3.client("sqs").get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def bravo_settled(self) -> bool:
        return self.waiting(self.queues["bravo"][0]) == 0

    def dead_letters_of(self, code: str) -> int:
        return self.waiting(self.dead_letters[code])


@pytest.fixture
def stack(aws: None, app_config: AppConfig, ses_config: SesConfig, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    watch, sends = AwsWatch(), Sends()
    original = boto3.session.Session.client

    def client(self: boto3.session.Session, *args: Any, **kwargs: Any) -> Any:
        return watch.attach(original(self, *args, **kwargs))

    monkeypatch.setattr(boto3.session.Session, "client", client)
    watch.refuse("sesv2", "SendEmail", sends.refused, "SendingPausedException", status=400, message="Sending is paused")
    # A failed trigger is received again a second later (the deployment's queues wait 30 minutes).
    report = Provisioner(app_config, ses_config, BUCKET, TABLE, visibility_timeout=1).run(with_ses=False)
    sqs = boto3.client("sqs")
    queues, dead_letters = {}, {}
    for code in CUSTOMERS:
        url = report.queue_urls[code]
        sqs.purge_queue(QueueUrl=url)  # the s3:TestEvent of the new notification configuration
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queues[code] = (url, arn)
        dead_letters[code] = sqs.get_queue_url(QueueName=f"{queue_name(app_config.customer(code))}-dlq")["QueueUrl"]
        ses = customer_ses(app_config, ses_config, code)
        for i in range(SUBSCRIBERS):
            add_contact(ses, f"reader{i:02d}@{code}.example.com", aws_announce="OPT_IN")
    # The other customers' queues are not watched: their triggers would wait there, as in any deployment.
    watch.ses.max_send_rate = RATE
    ledger = DynamoLedger(TABLE)
    backend = build_backend(Settings.from_env(), ledger=ledger, dispatcher=Dispatcher(ledger), meeting_service=None)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setattr(app, "_entry", None)
    monkeypatch.setattr(app, "_backend", backend)
    yield Stack(app_config, queues, dead_letters, Repository(ArchiveStore(BUCKET), Catalog(TABLE)), sends)


def test_a_paused_customer_account_does_not_slow_another_customers_approval_emails(stack: Stack) -> None:
    alpha_account = stack.config.customer("alpha").account_id

    started = time.monotonic()
    stack.approve_for_both()
    stack.run_until_alpha_is_mailed(0)
    healthy = stack.sends.rate("alpha", started)
    assert stack.dead_letters_of("bravo") == 0

    stack.sends.bravo_paused = True
    started = time.monotonic()
    stack.approve_for_both()
    stack.run_until_alpha_is_mailed(SUBSCRIBERS)
    paused = stack.sends.rate("alpha", started)

    print(f"alpha's send rate: {healthy:.1f}/s with bravo healthy, {paused:.1f}/s with bravo's SES paused")
    mailed = Counter(str(mail["To"]) for mail in sent_in_account(alpha_account))
    assert mailed == Counter({f"reader{i:02d}@alpha.example.com": 2 for i in range(SUBSCRIBERS)})
    # bravo's trigger failed at its every receive and waits in bravo's own dead-letter queue for a redrive.
    assert stack.dead_letters_of("bravo") == 1 and stack.dead_letters_of("alpha") == 0
    bravo_attempts = [t for t in stack.sends.times["bravo"] if t >= started]
    # At each receive, the sends in flight at bravo's rate are refused, then the delivery stops.
    assert DEAD_LETTER_AFTER <= len(bravo_attempts) <= DEAD_LETTER_AFTER * workers_for(RATE)
