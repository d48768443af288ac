"""What the portal shows of the notices' state: the changes since approval, and the changes overdue for closing."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from ccm.domain.objects import AnyObject, parse_document
from ccm.domain.status import Status
from ccm.domain.times import format_rfc3339
from ccm.errors import ObjectNotFound
from ccm.storage.catalog import MAX_PAGE, Query, Summary
from ccm.workflow.actor import Actor
from ccm.workflow.commands import Kind
from ccm.workflow.reading import get_object
from ccm.workflow.services import Services


@dataclass(frozen=True)
class SinceApproval:
    """An object back in approval after an edit: the version that was approved, and the object now."""

    approved_version: int
    approved: AnyObject
    current: AnyObject


def changes_since_approval(services: Services, actor: Actor, object_id: str, *, kind: Kind) -> SinceApproval | None:
    """``None`` unless the object waits for approval again after an edit (and its approved version was kept)."""
    stored = get_object(services, actor, object_id, kind=kind)
    assert stored is not None
    version = stored.obj.changed_since_approval
    if version is None:
        return None
    try:
        approved = parse_document(services.repository.version(object_id, version))
    except ObjectNotFound:
        return None
    return SinceApproval(version, approved, stored.obj)


def overdue_changes(services: Services, actor: Actor, *, now: datetime | None = None) -> list[Summary]:
    """Approved changes whose window has ended: they wait to be completed or cancelled. Oldest end first.

    Read from the catalog's approved changes, every page (approved ones are few: they leave the status once done).
    """
    moment = format_rfc3339(now or services.clock())
    query = Query(kind="change", status=Status.APPROVED, limit=MAX_PAGE)
    overdue: list[Summary] = []
    while True:
        page = services.repository.query(query)
        overdue.extend(s for s in page.items if s.implementation_end is not None and s.implementation_end <= moment)
        if page.cursor is None:
            break
        query = replace(query, cursor=page.cursor)
    return sorted(overdue, key=lambda summary: (summary.implementation_end or "", summary.id))
