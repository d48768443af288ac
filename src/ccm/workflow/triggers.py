"""Triggers: one per affected customer, written only after the archive holds the new state.

The backend acts on the archive's status, never on the trigger, so a trigger only says "look again". Writing
one is idempotent (same key, same body), which is what makes a resend safe.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ccm.config import AppConfig
from ccm.domain.objects import AnyObject
from ccm.domain.status import Status
from ccm.storage.archive import Stored
from ccm.storage.port import TriggerNotWritten
from ccm.workflow.services import Services

logger = logging.getLogger(__name__)

REQUEST_TYPES: dict[tuple[str, Status], str] = {
    ("change", Status.SUBMITTED): "approval_request",
    ("change", Status.APPROVED): "approved_announcement",
    ("change", Status.COMPLETED): "change_complete",
    ("change", Status.CANCELLED): "change_cancelled",
    ("announcement", Status.SUBMITTED): "announcement_approval_request",
    ("announcement", Status.APPROVED): "approved_announcement",
    ("announcement", Status.COMPLETED): "announcement_completed",
    ("announcement", Status.CANCELLED): "announcement_cancelled",
    ("change", Status.REJECTED): "change_rejected",
    ("announcement", Status.REJECTED): "announcement_rejected",
}
INTERNAL: frozenset[Status] = frozenset({Status.REJECTED})
"""Statuses that mail only our own people (the requester), not the customers: one trigger is enough."""
PARALLEL_WRITES = 8


@dataclass(frozen=True)
class TriggerResult:
    customer_code: str
    customer_name: str
    key: str | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def request_type(obj: AnyObject) -> str | None:
    """What the trigger announces for the object's current status; ``None`` if that status notifies nobody."""
    return REQUEST_TYPES.get((obj.kind, obj.status))


def internal_mail_customer(config: AppConfig, recipients: Sequence[str], candidates: Sequence[str]) -> str:
    """Whose SES sends a message to our own people: the first candidate customer whose allow-list admits every
    recipient (a non-production customer may mail only a few), else the first candidate."""
    codes = sorted(code for code in set(candidates) if code in config.customer_mappings) or config.customer_codes
    for code in codes:
        mapping = config.customer_mappings[code]
        if all(mapping.allows_recipient(address) for address in recipients):
            return code
    return codes[0]


def former_customers(obj: AnyObject) -> list[str]:
    """Customers told about an earlier version that this one no longer names: an approval tells them they are out
    of it, a cancellation that it will not happen."""
    if obj.status not in (Status.APPROVED, Status.CANCELLED):
        return []
    return sorted(set(obj.notified_versions or {}) - set(obj.customers))


def write_triggers(services: Services, stored: Stored) -> list[TriggerResult]:
    """Write a trigger for every configured customer of ``stored`` (and every former customer who must hear of
    it); failures are reported, not raised."""
    obj = stored.obj
    kind = request_type(obj)
    if kind is None:
        return []

    def write(code: str) -> TriggerResult:
        mapping = services.config.customer_mappings.get(code)
        if mapping is None:
            return TriggerResult(code, code, None, "customer is not configured; nobody would receive this")
        try:
            key = services.repository.put_trigger(code, obj, kind)
        except TriggerNotWritten as error:
            logger.error("trigger for %s of %s failed: %s", code, obj.id, error)
            return TriggerResult(code, mapping.customer_name, None, str(error))
        return TriggerResult(code, mapping.customer_name, key)

    codes = [*obj.customers, *former_customers(obj)]
    if obj.status in INTERNAL and codes:
        codes = [internal_mail_customer(services.config, [obj.owner], codes)]
    if len(codes) <= 1:
        return [write(code) for code in codes]
    with ThreadPoolExecutor(max_workers=min(PARALLEL_WRITES, len(codes))) as pool:
        return list(pool.map(write, codes))
