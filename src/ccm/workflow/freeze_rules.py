"""Freeze windows in the workflow: a change whose window meets one cannot be submitted or approved, unless it is an
emergency change with a justification, whose entry into the freeze is then recorded in its history."""

from __future__ import annotations

from datetime import datetime

from ccm.domain.classification import ChangeType
from ccm.domain.freezes import FreezeHit, freezes_met
from ccm.domain.objects import AnyObject, Change, FreezeReference, ModificationType
from ccm.domain.status import Status
from ccm.domain.times import format_rfc3339
from ccm.domain.windows import object_window
from ccm.workflow.actor import Actor
from ccm.workflow.errors import FreezeConflict, FrozenWindow, InvalidInput
from ccm.workflow.services import Services

ENFORCED = frozenset({Status.SUBMITTED, Status.APPROVED})


def require_justified_emergency(obj: AnyObject) -> None:
    """An emergency change must say why it cannot wait, before anyone is asked to approve it."""
    if isinstance(obj, Change) and obj.change_type is ChangeType.EMERGENCY and not obj.emergency_justification.strip():
        raise InvalidInput.one("emergencyJustification", "is required for an emergency change")


def frozen_for(services: Services, obj: AnyObject) -> list[FreezeHit]:
    """The freeze occurrences the change's window meets for any of its customers (none for announcements)."""
    if not isinstance(obj, Change):
        return []
    window = object_window(obj)
    if window is None:
        return []
    return freezes_met(services.config.change_calendar.freeze_windows, window, obj.customers)


def move_unless_frozen(services: Services, obj: AnyObject, target: Status, actor: Actor, at: datetime) -> None:
    """Move ``obj`` to ``target``; into submitted or approved only outside every freeze of its customers, or as a
    justified emergency, whose override of each freeze is recorded right after the transition's own entry."""
    hits = frozen_for(services, obj) if target in ENFORCED else []
    if not hits:
        obj.transition(target, actor.email, at)
        return
    assert isinstance(obj, Change)
    justification = obj.emergency_justification.strip()
    if obj.change_type is not ChangeType.EMERGENCY or not justification:
        raise FrozenWindow(obj.id, target.value, [_conflict(hit) for hit in hits])
    obj.transition(target, actor.email, at)
    for hit in hits:
        occurrence = hit.occurrence
        reference = FreezeReference(
            name=occurrence.name,
            start=occurrence.start,
            end=occurrence.end,
            timezone=occurrence.timezone,
            customers=hit.customers,
            action=target.value,
            justification=justification,
        )
        obj.record(ModificationType.FREEZE_OVERRIDE, actor.email, at, freeze=reference)


def _conflict(hit: FreezeHit) -> FreezeConflict:
    occurrence = hit.occurrence
    return FreezeConflict(
        name=occurrence.name,
        reason=occurrence.reason,
        customers=hit.customers,
        start=format_rfc3339(occurrence.start),
        end=format_rfc3339(occurrence.end),
        timezone=occurrence.timezone,
    )
