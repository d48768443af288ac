"""What the backend does with the clock's messages: the reminders to customers and the nudges to requesters.

The clock claimed the action once; here the object is read again from the archive, and the email goes out only if
what made it due still holds: the change is still approved, with the window the clock saw (a moved window has its
own reminders; a completed or cancelled change needs no nudge). The email is delivered under the delivery ledger's
key of the version the clock saw, so a redelivered message mails nobody twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from ccm.backend.channel_step import ChannelStep
from ccm.backend.steps import TriggerContext, deliver_counted
from ccm.config import AppConfig
from ccm.domain.due_actions import NudgeAction, ReminderAction
from ccm.domain.objects import USER_TRANSITIONS, AnyObject, Change, ModificationType
from ccm.domain.status import Status
from ccm.errors import CcmError, ObjectNotFound
from ccm.mail.decisions import INTERNAL, EmailEvent, Notice, Topics, topic_for
from ccm.mail.delivery import EmailSender
from ccm.mail.mime import RenderedEmail
from ccm.mail.recipients import RecipientDirectory
from ccm.mail.render import EmailRenderer
from ccm.mail.views import Extras, Moment, NudgeFacts, ReminderFacts, ViewBuilder
from ccm.meetings.plan import active_meeting
from ccm.storage.archive import ArchiveStore
from ccm.storage.ledger import DeliveryKey

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClockOutcome:
    action: str
    detail: str


def invitation_reference(obj: AnyObject) -> str | None:
    """How a reminder names the calendar entry its readers already have."""
    meeting = active_meeting(obj)
    if meeting is None:
        return None
    kind = "Teams meeting" if meeting.provider != "ics" else "calendar invitation"
    return f"“{meeting.subject}” ({kind}, event {meeting.ical_uid or meeting.meeting_id})"


class NotAnnouncedYet(CcmError):
    """A reminder that would reach customers before the approval notice it reminds of: retried later."""


def told_of_approval(obj: AnyObject, code: str) -> bool:
    """Whether the customer heard of the object's approval: recorded by the backend, or (objects approved before
    that was recorded) the backend processed the customer's trigger since the last user action."""
    if code in (obj.notified_versions or {}):
        return True
    for entry in reversed(obj.modifications):
        if entry.modification_type in USER_TRANSITIONS:
            return False
        if entry.modification_type is ModificationType.PROCESSED and entry.customer_code == code:
            return True
    return False


class ClockWork:
    def __init__(
        self,
        config: AppConfig,
        archive: ArchiveStore,
        topics: Topics,
        renderer: EmailRenderer,
        directory: RecipientDirectory,
        sender: EmailSender,
        *,
        channels: ChannelStep | None = None,
    ) -> None:
        self.channels = channels
        self.config = config
        self.archive = archive
        self.topics = topics
        self.renderer = renderer
        self.directory = directory
        self.sender = sender
        self.views = ViewBuilder(config)

    def handle(
        self,
        action: ReminderAction | NudgeAction,
        now: datetime,
        deadline: float | None = None,
        counts: Counter[str] | None = None,
    ) -> ClockOutcome:
        """Send what ``action`` asks for if it still holds; what was sent (or failed) is added to ``counts``."""
        try:
            stored = self.archive.read_at("archive", action.object_id)
        except ObjectNotFound:
            return ClockOutcome("stale", f"{action.object_id} is no longer in the archive")
        customer = self.config.customer_mappings.get(action.customer_code)
        if customer is None:
            return ClockOutcome("stale", f"customer {action.customer_code} is not in config.json")
        context = TriggerContext(
            customer=customer,
            stored=stored,
            notice=Notice(EmailEvent.REMINDER, ""),
            now=now,
            deadline=deadline,
            counts=counts if counts is not None else Counter(),
        )
        if isinstance(action, ReminderAction):
            return ClockOutcome(*self._remind(action, stored.obj, context))
        return ClockOutcome(*self._nudge(action, stored.obj, context))

    def _remind(self, action: ReminderAction, obj: AnyObject, context: TriggerContext) -> tuple[str, str]:
        code = context.customer.customer_code
        if not isinstance(obj, Change) or obj.status is not Status.APPROVED:
            return "stale", f"{obj.id} is {obj.status.value}; no reminder"
        if obj.implementation_start != action.window_start or code not in obj.customers:
            return "stale", f"{obj.id} moved or no longer includes {code}; its own reminders follow"
        if not told_of_approval(obj, code):
            # Approved moments ago: the approval notice is still on its way. The queue brings this back later.
            raise NotAnnouncedYet(f"{code} has not been told of {obj.id} v{obj.version} yet; the reminder waits")
        notice = Notice(EmailEvent.REMINDER, topic_for(obj, EmailEvent.REMINDER, self.topics))
        recipients = self.directory.recipients(code, notice.topic)
        if not recipients:
            self._post_channels(action, context)
            return "no-email", f"nobody at {code} subscribes to {notice.topic}"
        facts = ReminderFacts(
            offset=action.offset_duration,
            starts=Moment.of(obj.implementation_start, obj.timezone),
            invitation=invitation_reference(obj),
        )
        email = self.renderer.render(obj, notice, code, context.now, Extras(reminder=facts))
        mailed = self._send(context, action, email, recipients, notice.topic)
        self._post_channels(action, context)
        return "reminded", f"{action.offset} reminder of v{action.version} to {mailed} subscriber(s) at {code}"

    def _post_channels(self, action: ReminderAction, context: TriggerContext) -> None:
        """The reminder to the customer's channels too, under the key of the version the clock saw."""
        if self.channels is not None:
            key = DeliveryKey(action.object_id, action.version, action.event, context.customer.customer_code)
            self.channels.post(context, EmailEvent.REMINDER, key)

    def _nudge(self, action: NudgeAction, obj: AnyObject, context: TriggerContext) -> tuple[str, str]:
        if not isinstance(obj, Change) or obj.status is not Status.APPROVED:
            return "stale", f"{obj.id} is {obj.status.value}; nothing to nudge"
        if obj.implementation_end != action.window_end or obj.implementation_end is None:
            return "stale", f"the window of {obj.id} moved; its own nudges follow"
        requester = obj.owner or action.requester
        if not context.customer.allows_recipient(requester):
            return "no-email", f"{context.customer.customer_code} may not mail {requester}"
        facts = NudgeFacts(
            number=action.number,
            limit=action.limit,
            ended=Moment.of(obj.implementation_end, obj.timezone),
            complete_url=self.views.confirm_url(obj, "complete"),
            cancel_url=self.views.confirm_url(obj, "cancel"),
        )
        notice = Notice(EmailEvent.OVERDUE, INTERNAL)
        email = self.renderer.render(obj, notice, context.customer.customer_code, context.now, Extras(nudge=facts))
        self._send(context, action, email, [requester], INTERNAL)
        return "nudged", f"nudge {action.number} of {action.limit} to {requester}"

    def _send(
        self,
        context: TriggerContext,
        action: ReminderAction | NudgeAction,
        email: RenderedEmail,
        recipients: list[str],
        topic: str,
    ) -> int:
        # The version the clock saw: a redelivery of this message is the same delivery, whatever was edited since.
        key = DeliveryKey(action.object_id, action.version, action.event, context.customer.customer_code)
        report = deliver_counted(context, self.sender, key, email, recipients, topic)
        return report.sent + report.already_sent
