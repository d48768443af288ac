"""Low ratings: a ``customers/<code>/FBK-....json`` trigger says a recipient of that customer rated an object low.

The answer itself is read from the table (the trigger is only a pointer): a notice whose answer was replaced since
(sent again, with another rating or comment) is dropped, since the newer answer brings its own notice if it is still
low. The requester is told through the customer's SES outside every topic, claimed in the delivery ledger under the
notice's id, so a redelivered notice mails nobody twice.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from ccm.backend.delegation_notices import NoticeResult
from ccm.config import AppConfig, CustomerMapping
from ccm.errors import ObjectNotFound
from ccm.mail.delivery import DeliveryFailed, EmailSender
from ccm.mail.feedback_notice import EVENT, render_low_rating
from ccm.mail.mime import valid_address
from ccm.storage.archive import ArchiveStore
from ccm.storage.feedback import FeedbackStore
from ccm.storage.ledger import DeliveryKey

logger = logging.getLogger(__name__)

NOTICE_VERSION = 1
"""A notice never changes: a new answer is a new notice id."""


class FeedbackNotices:
    def __init__(
        self,
        config: AppConfig,
        archive: ArchiveStore,
        feedback: FeedbackStore,
        sender: EmailSender,
        clock: Callable[[], datetime],
    ) -> None:
        self.config = config
        self.archive = archive
        self.feedback = feedback
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
        object_id = str(body.get("objectId") or "")
        answer = next(
            (
                found
                for found in self.feedback.for_object(object_id)
                if found.customer_code == code and found.recipient_hash == body.get("recipientHash")
            ),
            None,
        )
        if answer is None or answer.answered_at.isoformat() != body.get("answeredAt"):
            self.archive.delete_trigger(code, notice_id, if_match=etag)
            return NoticeResult("superseded", "the answer was replaced since")
        try:
            obj = self.archive.read_at("archive", object_id).obj
        except ObjectNotFound:
            self.archive.delete_trigger(code, notice_id, if_match=etag)
            return NoticeResult("superseded", f"{object_id} no longer exists")
        recipient = obj.owner
        if not valid_address(recipient) or not customer.allows_recipient(recipient):
            logger.warning("%s cannot be told through %s of a low rating of %s", recipient or "nobody", code, obj.id)
        else:
            email = render_low_rating(self.config, obj, answer, customer.customer_name, self.clock())
            key = DeliveryKey(notice_id, NOTICE_VERSION, EVENT, code)
            try:
                report = self.sender.deliver(
                    key, customer, email, [recipient], None, now=self.clock(), deadline=deadline
                )
            except DeliveryFailed as failed:
                counts["EmailsSent"] += failed.report.sent
                counts["EmailsFailed"] += failed.report.failed
                raise
            counts["EmailsSent"] += report.sent
            counts["EmailsRejected"] += report.rejected
        self.archive.delete_trigger(code, notice_id, if_match=etag)
        return NoticeResult("processed", f"a rating of {answer.rating} of {object_id} by {code}")
