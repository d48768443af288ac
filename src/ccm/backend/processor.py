"""The transient-trigger pipeline: one SQS message (an S3 event on ``customers/{code}/{id}.json``) at a time.

For each trigger: validate the key and the customer; skip events the backend caused itself (by its role's
identity); skip a trigger that no longer exists (already processed); load the object from ``archive/`` (never
the trigger's body); decide by its status; run the status's steps; record a ``processed`` modification with a
conditional write; and only then delete the trigger, and only the version that was read.

Retrying cannot fix a malformed message, an unknown customer, a missing or invalid archive object: those are
acknowledged with a log line (:class:`Rejected`). Everything else that goes wrong raises, so that SQS retries
the message and finally parks it in the dead-letter queue; the delivery ledger makes the retry mail only whom
the first attempt missed.
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ccm.backend.clock_work import ClockWork
from ccm.backend.delegation_notices import DelegationNotices
from ccm.backend.feedback_notices import FeedbackNotices
from ccm.backend.principal import BackendPrincipal
from ccm.backend.steps import Pipeline, TriggerContext
from ccm.backend.trigger_events import MalformedEvent, ObjectEvent, S3TestEvent, parse_message, parse_trigger_key
from ccm.config import AppConfig
from ccm.domain.due_actions import NudgeAction, ReminderAction
from ccm.domain.ids import is_feedback_notice_id, is_notice_id
from ccm.domain.objects import USER_TRANSITIONS, AnyObject, InvalidDocument, ModificationType
from ccm.domain.times import utc_now
from ccm.errors import CcmError, ObjectNotFound, VersionConflict
from ccm.mail.decisions import Topics, decide, internal_notice
from ccm.storage.repository import Repository
from ccm.storage.trigger_failures import TriggerFailures

logger = logging.getLogger(__name__)

PROCESSED_WRITE_ATTEMPTS = 4


class _Unchanged(Exception):
    """Raised inside the archive update when there is nothing to record: no write."""


class Rejected(CcmError):
    """A trigger that can never be processed; acknowledged so that it does not loop through the queue."""


@dataclass(frozen=True)
class TriggerOutcome:
    """What became of one trigger record, for the log and the metrics."""

    action: str
    detail: str
    customer_code: str | None = None
    object_id: str | None = None


@dataclass
class MessageResult:
    outcomes: list[TriggerOutcome] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)


class MessageFailed(CcmError):
    """A trigger of the message failed and must be retried; ``counts`` holds what was done before."""

    def __init__(self, cause: Exception, counts: Counter[str]) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.counts = counts


def processed_since_last_transition(obj: AnyObject, customer_code: str) -> bool:
    for entry in reversed(obj.modifications):
        if entry.modification_type in USER_TRANSITIONS:
            return False
        if entry.modification_type is ModificationType.PROCESSED and entry.customer_code == customer_code:
            return True
    return False


def legacy_problem(obj: AnyObject) -> str | None:
    """The original refused objects carrying its legacy ``metadata`` map or a ``source``; so does this one."""
    extra = obj.model_extra or {}
    if isinstance(extra.get("metadata"), dict) and extra["metadata"]:
        return "it carries a legacy 'metadata' map"
    if isinstance(extra.get("source"), str) and extra["source"].strip():
        return "it carries a legacy 'source'"
    return None


class TriggerProcessor:
    def __init__(
        self,
        config: AppConfig,
        repository: Repository,
        principal: BackendPrincipal,
        pipeline: Pipeline,
        topics: Topics,
        *,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        notices: DelegationNotices | None = None,
        feedback_notices: FeedbackNotices | None = None,
        clock_work: ClockWork | None = None,
        failures: TriggerFailures | None = None,
    ) -> None:
        self.clock_work = clock_work
        self.failures = failures
        self.config = config
        self.notices = notices
        self.feedback_notices = feedback_notices
        self.repository = repository
        self.archive = repository.archive
        self.principal = principal
        self.pipeline = pipeline
        self.topics = topics
        self.clock = clock
        self.sleep = sleep

    def process_message(self, body: str, *, deadline: float | None = None) -> MessageResult:
        """Process one SQS message body; raises :class:`MessageFailed` when it must be retried."""
        result = MessageResult()
        try:
            parsed = parse_message(body)
        except MalformedEvent as error:
            logger.error("acknowledging a malformed message without action: %s", error)
            result.outcomes.append(TriggerOutcome("rejected", str(error)))
            result.counts["TriggersFailed"] += 1
            return result
        if isinstance(parsed, S3TestEvent):
            logger.info("acknowledging the S3 test event of bucket %s", parsed.bucket)
            result.outcomes.append(TriggerOutcome("test-event", parsed.bucket))
            return result
        if isinstance(parsed, ReminderAction | NudgeAction):
            return self._process_action(parsed, deadline, result)
        for event in parsed:
            try:
                outcome = self._process_event(event, deadline, result.counts)
            except Rejected as rejected:
                logger.error("acknowledging trigger %s without action: %s", event.key, rejected)
                result.outcomes.append(TriggerOutcome("rejected", str(rejected)))
                result.counts["TriggersFailed"] += 1
                continue
            except Exception as error:
                logger.exception("trigger %s failed; the message will be retried", event.key)
                result.counts["TriggersFailed"] += 1
                self._remember_failure(event, error)
                raise MessageFailed(error, result.counts) from error
            logger.info(
                "trigger %s: %s (%s)",
                event.key,
                outcome.action,
                outcome.detail,
                extra={"customer_code": outcome.customer_code, "object_id": outcome.object_id},
            )
            result.outcomes.append(outcome)
        return result

    def _process_action(
        self, action: ReminderAction | NudgeAction, deadline: float | None, result: MessageResult
    ) -> MessageResult:
        """A reminder or a nudge the clock handed over: failures are retried like a trigger's."""
        if self.clock_work is None:
            raise MessageFailed(Rejected("this backend was built without the clock's work"), result.counts)
        try:
            outcome = self.clock_work.handle(action, self.clock(), deadline, result.counts)
        except Exception as error:
            logger.exception("%s of %s failed; the message will be retried", action.action, action.object_id)
            result.counts["TriggersFailed"] += 1
            raise MessageFailed(error, result.counts) from error
        logger.info(
            "%s of %s: %s (%s)",
            action.action,
            action.object_id,
            outcome.action,
            outcome.detail,
            extra={"customer_code": action.customer_code, "object_id": action.object_id},
        )
        result.outcomes.append(TriggerOutcome(outcome.action, outcome.detail, action.customer_code, action.object_id))
        return result

    def _process_event(self, event: ObjectEvent, deadline: float | None, counts: Counter[str]) -> TriggerOutcome:
        if not event.is_creation:
            return TriggerOutcome("ignored", f"event {event.event_name} is not an object creation")
        try:
            trigger = parse_trigger_key(event.key)
        except MalformedEvent as error:
            raise Rejected(str(error)) from None
        code, object_id = trigger.customer_code, trigger.object_id
        if event.bucket != self.archive.bucket:
            raise Rejected(f"bucket {event.bucket} is not this deployment's bucket {self.archive.bucket}")
        customer = self.config.customer_mappings.get(code)
        if customer is None:
            raise Rejected(f"unknown customer {code!r}: not in config.json")
        if event.principal_id and self.principal.wrote(event.principal_id):
            return TriggerOutcome("ignored", "written by the backend itself", code, object_id)
        if is_feedback_notice_id(object_id):
            if self.feedback_notices is None:
                raise Rejected(f"{object_id} is a feedback notice and this backend sends none")
            done = self.feedback_notices.process(customer, object_id, deadline, counts)
            return TriggerOutcome(done.action, done.detail, code, object_id)
        if is_notice_id(object_id):
            if self.notices is None:
                raise Rejected(f"{object_id} is a delegation notice and this backend sends none")
            done = self.notices.process(customer, object_id, deadline, counts)
            return TriggerOutcome(done.action, done.detail, code, object_id)
        trigger_etag = self.archive.trigger_etag(code, object_id)
        if trigger_etag is None:
            return TriggerOutcome("already-processed", "the trigger no longer exists", code, object_id)
        try:
            stored = self.archive.read_at("archive", object_id)
        except ObjectNotFound:
            raise Rejected(f"archive/{object_id}.json does not exist") from None
        except InvalidDocument as error:
            raise Rejected(f"archive/{object_id}.json is not a valid object: {error}") from None
        problem = legacy_problem(stored.obj)
        if problem:
            raise Rejected(f"{object_id} cannot be processed: {problem}")
        notice = decide(stored.obj, self.topics) or internal_notice(stored.obj, self.topics)
        if notice is None:
            self._delete_trigger(code, object_id, trigger_etag)
            return TriggerOutcome("no-email", f"status {stored.obj.status.value} sends nothing", code, object_id)
        context = TriggerContext(customer=customer, stored=stored, notice=notice, now=self.clock(), deadline=deadline)
        try:
            for step in self.pipeline.steps_for(stored.obj.status):
                step.run(context)
        finally:
            counts.update(context.counts)
        self._record_processed(context)
        self._delete_trigger(code, object_id, trigger_etag)
        counts["TriggersProcessed"] += 1
        detail = f"{notice.event.value} of v{stored.obj.version} to topic {notice.topic}"
        return TriggerOutcome("processed", detail, code, object_id)

    def _record_processed(self, context: TriggerContext) -> None:
        """Mark the state this trigger processed, and what the customer now knows of the object, in one write."""
        code, seen, plan = context.customer.customer_code, context.obj, context.plan
        told = plan.told if plan is not None else None
        withdrawn = plan is not None and plan.withdrawn
        if processed_since_last_transition(seen, code) and told is None and not withdrawn:
            return
        user, notified = self.principal.user_id, context.notified

        def annotate(obj: AnyObject) -> None:
            changed = False
            if told is not None:
                changed = obj.note_notified(code, told)
            if withdrawn:
                changed = obj.forget_notified(code, seen.version) or changed
            # Only the state this trigger processed is marked: if a user moved the object on meanwhile, the
            # newer trigger's message will process and mark that state itself.
            same_state = obj.status is seen.status and obj.version == seen.version
            if same_state and not processed_since_last_transition(obj, code):
                obj.record(
                    ModificationType.PROCESSED,
                    user,
                    self.clock(),
                    customer_code=code,
                    topic=notified.topic if notified else None,
                    recipients=notified.recipients if notified else None,
                )
                changed = True
            if not changed:
                raise _Unchanged()

        for attempt in range(PROCESSED_WRITE_ATTEMPTS):
            try:
                update = self.repository.update(seen.id, annotate, bump_version=False, location="archive")
            except _Unchanged:
                return
            except VersionConflict:
                # Every affected customer's message annotates the same object at about the same time.
                if attempt + 1 == PROCESSED_WRITE_ATTEMPTS:
                    raise
                self.sleep(random.uniform(0.05, 0.3) * (attempt + 1))
                continue
            if update.after.obj.version == seen.version:
                context.replace_stored(update.after)
            return

    def _remember_failure(self, event: ObjectEvent, error: Exception) -> None:
        """The reason a dead letter shows; never in the way of the retry itself."""
        if self.failures is None:
            return
        try:
            trigger = parse_trigger_key(event.key)
            self.failures.record(trigger.customer_code, trigger.object_id, f"{type(error).__name__}: {error}")
        except Exception:
            logger.exception("could not record why trigger %s failed", event.key)

    def _delete_trigger(self, code: str, object_id: str, etag: str) -> None:
        if not self.archive.delete_trigger(code, object_id, if_match=etag):
            logger.info(
                "trigger customers/%s/%s.json was re-written while it was processed; kept for its own message",
                code,
                object_id,
            )
