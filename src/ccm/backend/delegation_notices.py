"""Delegation notices: a ``customers/<code>/DLG-....json`` trigger names the approver whose delegation was set.

The delegation itself is read from the table (the trigger is only a pointer). A notice whose delegation was
replaced or removed since is dropped: only the delegation in force is announced. Each of the two emails is claimed
in the delivery ledger under the notice's id, so a redelivered notice mails nobody twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ccm.config import AppConfig, CustomerMapping
from ccm.mail.delegation import Role, render_delegation_notice
from ccm.mail.delivery import DeliveryFailed, EmailSender
from ccm.storage.archive import ArchiveStore
from ccm.storage.delegations import DelegationStore
from ccm.storage.ledger import DeliveryKey

logger = logging.getLogger(__name__)

NOTICE_VERSION = 1
"""A notice never changes: a new setting of the delegation is a new notice id."""


@dataclass(frozen=True)
class NoticeResult:
    action: str
    detail: str


class DelegationNotices:
    def __init__(
        self,
        config: AppConfig,
        archive: ArchiveStore,
        delegations: DelegationStore,
        sender: EmailSender,
        clock: Callable[[], datetime],
    ) -> None:
        self.config = config
        self.archive = archive
        self.delegations = delegations
        self.sender = sender
        self.clock = clock

    def process(
        self, customer: CustomerMapping, notice_id: str, deadline: float | None, counts: Counter[str]
    ) -> NoticeResult:
        code = customer.customer_code
        etag = self.archive.trigger_etag(code, notice_id)
        body = self.archive.read_notice(code, notice_id) if etag is not None else None
        if etag is None or body is None:
            return NoticeResult("already-processed", "the notice no longer exists")
        delegation = self.delegations.get(str(body.get("approver") or ""))
        if delegation is None or delegation.notice_id != notice_id:
            self.archive.delete_trigger(code, notice_id, if_match=etag)
            return NoticeResult("superseded", "the delegation was changed or removed since")
        now = self.clock()
        roles: tuple[tuple[Role, str], ...] = (("approver", delegation.approver), ("delegate", delegation.delegate))
        for role, recipient in roles:
            if not customer.allows_recipient(recipient):
                logger.warning("%s may not be mailed through %s; not told of %s", recipient, code, notice_id)
                continue
            email = render_delegation_notice(self.config, delegation, role, now)
            key = DeliveryKey(notice_id, NOTICE_VERSION, f"delegation_{role}", code)
            try:
                report = self.sender.deliver(key, customer, email, [recipient], None, now=now, deadline=deadline)
            except DeliveryFailed as failed:
                counts["EmailsSent"] += failed.report.sent
                counts["EmailsFailed"] += failed.report.failed
                raise
            counts["EmailsSent"] += report.sent
            counts["EmailsRejected"] += report.rejected
        self.archive.delete_trigger(code, notice_id, if_match=etag)
        return NoticeResult("processed", f"delegation of {delegation.approver} to {delegation.delegate}")
