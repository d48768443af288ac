"""Send one prepared email to many recipients through one customer's SES, under the delivery ledger.

Sends run concurrently, but a token bucket per customer account (at the account's ``MaxSendRate``, burst one)
keeps them at or below the quota at every moment. A throttled send waits and is tried again. After the first
failure no new send starts; the ones in flight finish and are recorded, and the failure is raised so that the
queue redelivers the message, which then mails only the recipients the ledger lacks.
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

from ccm.aws.ratelimit import RateLimiter
from ccm.config import AppConfig, CustomerMapping
from ccm.errors import CcmError
from ccm.mail.mime import PreparedEmail, RenderedEmail
from ccm.mail.port import Mailbox, Mailboxes, Throttled
from ccm.storage.ledger import DeliveryKey, DeliveryLedger

logger = logging.getLogger(__name__)

IN_FLIGHT_SECONDS = 0.5
"""Workers per account = send rate x this: enough for SES round trips of up to half a second at full rate."""
MAX_WORKERS = 64
THROTTLE_ATTEMPTS = 6
BACKOFF_BASE = 0.2
BACKOFF_CAP = 5.0


@dataclass
class DeliveryReport:
    recipients: int = 0
    sent: int = 0
    already_sent: int = 0
    failed: int = 0
    throttled: int = 0
    not_started: int = 0
    errors: list[str] = field(default_factory=list)


class DeliveryFailed(CcmError):
    """Some recipients were not mailed; the message must be retried (the ledger keeps who already was)."""

    def __init__(self, key: DeliveryKey, report: DeliveryReport, cause: BaseException | None) -> None:
        self.key = key
        self.report = report
        self.cause = cause
        super().__init__(
            f"{key.partition}: {report.sent} sent, {report.already_sent} sent before, {report.failed} failed, "
            f"{report.not_started} not started; first error: {cause}"
        )


class OutOfTime(CcmError):
    """The invocation is about to time out; the rest is left to the redelivery."""


def workers_for(rate: float) -> int:
    return max(1, min(MAX_WORKERS, math.ceil(rate * IN_FLIGHT_SECONDS)))


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
        topic: str,
        *,
        deadline: float | None = None,
    ) -> DeliveryReport:
        report = DeliveryReport(recipients=len(recipients))
        done = self.ledger.delivered(key)
        pending = [address for address in recipients if address.strip().lower() not in done]
        report.already_sent = len(recipients) - len(pending)
        if not pending:
            return report
        rate = mailbox.max_send_rate()
        limiter = self.limiter(account, rate)
        stop = threading.Event()
        counts = threading.Lock()
        failure: list[BaseException] = []

        def send_one(address: str) -> None:
            if stop.is_set():
                with counts:
                    report.not_started += 1
                return
            if deadline is not None and self.clock() >= deadline:
                stop.set()
                with counts:
                    report.not_started += 1
                    failure.append(OutOfTime("the invocation is about to time out"))
                return
            claim = self.ledger.claim(key, address)
            if claim is None:
                with counts:
                    report.already_sent += 1
                return
            try:
                message_id = self._send(mailbox, limiter, address, email, topic, report, counts)
            except Exception:
                # The send did not complete: free the recipient for the retry at once (if even that fails, the
                # claim's lease runs out before the queue redelivers the message).
                try:
                    self.ledger.release(claim)
                except Exception:
                    logger.exception("could not release the claim on %s", address)
                raise
            self.ledger.mark_sent(claim, message_id)
            with counts:
                report.sent += 1

        def settle(future: Future[None]) -> None:
            error = future.exception()
            if error is not None:
                stop.set()
                with counts:
                    report.failed += 1
                    report.errors.append(str(error))
                    failure.append(error)

        workers = min(len(pending), workers_for(rate))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"send-{key.customer_code}") as pool:
            futures = [pool.submit(send_one, address) for address in pending]
            for future in futures:
                future.add_done_callback(settle)
        crashed = [error for error in failure if not isinstance(error, Exception)]
        if crashed:
            raise crashed[0]
        if failure:
            raise DeliveryFailed(key, report, failure[0])
        return report

    def _send(
        self,
        mailbox: Mailbox,
        limiter: RateLimiter,
        address: str,
        email: PreparedEmail,
        topic: str,
        report: DeliveryReport,
        counts: threading.Lock,
    ) -> str:
        raw = email.for_recipient(address)
        attempt = 0
        while True:
            limiter.acquire()
            try:
                return mailbox.send(address, raw, topic)
            except Throttled:
                with counts:
                    report.throttled += 1
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
        topic: str,
        *,
        now: datetime,
        deadline: float | None = None,
    ) -> DeliveryReport:
        """Mail every recipient the ledger does not already hold under ``key``; :class:`DeliveryFailed` if some fail."""
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
