"""Send one prepared email to many recipients through one customer's SES, under the delivery ledger.

Sends run concurrently, but a token bucket per customer account (at the account's ``MaxSendRate``, burst one)
keeps them at or below the quota at every moment. A throttled send waits and is tried again.

A failure of one send is that recipient's, not the delivery's: its claim is freed and the other recipients are
still mailed; at the end the failure is raised so that the queue redelivers the message, which then mails only
the recipients the ledger lacks. An address SES rejects for good is recorded as rejected and never tried again
under the same key. Only a refusal of the whole account (sending paused, credentials refused, daily quota used
up) stops starting new sends, since no other address can succeed either; so does the approaching timeout.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from ccm.ast_construction import serialize_ast_construction
from ccm.aws.ratelimit import RateLimiter
from ccm.config import AppConfig, CustomerMapping
from ccm.errors import CcmError
from ccm.mail.mime import PreparedEmail, RenderedEmail
from ccm.mail.port import AccountRefused, AddressRejected, Mailbox, Mailboxes, Throttled
from ccm.storage.ledger import SENT, Claim, DeliveryKey, DeliveryLedger

logger = logging.getLogger(__name__)

IN_FLIGHT_SECONDS = 0.5
"""Workers per account = send rate x this: enough for SES round trips of up to half a second at full rate."""
MAX_WORKERS = 64
THROTTLE_ATTEMPTS = 6
BACKOFF_BASE = 0.2
BACKOFF_CAP = 5.0
KEPT_MESSAGES = 10
"""Errors and rejections kept word for word in a report (the counts are complete)."""


@dataclass
class DeliveryReport:
    recipients: int = 0
    sent: int = 0
    already_sent: int = 0
    rejected: int = 0
    rejected_before: int = 0
    failed: int = 0
    throttled: int = 0
    not_started: int = 0
    errors: list[str] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)


class DeliveryFailed(CcmError):
    """Some recipients were not mailed; the message must be retried (the ledger keeps who already was)."""

    def __init__(self, key: DeliveryKey, report: DeliveryReport, cause: BaseException | None) -> None:
        self.key = key
        self.report = report
        self.cause = cause
        what = "stopped by" if isinstance(cause, AccountRefused | OutOfTime) else "first error"
        super().__init__(
            f"{key.partition}: {report.sent} sent, {report.already_sent} sent before, {report.rejected} rejected, "
            f"{report.failed} failed, {report.not_started} not started; {what}: {cause}"
        )


class OutOfTime(CcmError):
    """The invocation is about to time out; the rest is left to the redelivery."""


def workers_for(rate: float) -> int:
    return max(1, min(MAX_WORKERS, math.ceil(rate * IN_FLIGHT_SECONDS)))


class _Outcomes:
    """The report of one delivery, written by its worker threads."""

    def __init__(self, report: DeliveryReport) -> None:
        self.report = report
        self.stop = threading.Event()
        self.stopped_by: BaseException | None = None
        self.failures: list[BaseException] = []
        self._lock = threading.Lock()

    def count(self, name: str) -> None:
        with self._lock:
            setattr(self.report, name, getattr(self.report, name) + 1)

    def failed(self, address: str, error: BaseException) -> None:
        with self._lock:
            self.report.failed += 1
            self.failures.append(error)
            if len(self.report.errors) < KEPT_MESSAGES:
                self.report.errors.append(f"{address}: {error}")

    def rejected(self, address: str, reason: AddressRejected) -> None:
        with self._lock:
            self.report.rejected += 1
            if len(self.report.rejections) < KEPT_MESSAGES:
                self.report.rejections.append(f"{address}: {reason}")

    def halt(self, cause: BaseException) -> None:
        with self._lock:
            if self.stopped_by is None:
                self.stopped_by = cause
        self.stop.set()


class Dispatcher:
    def __init__(
        self,
        ledger: DeliveryLedger,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        throttle_attempts: int = THROTTLE_ATTEMPTS,
        backoff_base: float = BACKOFF_BASE,
    ) -> None:
        self.ledger = ledger
        self.clock = clock
        self.sleep = sleep
        self.throttle_attempts = throttle_attempts
        self.backoff_base = backoff_base
        self._limiters: dict[str, RateLimiter] = {}
        self._lock = threading.Lock()
        serialize_ast_construction()  # the sending threads may print tracebacks (logger.exception)

    def limiter(self, account: str, rate: float) -> RateLimiter:
        """One token bucket per SES account, shared by every delivery to it in this process."""
        with self._lock:
            limiter = self._limiters.get(account)
            if limiter is None or limiter.rate != rate:
                # Burst one: sends are spaced 1/rate apart, so no window of a second ever holds more than the rate.
                limiter = self._limiters[account] = RateLimiter(rate, burst=1, clock=self.clock, sleep=self.sleep)
            return limiter

    def deliver(
        self,
        mailbox: Mailbox,
        account: str,
        key: DeliveryKey,
        email: PreparedEmail,
        recipients: Sequence[str],
        topic: str | None,
        *,
        deadline: float | None = None,
    ) -> DeliveryReport:
        report = DeliveryReport(recipients=len(recipients))
        settled = self.ledger.settled(key)
        pending = [address for address in recipients if address.strip().lower() not in settled]
        report.already_sent = sum(1 for address in recipients if settled.get(address.strip().lower()) == SENT)
        report.rejected_before = len(recipients) - len(pending) - report.already_sent
        if not pending:
            return report
        rate = mailbox.max_send_rate()
        limiter = self.limiter(account, rate)
        outcomes = _Outcomes(report)

        def send_one(address: str) -> None:
            if outcomes.stop.is_set():
                outcomes.count("not_started")
                return
            if deadline is not None and self.clock() >= deadline:
                outcomes.halt(OutOfTime("the invocation is about to time out"))
                outcomes.count("not_started")
                return
            try:
                claim = self.ledger.claim(key, address)
            except Exception as error:  # held by another worker, or the ledger failed: the redelivery retries it
                outcomes.failed(address, error)
                return
            if claim is None:
                outcomes.count("already_sent")
                return
            self._send_claimed(mailbox, limiter, claim, email, topic, outcomes)

        crashes: list[BaseException] = []

        def settle(future: Future[None]) -> None:
            error = future.exception()
            if error is None:
                return
            if isinstance(error, Exception):
                outcomes.failed("(bookkeeping)", error)
            else:
                crashes.append(error)

        workers = min(len(pending), workers_for(rate))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"send-{key.customer_code}") as pool:
            futures = [pool.submit(send_one, address) for address in pending]
            for future in futures:
                future.add_done_callback(settle)
        if crashes:
            raise crashes[0]
        if outcomes.stopped_by is not None or outcomes.failures:
            raise DeliveryFailed(key, report, outcomes.stopped_by or outcomes.failures[0])
        return report

    def _send_claimed(
        self,
        mailbox: Mailbox,
        limiter: RateLimiter,
        claim: Claim,
        email: PreparedEmail,
        topic: str | None,
        outcomes: _Outcomes,
    ) -> None:
        """Send to a claimed recipient and record how it ended; a failure frees the claim for the retry."""
        address = claim.recipient
        try:
            message_id = self._send(mailbox, limiter, address, email, topic, outcomes)
        except AddressRejected as rejected:
            logger.warning("SES rejected %s for %s: %s", address, claim.key.partition, rejected)
            self.ledger.mark_rejected(claim, str(rejected))
            outcomes.rejected(address, rejected)
            return
        except Exception as error:
            self._release(claim)
            outcomes.failed(address, error)
            if isinstance(error, AccountRefused):
                outcomes.halt(error)
            return
        self.ledger.mark_sent(claim, message_id)
        outcomes.count("sent")

    def _release(self, claim: Claim) -> None:
        # Free the recipient for the retry at once; if even that fails, the claim's lease runs out before the
        # queue redelivers the message.
        try:
            self.ledger.release(claim)
        except Exception:
            logger.exception("could not release the claim on %s", claim.recipient)

    def _send(
        self,
        mailbox: Mailbox,
        limiter: RateLimiter,
        address: str,
        email: PreparedEmail,
        topic: str | None,
        outcomes: _Outcomes,
    ) -> str:
        try:
            raw = email.for_recipient(address)
        except ValueError as error:
            raise AddressRejected(str(error)) from None
        attempt = 0
        while True:
            limiter.acquire()
            try:
                if topic is None:
                    return mailbox.send_outside_topics(address, raw)
                return mailbox.send(address, raw, topic)
            except Throttled:
                outcomes.count("throttled")
                attempt += 1
                if attempt >= self.throttle_attempts:
                    raise
            self.sleep(min(BACKOFF_CAP, self.backoff_base * 2 ** (attempt - 1)) * (0.5 + random.random() / 2))


class EmailSender:
    """One email to recipients of one customer, once per recipient, under the delivery ledger.

    The backend's triggers, the meeting invitations and the CLI's sends by hand all come through here, so they
    share one ledger: ``key.event`` names what is sent (``approved``, ``meeting_request``, ...), and a different
    kind of email about the same object version uses its own event name, so each is delivered once.
    """

    def __init__(self, config: AppConfig, mailboxes: Mailboxes, dispatcher: Dispatcher) -> None:
        self.sender = config.email_config.sender_address
        self.mailboxes = mailboxes
        self.dispatcher = dispatcher

    def deliver(
        self,
        key: DeliveryKey,
        customer: CustomerMapping,
        email: RenderedEmail,
        recipients: Sequence[str],
        topic: str | None,
        *,
        now: datetime,
        deadline: float | None = None,
    ) -> DeliveryReport:
        """Mail every recipient the ledger does not already hold under ``key``; :class:`DeliveryFailed` if some fail.

        ``topic`` ``None``: a message to our own people, outside every topic (no list management)."""
        prepared = email.prepare(self.sender, now)
        mailbox = self.mailboxes.for_customer(customer)
        report = self.dispatcher.deliver(
            mailbox, customer.account_id, key, prepared, recipients, topic, deadline=deadline
        )
        logger.info(
            "%s of %s v%d to %s: %d sent, %d already sent before",
            key.event,
            key.object_id,
            key.version,
            customer.customer_code,
            report.sent,
            report.already_sent,
        )
        return report
