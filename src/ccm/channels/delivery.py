"""Post one event to every channel of a customer that asked for it, exactly once per channel, under the ledger.

The ledger row of a post is the email's key (object, version, event, customer) with ``channel:<name>`` in the
recipient's place. Claim, post, then mark it sent (2xx) or rejected (given up for good); a post that may still
succeed releases its claim and fails the message, so that SQS brings it back and the dead-letter queue keeps it
after the last attempt.

* 2xx: sent.
* 429, 5xx, timeouts, refused connections: tried again with exponential backoff (``Retry-After`` honoured) while the
  invocation has time; then the claim is released and :class:`ChannelPostsPending` raised.
* any other answer (a 4xx, a 3xx: redirects are not followed), a URL the checks refuse, a missing parameter: a
  permanent failure, recorded, counted in ``ChannelPostsFailed`` (alarmed), never tried again under the key.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from ccm.channels.message import ChannelMessage
from ccm.channels.poster import HttpOutcome, Transport
from ccm.channels.secrets import SecretMissing, Secrets
from ccm.channels.slack import slack_body
from ccm.channels.targets import TargetRefused, check_target
from ccm.channels.teams import teams_body
from ccm.channels.webhook import CONTENT_TYPE as CLOUD_EVENT_TYPE
from ccm.channels.webhook import cloud_event_body, sign, webhook_id
from ccm.config import ChannelConfig, CustomerMapping
from ccm.domain.times import utc_now
from ccm.errors import CcmError
from ccm.storage.channel_log import FAILED, RETRY, SENT, ChannelAttempt, ChannelLog
from ccm.storage.ledger import CHANNEL_RECIPIENT_PREFIX, Claim, DeliveryInProgress, DeliveryKey, DeliveryLedger

logger = logging.getLogger(__name__)

ATTEMPTS = 4
"""Attempts per post in one invocation; the queue's redeliveries add more."""
BACKOFF_BASE = 1.0
BACKOFF_CAP = 30.0

SENT_METRIC = "ChannelPostsSent"
FAILED_METRIC = "ChannelPostsFailed"
RETRIED_METRIC = "ChannelPostsRetried"


def ledger_recipient(channel: str) -> str:
    return f"{CHANNEL_RECIPIENT_PREFIX}{channel}"


class ChannelPostsPending(CcmError):
    """Some posts may still succeed later: the message is retried, and the ledger skips the channels done."""


@dataclass
class PostReport:
    sent: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Request:
    url: str
    body: bytes
    headers: dict[str, str]


def _retryable(outcome: HttpOutcome) -> bool:
    return outcome.status is None or outcome.status == 429 or outcome.status >= 500


