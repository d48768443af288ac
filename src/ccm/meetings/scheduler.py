"""One meeting per object, whatever the number of customers: create it once, update it, cancel it.

Every action runs under its claim (:mod:`ccm.storage.meeting_claims`), so five customers' messages about one approved
object, processed at the same moment, create one meeting; a redelivered message finds the meeting in the archive
(or, if the archive write was lost, in the claim's result) and does nothing; a window change is one update; a
cancellation is one cancel.

* The meeting is a Teams meeting (through :class:`~ccm.meetings.port.MeetingService`) when some affected
  customer uses Teams and Graph is configured; its attendees are those customers' subscribers of the calendar
  topic, after their ``restricted_recipients``, plus the addresses listed in the object's ``attendees``.
* Customers without Teams (``uses_teams: false``), or all customers when Graph is not configured, get the
  invitation by email as iCalendar (:mod:`ccm.meetings.invites`). When only they are affected, the meeting is a
  calendar entry ccm keeps itself (provider ``ics``), with a UID of its own.

The scheduler decides and calls the calendar; what it returns is recorded in the archive by
:class:`ccm.meetings.record.MeetingRecorder`.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from ccm.config import AppConfig
from ccm.domain.objects import AnyObject, MeetingMetadata, ModificationType
from ccm.domain.times import utc_now
from ccm.mail.decisions import Topics
from ccm.mail.recipients import RecipientDirectory
from ccm.meetings.content import MeetingContent
from ccm.meetings.graph_setup import GraphNotConfigured
from ccm.meetings.invitees import Invitees, invitees
from ccm.meetings.plan import MeetingPlan, active_meeting, generation, meeting_plan
from ccm.meetings.port import MeetingGone, MeetingRequest, MeetingService, OnlineMeeting
from ccm.storage.meeting_claims import POLL_SECONDS, WAIT_SECONDS, MeetingClaims, Once, Result, run_once

logger = logging.getLogger(__name__)

Entry = tuple[ModificationType, MeetingMetadata]


@dataclass
class Reconciled:
    """The meeting after reconciling, what to record in the archive, and what this worker did itself."""

    meeting: MeetingMetadata | None = None
    entries: list[Entry] = field(default_factory=list)
    created: bool = False
    updated: bool = False
    cancelled: bool = False
    nobody_invited: bool = False
    """No meeting was made because nobody is invited (recorded in the object's history as ``meeting_skipped``)."""
    detail: str = ""


def _short(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _meeting(result: Result | None) -> MeetingMetadata | None:
    document = (result or {}).get("meeting")
    return MeetingMetadata.model_validate(document) if document else None


def _dump(meeting: MeetingMetadata) -> Result:
    return {"meeting": meeting.model_dump(mode="json", exclude_none=True)}


def email_only_meeting(plan: MeetingPlan, organizer: str, uid_domain: str, sequence: int = 0) -> MeetingMetadata:
    """A meeting that exists only as invitations by email: ccm keeps it, under a UID of its own."""
    uid = f"{plan.object_id}-{plan.generation}@{uid_domain}"
    return MeetingMetadata.model_validate(
        {
            "meeting_id": uid,
            "ical_uid": uid,
            "join_url": "",
            "provider": "ics",
            "start_time": plan.start,
            "end_time": plan.end,
            "subject": plan.subject,
            "organizer": organizer,
            "sequence": sequence,
            "revision": plan.revision,
        }
    )


class MeetingScheduler:
    def __init__(
        self,
        config: AppConfig,
        topics: Topics,
        directory: RecipientDirectory,
        claims: MeetingClaims,
        service: MeetingService | None,
        content: MeetingContent,
        *,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        wait_seconds: float = WAIT_SECONDS,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.config = config
        self.topics = topics
        self.directory = directory
        self.claims = claims
        self.service = service
        self.content = content
        self.clock = clock
        self.sleep = sleep
        self.wait_seconds = wait_seconds
        self.poll_seconds = poll_seconds
        sender_domain = config.email_config.sender_address.rsplit("@", 1)[1]
        self.uid_domain = config.email_config.domain or sender_domain
        self.organizer = service.organizer if service is not None else config.email_config.meeting_organizer

    # --- the public actions -----------------------------------------------------------------------------------

    def reconcile(
        self, obj: AnyObject, *, wanted: bool | None = None, version_now: Callable[[], int] | None = None
    ) -> Reconciled:
        """Make the calendar match ``obj``: create its meeting, update it, or cancel it when no longer wanted.

        ``wanted`` overrides the object's ``include_meeting``; ``version_now`` reads the object's current version,
        so an update computed from a version a user has meanwhile replaced is left to that version's message.
        """
        wanted = obj.include_meeting if wanted is None else wanted
        plan = meeting_plan(obj, self.topics) if wanted else None
        current = active_meeting(obj)
        if plan is None:
            if current is None:
                return Reconciled(detail="no meeting wanted")
            return self.cancel(obj, reason="the meeting is no longer part of it")
        outcome = Reconciled()
        if current is None:
            once = self._once(obj.id, f"CREATE#{plan.generation}", lambda: self._create(obj, plan))
            current = _meeting(once.result)
            if current is None:
                outcome.nobody_invited = once.result is None
                outcome.detail = "nobody to invite" if once.result is None else "the object was cancelled first"
                return outcome
            outcome.entries.append((ModificationType.MEETING_SCHEDULED, current))
            outcome.created = once.performed
        outcome.meeting = current
        if current.revision == plan.revision:
            outcome.detail = "created" if outcome.created else "up to date"
            return outcome
        action = f"UPDATE#{_short(current.meeting_id)}#v{obj.version}#{plan.revision}"
        once = self._once(obj.id, action, lambda: self._update(obj, plan, current, version_now))
        if once.result is None:
            outcome.detail = "superseded by a newer version"
            return outcome
        gone = _meeting({"meeting": once.result.get("replaced")})
        updated = _meeting(once.result)
        assert updated is not None
        if gone is not None:
            outcome.entries.append((ModificationType.MEETING_CANCELLED, gone))
            outcome.entries.append((ModificationType.MEETING_SCHEDULED, updated))
        else:
            outcome.entries.append((ModificationType.MEETING_UPDATED, updated))
        outcome.meeting, outcome.updated = updated, once.performed
        outcome.detail = "updated"
        return outcome

    def cancel(self, obj: AnyObject, *, reason: str | None = None) -> Reconciled:
        """Cancel the object's meeting (once), and keep one from being created for it afterwards."""
        outcome = Reconciled()
        current = active_meeting(obj)
        if current is None:
            if not obj.include_meeting:
                return Reconciled(detail="no meeting")
            # A creation may have finished without being recorded, or be under way: settle it first. If none
            # happened, the claim is closed with no meeting, so a late message cannot create one now.
            once = self._once(obj.id, f"CREATE#{generation(obj)}", lambda: {"meeting": None})
            current = _meeting(once.result)
            if current is None:
                return Reconciled(detail="no meeting")
            outcome.entries.append((ModificationType.MEETING_SCHEDULED, current))
        comment = f"{obj.title} ({obj.id}): {reason or 'cancelled'}."
        found = current
        once = self._once(obj.id, f"CANCEL#{_short(found.meeting_id)}", lambda: self._cancel(found, comment))
        cancelled = _meeting(once.result)
        assert cancelled is not None
        outcome.entries.append((ModificationType.MEETING_CANCELLED, cancelled))
        outcome.cancelled, outcome.detail = once.performed, "cancelled"
        return outcome

    def audience(self, plan: MeetingPlan) -> Invitees:
        codes = [code for code in plan.customers if code in self.config.customer_mappings]
        unknown = sorted(set(plan.customers) - set(codes))
        if unknown:
            logger.warning("meeting of %s: customers not in config.json are left out: %s", plan.object_id, unknown)
        found = self.directory.across(codes, plan.topic) if codes else {}
        return invitees(self.config, codes, found, plan.listed_attendees, teams_available=self.service is not None)

    def request(self, obj: AnyObject, plan: MeetingPlan, attendees: tuple[str, ...]) -> MeetingRequest:
        body = self.content.body_html(obj, plan.start, plan.end, plan.timezone, self.clock())
        return MeetingRequest(
            key=plan.key,
            subject=plan.subject,
            body_html=body,
            start=plan.start,
            end=plan.end,
            timezone=plan.timezone,
            location=plan.location,
            attendees=attendees,
            hide_attendees=plan.hide_attendees,
        )

    # --- the work done under a claim --------------------------------------------------------------------------

    def _once(self, object_id: str, action: str, work: Callable[[], Result | None]) -> Once:
        return run_once(
            self.claims,
            object_id,
            action,
            work,
            sleep=self.sleep,
            wait_seconds=self.wait_seconds,
            poll_seconds=self.poll_seconds,
        )

    def _graph(self) -> MeetingService:
        if self.service is None:
            raise GraphNotConfigured("this meeting is a Teams meeting, but config.json has no graph_config")
        return self.service

    def _metadata(self, plan: MeetingPlan, meeting: OnlineMeeting | None, sequence: int) -> MeetingMetadata:
        if meeting is None:
            return email_only_meeting(plan, self.organizer, self.uid_domain, sequence)
        return MeetingMetadata.model_validate(
            {
                "meeting_id": meeting.meeting_id,
                "ical_uid": meeting.ical_uid or None,
                "join_url": meeting.join_url,
                "provider": "teams",
                "start_time": plan.start,
                "end_time": plan.end,
                "subject": plan.subject,
                "organizer": meeting.organizer,
                "sequence": sequence,
                "revision": plan.revision,
            }
        )

    def _create(self, obj: AnyObject, plan: MeetingPlan) -> Result | None:
        audience = self.audience(plan)
        if audience.teams:
            service = self._graph()
            # A holder that died after creating it left the meeting in the calendar: find it before creating.
            meeting = service.find(plan.key) or service.create(self.request(obj, plan, audience.teams))
            logger.info("Teams meeting of %s for %d attendees: %s", obj.id, len(audience.teams), meeting.meeting_id)
            return _dump(self._metadata(plan, meeting, 0))
        if audience.email_recipients:
            logger.info("meeting of %s by invitation email only (%s)", obj.id, ", ".join(audience.by_email))
            return _dump(self._metadata(plan, None, 0))
        logger.info("no meeting for %s: nobody subscribes to %s at its customers", obj.id, plan.topic)
        return None

    def _update(
        self,
        obj: AnyObject,
        plan: MeetingPlan,
        current: MeetingMetadata,
        version_now: Callable[[], int] | None,
    ) -> Result | None:
        if version_now is not None and version_now() != obj.version:
            return None
        sequence = current.sequence + 1
        if current.provider == "ics":
            moved = {"start_time": plan.start, "end_time": plan.end, "subject": plan.subject, "revision": plan.revision}
            return _dump(current.model_copy(update={**moved, "sequence": sequence}))
        service = self._graph()
        audience = self.audience(plan)
        request = self.request(obj, plan, audience.teams)
        try:
            meeting = service.update(current.meeting_id, request)
        except MeetingGone:
            # Deleted in the organizer's calendar by hand: record that, and schedule its replacement.
            logger.warning("the meeting of %s was deleted outside ccm; scheduling a new one", obj.id)
            replacement = replace(plan, generation=plan.generation + 1)
            meeting = service.find(replacement.key) or service.create(self.request(obj, replacement, audience.teams))
            gone = current.model_copy(update={"sequence": sequence})
            result = _dump(self._metadata(replacement, meeting, 0))
            result["replaced"] = gone.model_dump(mode="json", exclude_none=True)
            return result
        return _dump(self._metadata(plan, meeting, sequence))

    def _cancel(self, meeting: MeetingMetadata, comment: str) -> Result:
        # Meetings recorded before providers were (``None``) are Teams meetings: the original made no others.
        if meeting.provider != "ics" and not self._graph().cancel(meeting.meeting_id, comment):
            logger.info("meeting %s was already gone from the calendar", meeting.meeting_id)
        return _dump(meeting.model_copy(update={"sequence": meeting.sequence + 1}))
