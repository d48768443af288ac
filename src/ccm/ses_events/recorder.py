"""One message of the SES events queue: read it, record its event on the ledger, say what became of it.

A message nobody can read and an event about a message id we never sent are logged and dropped (retrying cannot
change either); a failure of the table raises, so the queue retries the message and finally keeps it in its
dead-letter queue.
"""

from __future__ import annotations

import logging
from typing import Protocol

from ccm.ses_events.messages import MalformedEvent, read_event, unwrap
from ccm.storage.delivery_records import Recorded, SesEvent

logger = logging.getLogger(__name__)

MALFORMED = "malformed"
IGNORED = "ignored"


class EventStore(Protocol):
    def record(self, event: SesEvent) -> Recorded: ...


class EventRecorder:
    def __init__(self, store: EventStore) -> None:
        self.store = store

    def process(self, body: str) -> str:
        """``recorded``, ``unchanged``, ``unknown``, ``ignored`` or ``malformed``; raises on a storage failure."""
        try:
            event = read_event(unwrap(body))
        except MalformedEvent as error:
            logger.error("dropping a message that is no SES event: %s", error)
            return MALFORMED
        if event is None:
            return IGNORED
        outcome = self.store.record(event)
        if outcome is Recorded.UNKNOWN:
            logger.warning(
                "dropping the %s event of SES message %s: no email of ours has that id",
                event.event_type,
                event.message_id,
            )
        else:
            logger.info("%s event of %s: %s", event.event_type, event.message_id, outcome.value)
        return outcome.value
