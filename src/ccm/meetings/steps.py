"""The meeting steps of the backend pipeline, and where they go in each status's plan.

* approved: ``meeting`` (create or update, and record it) before ``email``, so the approval email carries the
  Join link; ``calendar-invite`` (invitations by email) after it.
* cancelled: ``meeting`` (cancel, and record it) and ``calendar-invite`` (the cancellation) before ``email``.

Both are safe to run again: the meeting step through its claims and idempotent records, the invitations
through the delivery ledger.
"""

from __future__ import annotations

import logging

from ccm.backend.steps import EMAIL_STEP, StepPlan, TriggerContext
from ccm.domain.status import Status
from ccm.meetings.invites import CalendarInvites
from ccm.meetings.record import MeetingRecorder
from ccm.meetings.scheduler import MeetingScheduler
from ccm.storage.repository import Repository

logger = logging.getLogger(__name__)

MEETING_STEP = "meeting"
INVITE_STEP = "calendar-invite"


class MeetingStep:
    name = MEETING_STEP

    def __init__(self, scheduler: MeetingScheduler, recorder: MeetingRecorder, repository: Repository) -> None:
        self.scheduler = scheduler
        self.recorder = recorder
        self.repository = repository

    def run(self, context: TriggerContext) -> None:
        obj = context.obj
        if obj.status is Status.APPROVED:
            outcome = self.scheduler.reconcile(obj, version_now=lambda: self._version(obj.id))
        elif obj.status is Status.CANCELLED:
            outcome = self.scheduler.cancel(obj)
        else:
            return
        stored = self.recorder.record(obj.id, obj.version, outcome.entries)
        # A user's newer version is its own message's business; this one goes on with the version it processes.
        if stored is not None and stored.obj.version == obj.version:
            context.replace_stored(stored)
        context.count("MeetingsCreated", int(outcome.created))
        context.count("MeetingsUpdated", int(outcome.updated))
        context.count("MeetingsCancelled", int(outcome.cancelled))
        if outcome.entries or outcome.detail not in ("no meeting", "no meeting wanted"):
            logger.info(
                "meeting of %s v%d for %s: %s", obj.id, obj.version, context.customer.customer_code, outcome.detail
            )

    def _version(self, object_id: str) -> int:
        return self.repository.archive.read_at("archive", object_id).obj.version


class CalendarInviteStep:
    name = INVITE_STEP

    def __init__(self, invites: CalendarInvites) -> None:
        self.invites = invites

    def run(self, context: TriggerContext) -> None:
        if context.obj.status in (Status.APPROVED, Status.CANCELLED):
            self.invites.send(context)


def install(plan: StepPlan, meeting: MeetingStep, invites: CalendarInviteStep) -> None:
    plan.insert(Status.APPROVED, meeting, before=EMAIL_STEP)
    plan.insert(Status.APPROVED, invites, after=EMAIL_STEP)
    plan.insert(Status.CANCELLED, meeting, before=EMAIL_STEP)
    plan.insert(Status.CANCELLED, invites, before=EMAIL_STEP)
