"""Follow a change in ServiceNow and Jira: create its change request on submit, then per transition update the state,
add a work note and comment on the Jira issue. Each is a delivery (DESIGN 14), exactly once under the ledger.

A ticket belongs to the change, not to one customer, while the backend runs once per customer: every customer's
trigger tries, and the ledger row (keyed by the change's first customer, ``ticket-<event>`` as the event and
``channel:<target>`` as the recipient) lets exactly one of them do it. Each attempt is recorded in the channel log
(target ``servicenow``, ``servicenow-close`` or ``jira``), so it shows beside the object's channel posts.

* 2xx: sent. 429, 5xx, no answer: retried with backoff while the invocation has time, then the claim is released
  and :class:`TicketUpdatesPending` fails the SQS record (the queue retries, the dead-letter queue keeps it).
* any other answer, a missing credential, a ticket that does not exist: given up for good, recorded, counted in
  ``TicketUpdatesFailed``.

The create is once whatever the retries: under a ledger claim, and after looking the change up by its
``correlation_id`` first, so a create whose answer was lost is found rather than made twice.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from ccm.channels.secrets import SecretMissing
from ccm.domain.objects import AnyObject, Change, ModificationType
from ccm.domain.times import utc_now
from ccm.errors import CcmError, VersionConflict
from ccm.integrations.http import Answer, Refused, Unreachable
from ccm.integrations.jira import JiraClient
from ccm.integrations.payloads import change_request_fields, jira_comment, snow_updates
from ccm.integrations.servicenow import ChangeRequest, ServiceNowClient
from ccm.storage.archive import Stored
from ccm.storage.channel_log import FAILED, RETRY, SENT, ChannelAttempt, ChannelLog
from ccm.storage.ledger import CHANNEL_RECIPIENT_PREFIX, Claim, DeliveryInProgress, DeliveryKey, DeliveryLedger
from ccm.storage.port import ObjectRepository

logger = logging.getLogger(__name__)

ATTEMPTS = 4
BACKOFF_BASE = 1.0
BACKOFF_CAP = 30.0
SENT_METRIC = "TicketUpdatesSent"
FAILED_METRIC = "TicketUpdatesFailed"
RETRIED_METRIC = "TicketUpdatesRetried"
CREATE_EVENT = "create"
CREATE_ON = frozenset({"submitted", "approved"})
STORE_ATTEMPTS = 4

TICKET_EVENTS = {
    "approval_request": "submitted",
    "approved": "approved",
    "completed": "completed",
    "cancelled": "cancelled",
}
"""The customer notice of a trigger, to the transition a ticket follows (edits and reminders are not followed)."""


class TicketUpdatesPending(CcmError):
    """Some ticket updates may still succeed later: the message is retried, and the ledger skips those done."""


@dataclass
class FollowReport:
    sent: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    linked: Stored | None = None
    """The change as written after its created change request's number was stored on it."""


def ledger_key(change: Change, event: str) -> DeliveryKey:
    owner = sorted(change.customers)[0] if change.customers else "-"
    return DeliveryKey(change.change_id, change.version, f"ticket-{event}", owner)