class ChannelPoster:
    def __init__(
        self,
        ledger: DeliveryLedger,
        log: ChannelLog,
        secrets: Secrets,
        transport: Transport,
        *,
        allow_loopback_http: bool = False,
        now: Callable[[], datetime] = utc_now,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        attempts: int = ATTEMPTS,
        backoff_base: float = BACKOFF_BASE,
    ) -> None:
        self.ledger = ledger
        self.log = log
        self.secrets = secrets
        self.transport = transport
        self.allow_loopback_http = allow_loopback_http
        self.now = now
        self.clock = clock
        self.sleep = sleep
        self.attempts = attempts
        self.backoff_base = backoff_base

    def post_event(
        self,
        key: DeliveryKey,
        customer: CustomerMapping,
        message: ChannelMessage,
        *,
        deadline: float | None = None,
        counts: Counter[str] | None = None,
        only: Sequence[str] | None = None,
    ) -> PostReport:
        """Post ``message`` under ``key`` to each channel of ``customer`` that takes its event (or to the ``only``
        ones, whatever the event: ``ccm channels test``); :class:`ChannelPostsPending` when some may succeed later."""
        counts = counts if counts is not None else Counter()
        report = PostReport()
        for channel in customer.channels:
            wanted = channel.name in only if only is not None else message.event in channel.events
            if wanted:
                self._post_channel(key, channel, message, deadline, counts, report)
        if report.pending:
            raise ChannelPostsPending(
                f"{key.partition}: {len(report.pending)} channel post(s) to retry ({', '.join(report.pending)})"
            )
        return report

    def _post_channel(
        self,
        key: DeliveryKey,
        channel: ChannelConfig,
        message: ChannelMessage,
        deadline: float | None,
        counts: Counter[str],
        report: PostReport,
    ) -> None:
        try:
            claim = self.ledger.claim(key, ledger_recipient(channel.name))
        except DeliveryInProgress:  # another worker is posting it: this message comes back to see how that ended
            report.pending.append(channel.name)
            return
        if claim is None:
            report.already.append(channel.name)
            return
        try:
            outcome = self._deliver(claim, channel, message, deadline)
        except BaseException:
            self._release(claim)
            raise
        if outcome == SENT:
            report.sent.append(channel.name)
            counts[SENT_METRIC] += 1
        elif outcome == FAILED:
            report.failed.append(channel.name)
            counts[FAILED_METRIC] += 1
        else:
            self._release(claim)
            report.pending.append(channel.name)
            counts[RETRIED_METRIC] += 1

    def _deliver(self, claim: Claim, channel: ChannelConfig, message: ChannelMessage, deadline: float | None) -> str:
        key = claim.key
        message_id = webhook_id(key.object_id, key.version, key.event, key.customer_code, channel.name)
        try:
            url = self.secrets.value(channel.url_parameter)
            check_target(channel.type, url, allow_loopback_http=self.allow_loopback_http)
            secret = self.secrets.value(channel.secret_parameter) if channel.secret_parameter else None
        except (TargetRefused, SecretMissing) as refused:
            logger.error("channel %s of %s refused: %s", channel.name, key.customer_code, refused)
            self._record(claim, channel, 1, FAILED, HttpOutcome(None, 0, error=f"refused: {refused}"))
            self._settle(partial(self.ledger.mark_rejected, claim, f"refused: {refused}"), claim)
            return FAILED
        number = 0
        while True:
            number += 1
            request = self._request(channel, message, url, secret, message_id)
            outcome = self.transport.post(request.url, request.body, request.headers)
            if outcome.status is not None and 200 <= outcome.status < 300:
                self._record(claim, channel, number, SENT, outcome)
                self._settle(partial(self.ledger.mark_sent, claim, message_id), claim)
                logger.info(
                    "posted %s of %s to channel %s of %s", key.event, key.object_id, channel.name, key.customer_code
                )
                return SENT
            if not _retryable(outcome):
                reason = f"HTTP {outcome.status}" + (
                    " (redirects are not followed)" if outcome.status and outcome.status < 400 else ""
                )
                self._record(claim, channel, number, FAILED, outcome, reason)
                self._settle(partial(self.ledger.mark_rejected, claim, reason), claim)
                logger.error("channel %s of %s refused the post for good: %s", channel.name, key.customer_code, reason)
                return FAILED
            wait = self._wait(number, outcome)
            late = deadline is not None and self.clock() + wait >= deadline
            if number >= self.attempts or late:
                self._record(claim, channel, number, RETRY, outcome)
                logger.warning(
                    "channel %s of %s: %s; the message will be retried",
                    channel.name,
                    key.customer_code,
                    outcome.error or f"HTTP {outcome.status}",
                )
                return RETRY
            self._record(claim, channel, number, RETRY, outcome)
            self.sleep(wait)

    def _wait(self, number: int, outcome: HttpOutcome) -> float:
        backoff = min(BACKOFF_CAP, self.backoff_base * 2.0 ** (number - 1)) * (0.5 + random.random() / 2)
        return max(backoff, outcome.retry_after or 0.0)

    def _request(
        self, channel: ChannelConfig, message: ChannelMessage, url: str, secret: str | None, message_id: str
    ) -> _Request:
        if channel.type == "teams":
            return _Request(url, teams_body(message), {"Content-Type": "application/json"})
        if channel.type == "slack":
            return _Request(url, slack_body(message), {"Content-Type": "application/json"})
        now = self.now()
        body = cloud_event_body(message, message_id, now)
        assert secret is not None  # configuration requires it for webhooks
        return _Request(url, body, {"Content-Type": CLOUD_EVENT_TYPE, **sign(secret, message_id, body, now).as_dict()})

    def _record(
        self,
        claim: Claim,
        channel: ChannelConfig,
        number: int,
        outcome_name: str,
        outcome: HttpOutcome,
        error: str | None = None,
    ) -> None:
        key = claim.key
        attempt = ChannelAttempt(
            attempt_id=uuid.uuid4().hex,
            at=self.now(),
            customer_code=key.customer_code,
            channel=channel.name,
            channel_type=channel.type,
            object_id=key.object_id,
            version=key.version,
            event=key.event,
            number=number,
            outcome=outcome_name,
            status=outcome.status,
            latency_ms=outcome.latency_ms,
            error=error or outcome.error,
            response=outcome.body,
        )
        try:
            self.log.record(attempt)
        except Exception:  # the attempt log is for people; the ledger decides what is sent
            logger.exception("could not record the attempt on channel %s", channel.name)

    @staticmethod
    def _settle(mark: Callable[[], None], claim: Claim) -> None:
        """Record how the post ended. If that write fails the post still happened: failing the message would
        release the claim and post again, so the claim is left to its lease and the trigger goes on."""
        try:
            mark()
        except Exception:
            logger.exception("could not record how the post to %s ended", claim.recipient)

    def _release(self, claim: Claim) -> None:
        try:
            self.ledger.release(claim)
        except Exception:
            logger.exception("could not release the claim on %s", claim.recipient)
