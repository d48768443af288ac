"""The meeting steps of the backend pipeline (their place in each status is :mod:`ccm.backend.steps`'s).

* ``meeting``: create, update or cancel the object's one meeting (also when the object is completed before the
  meeting starts), and record it in the archive; with nobody to invite, record that no meeting was made.
* ``calendar-invite``: the invitation (or its cancellation) by email, for customers without Teams; not again to
  a customer that holds the same invitation (same meeting, same sequence), and a cancellation to a customer an
  edit removed.

Both are safe to run again: the meeting step through its claims and idempotent records, the invitations
through the delivery ledger.
"""

from __future__ import annotations

import logging

from ccm.backend.steps import TriggerContext, send_counted
from ccm.domain.objects import COMPLETED_BEFORE_MEETING, AnyObject
from ccm.domain.status import Status
from ccm.mail.delivery import EmailSender
from ccm.meetings.content import INVITE_EVENTS
from ccm.meetings.invites import CalendarInvites
from ccm.meetings.plan import active_meeting, completed_before_meeting, meeting_plan
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
        cancel_detail = None
        if obj.status is Status.APPROVED:
            outcome = self.scheduler.reconcile(obj, version_now=lambda: self._version(obj.id))
        elif obj.status is Status.CANCELLED:
            outcome = self.scheduler.cancel(obj)
        elif obj.status is Status.COMPLETED and completed_before_meeting(obj, self.scheduler.topics):
            # Done early: nobody should still join a meeting about work that is finished.
            cancel_detail = COMPLETED_BEFORE_MEETING
            outcome = self.scheduler.cancel(obj, reason=COMPLETED_BEFORE_MEETING)
        else:
            return
        stored = self.recorder.record(obj.id, obj.version, outcome.entries, cancel_detail=cancel_detail)
        if outcome.nobody_invited:
            plan = meeting_plan(obj, self.scheduler.topics)
            stored = self.recorder.record_skipped(obj.id, obj.version, plan.topic if plan else "")
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


def _same_invitation(told: AnyObject, now: AnyObject) -> bool:
    before, after = active_meeting(told), active_meeting(now)
    return (
        before is not None
        and after is not None
        and (before.meeting_id, before.sequence) == (after.meeting_id, after.sequence)
    )


class CalendarInviteStep:
    name = INVITE_STEP

    def __init__(self, invites: CalendarInvites, sender: EmailSender) -> None:
        self.invites = invites
        self.sender = sender

    def run(self, context: TriggerContext) -> None:
        obj, plan = context.obj, context.plan
        status = obj.status
        if status not in (Status.APPROVED, Status.CANCELLED, Status.COMPLETED):
            return
        withdrawn = plan is not None and plan.withdrawn
        if plan is not None and not withdrawn and plan.baseline is not None and _same_invitation(plan.baseline, obj):
            # The customer holds this very invitation already (a change of other things, or one it cannot see).
            return
        invitation = self.invites.prepare(obj, context.customer, context.now, withdrawn=withdrawn)
        # A completed object sends only the cancellation of a meeting it cancelled, never the invitation again.
        if invitation is not None and (status is not Status.COMPLETED or invitation.event == INVITE_EVENTS["CANCEL"]):
            send_counted(
                context, self.sender, invitation.event, invitation.email, invitation.recipients, invitation.topic
            )
