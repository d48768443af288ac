"""Freeze windows in the workflow: a change whose window meets one cannot be submitted or approved, unless it is an
emergency change with a justification, whose entry into the freeze is then recorded in its history."""

from __future__ import annotations

from datetime import datetime

from ccm.domain.approval import ChangeType
from ccm.domain.freezes import FreezeHit, freezes_met
from ccm.domain.objects import AnyObject, Change, FreezeReference, ModificationType
from ccm.domain.status import Status
from ccm.domain.times import format_rfc3339
from ccm.domain.windows import object_window
from ccm.workflow.actor import Actor
from ccm.workflow.errors import FreezeConflict, FrozenWindow
from ccm.workflow.services import Services

ENFORCED = frozenset({Status.SUBMITTED, Status.APPROVED})


def frozen_for(services: Services, obj: AnyObject) -> list[FreezeHit]:
    """The freeze occurrences the change's window meets for any of its customers (none for announcements)."""
    if not isinstance(obj, Change):
        return []
    window = object_window(obj)
    if window is None:
        return []
    return freezes_met(services.config.change_calendar.freeze_windows, window, obj.customers)


def freeze_overrides(services: Services, obj: AnyObject, target: Status) -> list[FreezeReference]:
    """What moving ``obj`` to ``target`` would override: nothing outside every freeze of its customers (or for a
    status that is not enforced); inside one, :class:`FrozenWindow` unless ``obj`` is a justified emergency, whose
    entries into each freeze are returned for :func:`record_freeze_overrides`."""
    hits = frozen_for(services, obj) if target in ENFORCED else []
    if not hits:
        return []
    assert isinstance(obj, Change)
    justification = obj.emergency_justification.strip()
    if obj.change_type is not ChangeType.EMERGENCY or not justification:
        raise FrozenWindow(obj.id, target.value, [_conflict(hit) for hit in hits])
    return [
        FreezeReference(
            name=hit.occurrence.name,
            start=hit.occurrence.start,
            end=hit.occurrence.end,
            timezone=hit.occurrence.timezone,
            customers=hit.customers,
            action=target.value,
            justification=justification,
        )
        for hit in hits
    ]


def record_freeze_overrides(obj: AnyObject, overrides: list[FreezeReference], actor: Actor, at: datetime) -> None:
    """Each freeze an emergency entered, right after the transition's own entry in the same write."""
    for reference in overrides:
        obj.record(ModificationType.FREEZE_OVERRIDE, actor.email, at, freeze=reference, request_id=actor.request_id)


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
