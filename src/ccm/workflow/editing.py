"""Editing and deleting: merge what the client sent, keep what it did not, and never lose history."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ccm.domain.objects import AnyObject, ModificationType
from ccm.domain.status import DELETABLE, EDITABLE, Status
from ccm.domain.what_changed import needs_approval_again
from ccm.domain.windows import Window, object_window
from ccm.errors import AnnouncementNotFound, ChangeNotFound, ObjectNotFound, VersionConflict
from ccm.storage.archive import Location, Stored, normalize_etag
from ccm.workflow.actor import Actor
from ccm.workflow.approval_plan import refresh_approval
from ccm.workflow.commands import ID_KEYS, Kind, ObjectCommand
from ccm.workflow.errors import ActionNotAllowed, InvalidInput
from ccm.workflow.fields import assign, check_customers, merge, require_id
from ccm.workflow.freeze_rules import freeze_overrides, record_freeze_overrides
from ccm.workflow.permissions import require_owner
from ccm.workflow.results import Mutation
from ccm.workflow.schedule import check_formats, check_schedule, meeting_time
from ccm.workflow.services import Services
from ccm.workflow.templates import conform, reapprove_by_template
from ccm.workflow.triggers import write_triggers


class _Unchanged(Exception):
    """Raised inside a storage update to skip a write that would change nothing."""


def _placement(obj: AnyObject) -> tuple[Window | None, frozenset[str]]:
    """What a freeze is judged on: when the object happens and for whom."""
    return object_window(obj), frozenset(obj.customers)


def not_found(object_id: str, kind: Kind) -> ObjectNotFound:
    return ChangeNotFound(object_id) if kind == "change" else AnnouncementNotFound(object_id)


def check_etag(stored: Stored, expected_etag: str | None) -> None:
    wanted = normalize_etag(expected_etag)
    if wanted is not None and wanted != stored.etag:
        raise VersionConflict(stored.obj.id, stored.etag, stored.document)


def content_for(command: ObjectCommand, object_id: str) -> dict[str, Any]:
    """What ``command`` sets on the object ``object_id``; an id in the body must be that one."""
    if command.object_id not in (None, object_id):
        raise InvalidInput.one(ID_KEYS[command.kind], f"does not match the id in the path ({object_id})")
    return command.sent()


def apply_edits(services: Services, obj: AnyObject, fields: Mapping[str, Any], actor: Actor, at: datetime) -> bool:
    """Merge a command's content into ``obj`` in place and record who did it; ``False`` if nothing changed.

    An approved object whose edit changes what approvers or customers rely on goes back for approval in the same
    write (:func:`ccm.domain.what_changed.needs_approval_again`); until it is approved again, customers are told
    nothing and its meeting stays as announced.
    """
    merged = merge(obj, fields)
    check_customers(merged, services.config, required=merged.status is not Status.DRAFT)
    check_schedule(merged, at, meeting_moved=meeting_time(merged) != meeting_time(obj))
    conform(services, merged)
    # The checklist is derived: compare it as the configuration makes it now, on both sides.
    refresh_approval(services.config, merged)
    refresh_approval(services.config, obj)
    if merged.to_document() == obj.to_document():
        return False
    before = obj.model_copy(deep=True)
    assign(obj, merged)
    obj.modified_at = at
    obj.modified_by = actor.email
    obj.record(ModificationType.UPDATED, actor.email, at, request_id=actor.request_id)
    if before.status is Status.APPROVED and needs_approval_again(before, obj):
        if obj.notified_versions is None:
            # Approved before the backend recorded whom it told: the customers of the approved version heard of it.
            obj.notified_versions = {code: before.version for code in before.customers}
        obj.send_back_for_approval(actor.email, at, request_id=actor.request_id)
    return True


def edit(
    services: Services, actor: Actor, object_id: str, command: ObjectCommand, *, expected_etag: str | None = None
) -> Mutation:
    """Change the given fields of an editable object. An approved object that goes back for approval asks its
    customers' approvers again (their triggers), unless its standard template approves it again at once; an edit of
    internal fields alone notifies nobody; a rejected one goes back to being its creator's draft."""
    kind = command.kind
    require_id(object_id, kind)
    cleaned = content_for(command, object_id)
    check_formats(cleaned)
    requested_status = command.requested_status
    now = services.clock()
    sent_back = False

    def apply(obj: AnyObject) -> None:
        nonlocal sent_back
        require_owner(actor, obj, "edit")
        if obj.status not in EDITABLE:
            raise ActionNotAllowed("edit", obj.status.value, [status.value for status in EDITABLE])
        if requested_status not in (None, "", obj.status.value) and not (
            obj.status is Status.REJECTED and requested_status == Status.DRAFT.value
        ):
            raise InvalidInput.one(
                "status", f"is {obj.status.value}; change it with the submit, approve, complete or cancel actions"
            )
        reopened, was_approved = obj.status is Status.REJECTED, obj.status is Status.APPROVED
        placed = _placement(obj)
        if reopened:
            obj.transition(Status.DRAFT, actor.email, now, request_id=actor.request_id)
        if not apply_edits(services, obj, cleaned, actor, now) and not reopened:
            raise _Unchanged()
        sent_back = was_approved and obj.status is Status.SUBMITTED
        if obj.status is Status.SUBMITTED and (sent_back or _placement(obj) != placed):
            # Back before its approvers, or moved while it waits for them: the freeze rule of a submission holds,
            # before a standard template may approve it again below.
            record_freeze_overrides(obj, freeze_overrides(services, obj, Status.SUBMITTED), actor, now)
        if sent_back:
            # A standard change whose plans still match its template needs no approver, as on submission.
            reapprove_by_template(services, obj, now)
        refresh_approval(services.config, obj)

    try:
        update = services.repository.update(object_id, apply, expected_etag=expected_etag)
    except ObjectNotFound:
        raise not_found(object_id, kind) from None
    except _Unchanged:
        # Saving what is already stored is not a new version: answer with the object as it is.
        return Mutation(services.repository.get(object_id))
    after = update.after
    triggers = []
    if sent_back:
        triggers = write_triggers(services, after)
    return Mutation(after, triggers)


def delete(
    services: Services,
    actor: Actor,
    object_id: str,
    *,
    kind: Kind,
    expected_etag: str | None = None,
    location: Location | None = None,
) -> str:
    """Move a draft or cancelled object under ``deleted/`` (owner or admin); returns the key it was moved to."""
    require_id(object_id, kind)
    try:
        stored = services.repository.get_at(location, object_id) if location else services.repository.get(object_id)
    except ObjectNotFound:
        raise not_found(object_id, kind) from None
    require_owner(actor, stored.obj, "delete")
    if stored.obj.status not in DELETABLE:
        raise ActionNotAllowed("delete", stored.obj.status.value, [status.value for status in DELETABLE])
    check_etag(stored, expected_etag)
    now = services.clock()
    obj = stored.obj.model_copy(deep=True)
    obj.record(ModificationType.DELETED, actor.email, now, request_id=actor.request_id)
    return services.repository.retire(
        Stored(obj, stored.etag, stored.location), reason="deleted", by=actor.email, at=now
    )
