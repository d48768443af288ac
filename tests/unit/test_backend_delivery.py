"""Sending under the ledger: the account's rate, throttling, and what a failure leaves behind."""

from __future__ import annotations

import pytest

from ccm.config import AppConfig
from ccm.mail.delivery import MAX_WORKERS, DeliveryFailed, Dispatcher, workers_for
from ccm.mail.mime import RenderedEmail
from ccm.mail.port import AccountRefused, AddressRejected
from ccm.storage.ledger import DeliveryKey
from tests.backend_fakes import FakeMailbox, MemoryLedger, Outbox
from tests.backend_support import NOW

KEY = DeliveryKey("CHG-1", 2, "approved", "alpha")
EMAIL = RenderedEmail(subject="s", text="t", html="<p>h</p>").prepare("notifications@mail.example.com", NOW)


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class TimedMailbox(FakeMailbox):
    def __init__(self, app_config: AppConfig, time: VirtualTime, rate: float) -> None:
        super().__init__(app_config.customer("alpha"), Outbox(), rate=rate)
        self.time = time
        self.times: list[float] = []

    def send(self, recipient: str, raw: bytes, topic: str) -> str:
        self.times.append(self.time.now)
        return super().send(recipient, raw, topic)


def addresses(count: int) -> list[str]:
    return [f"reader{i}@example.com" for i in range(count)]


def test_sends_are_spaced_by_the_accounts_rate(app_config: AppConfig) -> None:
    time = VirtualTime()
    mailbox = TimedMailbox(app_config, time, rate=2.0)
    dispatcher = Dispatcher(MemoryLedger(), clock=time.clock, sleep=time.sleep)

    report = dispatcher.deliver(mailbox, "100000000001", KEY, EMAIL, addresses(6), "aws-announce")

    assert report.sent == 6
    gaps = [later - earlier for earlier, later in zip(mailbox.times, mailbox.times[1:], strict=False)]
    assert min(gaps) >= 0.5 - 1e-9


def test_the_workers_follow_the_send_rate_within_bounds() -> None:
    assert workers_for(1.0) == 1
    assert workers_for(14.0) == 7
    assert workers_for(50.0) == 25
    assert workers_for(10_000.0) == MAX_WORKERS


def test_deliveries_to_one_account_share_one_rate_limiter() -> None:
    dispatcher = Dispatcher(MemoryLedger())

    assert dispatcher.limiter("100000000001", 14.0) is dispatcher.limiter("100000000001", 14.0)
    assert dispatcher.limiter("100000000001", 14.0) is not dispatcher.limiter("100000000002", 14.0)
    assert dispatcher.limiter("100000000001", 50.0).rate == 50.0


def test_throttling_that_never_ends_fails_the_delivery_and_frees_the_recipient(app_config: AppConfig) -> None:
    time = VirtualTime()
    mailbox = TimedMailbox(app_config, time, rate=1000.0)
    mailbox.throttle_next = 100
    ledger = MemoryLedger()
    dispatcher = Dispatcher(ledger, clock=time.clock, sleep=time.sleep, throttle_attempts=3)

    with pytest.raises(DeliveryFailed) as failed:
        dispatcher.deliver(mailbox, "100000000001", KEY, EMAIL, addresses(1), "aws-announce")

    assert failed.value.report.throttled == 3
    assert failed.value.report.failed == 1
    assert ledger.rows == {}
    assert time.now > 0


def test_recipients_already_sent_are_skipped_whatever_their_case(app_config: AppConfig) -> None:
    mailbox = TimedMailbox(app_config, VirtualTime(), rate=1000.0)
    ledger = MemoryLedger()
    claim = ledger.claim(KEY, "Reader0@Example.com")
    assert claim is not None
    ledger.mark_sent(claim, "m-0")

    report = Dispatcher(ledger).deliver(mailbox, "100000000001", KEY, EMAIL, addresses(3), "aws-announce")

    assert (report.sent, report.already_sent) == (2, 1)
    assert [mail.recipient for mail in mailbox.outbox.sent] == ["reader1@example.com", "reader2@example.com"]


class FlakyMailbox(TimedMailbox):
    """Fails each send to the named recipients once with ``failure``."""

    def __init__(self, app_config: AppConfig, failure: Exception, *recipients: str, rate: float = 1000.0) -> None:
        super().__init__(app_config, VirtualTime(), rate=rate)
        self.failure = failure
        self.failing = set(recipients)

    def send(self, recipient: str, raw: bytes, topic: str) -> str:
        if recipient in self.failing:
            self.failing.discard(recipient)
            raise self.failure
        return super().send(recipient, raw, topic)


def test_a_failed_send_does_not_stop_the_others_and_fails_the_delivery_at_the_end(app_config: AppConfig) -> None:
    mailbox = FlakyMailbox(app_config, OSError("connection reset"), "reader1@example.com")
    ledger = MemoryLedger()

    with pytest.raises(DeliveryFailed) as failed:
        Dispatcher(ledger).deliver(mailbox, "100000000001", KEY, EMAIL, addresses(5), "aws-announce")

    assert (failed.value.report.sent, failed.value.report.failed, failed.value.report.not_started) == (4, 1, 0)
    assert ledger.settled(KEY) == {f"reader{i}@example.com": "sent" for i in (0, 2, 3, 4)}
    report = Dispatcher(ledger).deliver(mailbox, "100000000001", KEY, EMAIL, addresses(5), "aws-announce")
    assert (report.sent, report.already_sent) == (1, 4)


def test_a_rejected_or_undeliverable_address_is_recorded_and_not_tried_again(app_config: AppConfig) -> None:
    mailbox = FlakyMailbox(app_config, AddressRejected("Email address is not verified"), "reader1@example.com")
    ledger = MemoryLedger()
    recipients = [*addresses(3), "not an address"]

    first = Dispatcher(ledger).deliver(mailbox, "100000000001", KEY, EMAIL, recipients, "aws-announce")
    again = Dispatcher(ledger).deliver(mailbox, "100000000001", KEY, EMAIL, recipients, "aws-announce")

    assert (first.sent, first.rejected, len(first.rejections)) == (2, 2, 2)
    assert (again.sent, again.already_sent, again.rejected_before) == (0, 2, 2)
    assert ledger.settled(KEY)["reader1@example.com"] == "rejected"


def test_a_refusal_of_the_account_stops_new_sends(app_config: AppConfig) -> None:
    mailbox = FlakyMailbox(app_config, AccountRefused("sending paused"), "reader2@example.com", rate=1.0)
    dispatcher = Dispatcher(MemoryLedger(), clock=mailbox.time.clock, sleep=mailbox.time.sleep)

    with pytest.raises(DeliveryFailed, match="stopped by: sending paused") as failed:
        dispatcher.deliver(mailbox, "100000000001", KEY, EMAIL, addresses(6), "aws-announce")

    report = failed.value.report
    assert (report.sent, report.failed, report.not_started) == (2, 1, 3)