class TicketFollower:
    def __init__(
        self,
        ledger: DeliveryLedger,
        log: ChannelLog,
        repository: ObjectRepository,
        *,
        servicenow: ServiceNowClient | None,
        jira: JiraClient | None,
        create_change_requests: bool = False,
        user: Callable[[], str] = lambda: "ccm-backend",
        now: Callable[[], datetime] = utc_now,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        attempts: int = ATTEMPTS,
        backoff_base: float = BACKOFF_BASE,
    ) -> None:
        self.ledger = ledger
        self.log = log
        self.repository = repository
        self.servicenow = servicenow
        self.jira = jira
        self.create_change_requests = create_change_requests
        self.user = user
        self.now = now
        self.clock = clock
        self.sleep = sleep
        self.attempts = attempts
        self.backoff_base = backoff_base

    def follow(
        self,
        change: Change,
        notice_event: str,
        portal_url: str,
        *,
        deadline: float | None = None,
        counts: Counter[str] | None = None,
    ) -> FollowReport:
        """Do what ``notice_event`` asks of the tickets (``linked``: the change with the number it was given)."""
        counts = counts if counts is not None else Counter()
        report = FollowReport()
        event = TICKET_EVENTS.get(notice_event)
        if event is None:
            return report
        # Approved already when its submit trigger is processed (an approval right after the submit): the backend
        # only ever sees the archive's current state, so the create happens on whichever of the two comes first.
        if event in CREATE_ON and self.create_change_requests and not change.snow_ticket.strip():
            report.linked = self._create(change, portal_url, deadline, counts, report)
            if report.linked is not None and isinstance(report.linked.obj, Change):
                change = report.linked.obj
        if self.servicenow is not None and change.snow_ticket.strip():
            for update in snow_updates(change, event, self.servicenow.config, portal_url):
                send = partial(self._patch, change.snow_ticket.strip(), update.fields)
                self._deliver(ledger_key(change, event), update.target, change, event, send, deadline, counts, report)
        if self.jira is not None and change.jira_ticket.strip() and event in self.jira.config.comment_on:
            key, body = change.jira_ticket.strip(), jira_comment(change, event, portal_url)
            comment = partial(self._comment, key, body)
            self._deliver(ledger_key(change, event), "jira", change, event, comment, deadline, counts, report)
        if report.pending:
            raise TicketUpdatesPending(
                f"{change.change_id}: {len(report.pending)} ticket update(s) to retry ({', '.join(report.pending)})"
            )
        return report

    # -- ServiceNow and Jira calls, as answers the delivery loop judges ------------------------------------------

    def _patch(self, number: str, fields: dict[str, str]) -> Answer:
        assert self.servicenow is not None
        record = self.servicenow.find_number(number)
        if record is None:
            return Answer(404, 0, error=f"ServiceNow has no change request {number}")
        return self.servicenow.update(record.sys_id, fields)

    def _comment(self, key: str, body: dict[str, object]) -> Answer:
        assert self.jira is not None
        return self.jira.comment(key, body)

    # -- the create --------------------------------------------------------------------------------------------

    def _create(
        self, change: Change, portal_url: str, deadline: float | None, counts: Counter[str], report: FollowReport
    ) -> Stored | None:
        if self.servicenow is None:
            return None
        servicenow = self.servicenow
        created: list[ChangeRequest] = []

        def create() -> Answer:
            found = servicenow.find_correlated(change.change_id)
            if found is None:
                found = servicenow.create(change_request_fields(change, servicenow.config, portal_url))
            created.append(found)
            return Answer(201, 0, body=found.number)

        key = ledger_key(change, CREATE_EVENT)
        self._deliver(key, "servicenow", change, CREATE_EVENT, create, deadline, counts, report)
        if not created and "servicenow" in report.already:
            # Created by an earlier attempt whose write to the change was lost: find it again to store it.
            found = servicenow.find_correlated(change.change_id)
            if found is not None:
                created.append(found)
        if not created:
            return None
        return self._store(change, created[0])

    def _store(self, change: Change, record: ChangeRequest) -> Stored | None:
        at, user = self.now(), self.user()

        def annotate(obj: AnyObject) -> None:
            if not isinstance(obj, Change) or obj.snow_ticket.strip():
                raise _AlreadyLinked()
            obj.snow_ticket = record.number
            obj.snow_sys_id = record.sys_id
            obj.record(ModificationType.TICKET_CREATED, user, at, detail=f"ServiceNow {record.number}")

        for attempt in range(STORE_ATTEMPTS):
            try:
                update = self.repository.update(change.change_id, annotate, bump_version=False, location="archive")
            except _AlreadyLinked:
                return None
            except VersionConflict:
                if attempt + 1 == STORE_ATTEMPTS:
                    raise
                self.sleep(random.uniform(0.05, 0.3) * (attempt + 1))
                continue
            logger.info("linked ServiceNow change request %s to %s", record.number, change.change_id)
            return update.after
        return None

    # -- one delivery under the ledger ---------------------------------------------------------------------------

    def _deliver(
        self,
        key: DeliveryKey,
        target: str,
        change: Change,
        event: str,
        send: Callable[[], Answer],
        deadline: float | None,
        counts: Counter[str],
        report: FollowReport,
    ) -> None:
        try:
            claim = self.ledger.claim(key, f"{CHANNEL_RECIPIENT_PREFIX}{target}")
        except DeliveryInProgress:
            report.pending.append(target)
            return
        if claim is None:
            report.already.append(target)
            return
        try:
            outcome = self._attempts(claim, target, change, event, send, deadline)
        except BaseException:
            self._release(claim)
            raise
        if outcome == SENT:
            report.sent.append(target)
            counts[SENT_METRIC] += 1
        elif outcome == FAILED:
            report.failed.append(target)
            counts[FAILED_METRIC] += 1
        else:
            self._release(claim)
            report.pending.append(target)
            counts[RETRIED_METRIC] += 1

    def _attempts(
        self,
        claim: Claim,
        target: str,
        change: Change,
        event: str,
        send: Callable[[], Answer],
        deadline: float | None,
    ) -> str:
        number = 0
        while True:
            number += 1
            started = self.clock()
            try:
                answer = send()
            except Unreachable as error:
                answer = error.answer
            except Refused as error:
                answer = Answer(error.answer.status, error.answer.latency_ms, error.answer.body, error=str(error))
            except SecretMissing as error:
                answer = Answer(None, 0, error=f"refused: {error}")
                self._record(claim, target, change, event, number, FAILED, answer)
                self._settle(partial(self.ledger.mark_rejected, claim, str(answer.error)), claim)
                return FAILED
            if not answer.latency_ms:
                answer = Answer(answer.status, int((self.clock() - started) * 1000), answer.body, error=answer.error)
            if answer.ok:
                self._record(claim, target, change, event, number, SENT, answer)
                self._settle(partial(self.ledger.mark_sent, claim, f"{target}:{uuid.uuid4().hex}"), claim)
                logger.info("%s of %s delivered to %s", event, change.change_id, target)
                return SENT
            if not answer.retryable:
                reason = answer.describe()
                self._record(claim, target, change, event, number, FAILED, answer)
                self._settle(partial(self.ledger.mark_rejected, claim, reason), claim)
                logger.error("%s refused %s of %s for good: %s", target, event, change.change_id, reason)
                return FAILED
            wait = min(BACKOFF_CAP, self.backoff_base * 2.0 ** (number - 1)) * (0.5 + random.random() / 2)
            wait = max(wait, answer.retry_after or 0.0)
            self._record(claim, target, change, event, number, RETRY, answer)
            if number >= self.attempts or (deadline is not None and self.clock() + wait >= deadline):
                logger.warning(
                    "%s of %s to %s: %s; will be retried", event, change.change_id, target, answer.describe()
                )
                return RETRY
            self.sleep(wait)

    def _record(
        self, claim: Claim, target: str, change: Change, event: str, number: int, outcome: str, answer: Answer
    ) -> None:
        attempt = ChannelAttempt(
            attempt_id=uuid.uuid4().hex,
            at=self.now(),
            customer_code=claim.key.customer_code,
            channel=target,
            channel_type="jira" if target == "jira" else "servicenow",
            object_id=change.change_id,
            version=change.version,
            event=event,
            number=number,
            outcome=outcome,
            status=answer.status,
            latency_ms=answer.latency_ms,
            error=answer.error,
            response=answer.body[:1024],
        )
        try:
            self.log.record(attempt)
        except Exception:  # the attempt log is for people; the ledger decides what is done
            logger.exception("could not record the attempt on %s", target)

    @staticmethod
    def _settle(mark: Callable[[], None], claim: Claim) -> None:
        try:
            mark()
        except Exception:
            logger.exception("could not record how the update of %s ended", claim.recipient)

    def _release(self, claim: Claim) -> None:
        try:
            self.ledger.release(claim)
        except Exception:
            logger.exception("could not release the claim on %s", claim.recipient)


class _AlreadyLinked(Exception):
    """The change names a ServiceNow number already (a user or an earlier attempt set it): nothing to store."""
