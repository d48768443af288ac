"""New objects: submitted at once, saved as a draft, or cloned from another."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ccm.domain.ids import AnnouncementType, new_announcement_id, new_change_id
from ccm.domain.objects import AnyObject, ModificationType
from ccm.domain.status import Status
from ccm.domain.times import format_rfc3339
from ccm.errors import AlreadyExists, ObjectNotFound
from ccm.workflow.actor import Actor
from ccm.workflow.approval_plan import refresh_approval
from ccm.workflow.commands import ID_KEYS, AnnouncementFields, Kind, ObjectCommand
from ccm.workflow.editing import edit, not_found
from ccm.workflow.errors import InvalidInput
from ccm.workflow.fields import build, check_customers, clone_document, require_id
from ccm.workflow.freeze_rules import freeze_overrides, record_freeze_overrides
from ccm.workflow.permissions import require_reader
from ccm.workflow.results import Mutation
from ccm.workflow.schedule import check_formats, check_schedule
from ccm.workflow.services import Services
from ccm.workflow.templates import approve_by_template, check_submission, conform
from ccm.workflow.ticket_checks import check_tickets, record_ticket_warnings
from ccm.workflow.transitions import transition
from ccm.workflow.triggers import write_triggers


def announcement_type(command: ObjectCommand) -> AnnouncementType | None:
    if not isinstance(command, AnnouncementFields):
        return None
    if command.type is None:
        allowed = ", ".join(kind.value for kind in AnnouncementType)
        raise InvalidInput.one("announcement_type", f"must be one of {allowed}")
    return command.type


def new_object(
    content: Mapping[str, Any],
    kind: Kind,
    actor: Actor,
    at: datetime,
    *,
    object_id: str | None = None,
    type_: AnnouncementType | None = None,
) -> AnyObject:
    """A draft owned by ``actor`` from what a command set (or a clone's content), with its ``created`` entry."""
    stamp = format_rfc3339(at)
    document: dict[str, Any] = dict(content)
    if kind == "announcement":
        kind_name = type_ or AnnouncementType(str(content.get("announcement_type")))
        document.update(object_type=f"announcement_{kind_name.value}", announcement_type=kind_name.value)
        document.update(created_by=actor.email, created_at=stamp)
        document["posted_date"] = document.get("posted_date") or stamp
        document["author"] = document.get("author") or actor.email
        object_id = object_id or new_announcement_id(kind_name)
    else:
        document["object_type"] = "change"
        object_id = object_id or new_change_id()
    document.update(
        {
            ID_KEYS[kind]: object_id,
            "status": Status.DRAFT.value,
            "prior_status": "",
            "version": 1,
            "createdAt": stamp,
            "createdBy": actor.email,
            "modifiedAt": stamp,
            "modifiedBy": actor.email,
        }
    )
    obj = build(document, kind)
    obj.record(ModificationType.CREATED, actor.email, at, request_id=actor.request_id)
    return obj


def _draft_exists(services: Services, object_id: str) -> bool:
    try:
        services.repository.get_at("drafts", object_id)
    except ObjectNotFound:
        return False
    return True


def submit(services: Services, actor: Actor, command: ObjectCommand, *, expected_etag: str | None = None) -> Mutation:
    """Submit for approval: a new object, or the caller's draft of the same id. An id already submitted is a
    conflict, never a silent success."""
    kind, object_id = command.kind, command.object_id
    if object_id is not None and _draft_exists(services, object_id):
        return transition(
            services, actor, object_id, Status.SUBMITTED, kind=kind, expected_etag=expected_etag, edits=command
        )
    content = command.sent()
    check_formats(content)
    now = services.clock()
    obj = new_object(content, kind, actor, now, object_id=object_id, type_=announcement_type(command))
    check_customers(obj, services.config, required=True)
    check_schedule(obj, now, meeting_moved=True)
    template = check_submission(services, obj)
    overrides = freeze_overrides(services, obj, Status.SUBMITTED)
    ticket_warnings = check_tickets(services.tickets, obj)
    obj.transition(Status.SUBMITTED, actor.email, now, request_id=actor.request_id)
    record_freeze_overrides(obj, overrides, actor, now)
    record_ticket_warnings(obj, ticket_warnings, actor, now)
    if template is not None:
        approve_by_template(obj, template, now)
    refresh_approval(services.config, obj)
    stored = services.repository.create(obj)
    return Mutation(stored, write_triggers(services, stored), created=True)


def save_draft(
    services: Services, actor: Actor, command: ObjectCommand, *, expected_etag: str | None = None
) -> Mutation:
    """Create a draft, or update the caller's draft of the same id. Nobody else's draft is overwritten."""
    kind, object_id = command.kind, command.object_id
    if object_id is not None:
        try:
            existing = services.repository.get(object_id)
        except ObjectNotFound:
            existing = None
        if existing is not None:
            if existing.location == "archive":
                raise AlreadyExists(object_id)
            return edit(services, actor, object_id, command.without_status(), expected_etag=expected_etag)
    content = command.sent()
    check_formats(content)
    now = services.clock()
    obj = new_object(content, kind, actor, now, object_id=object_id, type_=announcement_type(command))
    check_customers(obj, services.config, required=False)
    check_schedule(obj, now, meeting_moved=True)
    conform(services, obj)
    refresh_approval(services.config, obj)
    return Mutation(services.repository.create(obj), created=True)


def clone(services: Services, actor: Actor, object_id: str, *, kind: Kind) -> Mutation:
    """A new draft of the caller with the content of ``object_id``: no history, no meeting, a new id."""
    require_id(object_id, kind)
    try:
        source = services.repository.get(object_id)
    except ObjectNotFound:
        raise not_found(object_id, kind) from None
    require_reader(actor, source.obj)
    document = clone_document(source.obj)
    # A customer dropped from the configuration since the source was written cannot be notified any more.
    document["customers"] = [code for code in source.obj.customers if code in services.config.customer_mappings]
    obj = new_object(document, kind, actor, services.clock())
    conform(services, obj)
    refresh_approval(services.config, obj)
    return Mutation(services.repository.create(obj), created=True)
