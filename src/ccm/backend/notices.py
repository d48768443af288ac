"""Which email one customer gets about an object as it is now, measured against what that customer was told.

* submitted: the approval request; after an edit of an approved object, with what changed since that approval.
* approved, for a customer never told of it: the approval notice (also for a customer an edit added).
* approved, for a customer told about an earlier version: an update ("Rescheduled" when the window moved) with
  what changed since that version, if anything it can see changed; nothing otherwise.
* approved, for a customer told about it that it no longer names: a cancellation for that customer.
* completed, cancelled: as the status says.

The version each customer was told about is recorded on the object (``notified_versions``) once its email is
out, so quick successive edits announce only the newest state, against what the customer actually knows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from ccm.domain.objects import AnyObject, parse_document
from ccm.domain.status import Status
from ccm.domain.what_changed import Audience, rescheduled
from ccm.errors import ObjectNotFound
from ccm.mail.decisions import EmailEvent, Notice, Topics, decide, topic_for
from ccm.mail.views import NO_EXTRAS, Extras
from ccm.mail.what_changed import ChangeRows

logger = logging.getLogger(__name__)


class VersionReader(Protocol):
    def version(self, object_id: str, version: int) -> dict[str, object]:
        """One earlier version's document (:class:`ObjectNotFound` if it was not kept)."""
        ...


@dataclass(frozen=True)
class CustomerNotice:
    """What the email step sends one customer, and what to record once it is sent."""

    notice: Notice | None
    extras: Extras = NO_EXTRAS
    baseline: AnyObject | None = None
    """The version the customer was told about before (for an approved object)."""
    told: int | None = None
    """Record this version as told to the customer once the email is out."""
    withdrawn: bool = False
    """The customer was told it is out of the object: forget what it was told."""

    @property
    def event(self) -> EmailEvent | None:
        return self.notice.event if self.notice else None


class NoticePlanner:
    def __init__(self, topics: Topics, versions: VersionReader, rows: ChangeRows) -> None:
        self.topics = topics
        self.versions = versions
        self.rows = rows

    def earlier(self, obj: AnyObject, version: int) -> AnyObject | None:
        if version == obj.version:
            return obj
        try:
            return parse_document(dict(self.versions.version(obj.id, version)))
        except ObjectNotFound:
            logger.warning("version %d of %s was not kept; measuring against nothing", version, obj.id)
            return None

    def plan(self, obj: AnyObject, customer_code: str) -> CustomerNotice:
        if obj.status is Status.SUBMITTED:
            return self._approval_request(obj)
        if obj.status is Status.APPROVED:
            return self._approved(obj, customer_code)
        return CustomerNotice(decide(obj, self.topics))

    def _approval_request(self, obj: AnyObject) -> CustomerNotice:
        notice = decide(obj, self.topics)
        approved_version = obj.changed_since_approval
        approved = self.earlier(obj, approved_version) if approved_version is not None else None
        if approved is None:
            return CustomerNotice(notice)
        changes = tuple(self.rows.rows(approved, obj, Audience.APPROVERS))
        return CustomerNotice(notice, Extras(changes=changes, approved_version=approved_version), baseline=approved)

    def _notice(self, obj: AnyObject, event: EmailEvent) -> Notice:
        return Notice(event, topic_for(obj, event, self.topics))

    def _approved(self, obj: AnyObject, code: str) -> CustomerNotice:
        told = (obj.notified_versions or {}).get(code)
        if code not in obj.customers:
            if told is None:
                return CustomerNotice(None)
            baseline = self.earlier(obj, told)
            return CustomerNotice(
                self._notice(obj, EmailEvent.CANCELLED), Extras(removed=True), baseline=baseline, withdrawn=True
            )
        if told is None:
            return CustomerNotice(self._notice(obj, EmailEvent.APPROVED), told=obj.version)
        if told >= obj.version:
            return CustomerNotice(None, baseline=obj)
        baseline = self.earlier(obj, told)
        if baseline is None:
            return CustomerNotice(self._notice(obj, EmailEvent.APPROVED), told=obj.version)
        changes = tuple(self.rows.rows(baseline, obj, Audience.CUSTOMERS))
        if not changes:
            # Only what customers cannot see changed (plans, tickets): nothing to tell, but they know this version.
            return CustomerNotice(None, baseline=baseline, told=obj.version)
        event = EmailEvent.RESCHEDULED if rescheduled(baseline, obj) else EmailEvent.UPDATED
        return CustomerNotice(self._notice(obj, event), Extras(changes=changes), baseline=baseline, told=obj.version)
