"""Status changes: submit, approve, complete, cancel. Archive first, then one trigger per customer."""

from __future__ import annotations

from ccm.domain.objects import AnyObject, Change
from ccm.domain.status import TRANSITIONS, Status, check_transition
from ccm.errors import ObjectNotFound, TransitionNotAllowed
from ccm.storage.archive import Update, location_for
from ccm.workflow.actor import Actor
from ccm.workflow.approval_commands import ApprovalCommand
from ccm.workflow.approval_plan import refresh_approval
from ccm.workflow.commands import Completion, Kind, ObjectCommand
from ccm.workflow.decisions import approve
from ccm.workflow.editing import apply_edits, check_etag, content_for, edit, not_found
from ccm.workflow.errors import ActionNotAllowed, InvalidInput
from ccm.workflow.fields import check_customers, require_id
from ccm.workflow.freeze_rules import freeze_overrides, record_freeze_overrides
from ccm.workflow.permissions import require_owner, require_participant, require_reader, require_transition
from ccm.workflow.results import Mutation
from ccm.workflow.schedule import check_formats, check_schedule
from ccm.workflow.services import Services
from ccm.workflow.templates import approve_by_template, check_submission
from ccm.workflow.ticket_checks import TicketVerdict, check_tickets, record_ticket_warnings
from ccm.workflow.triggers import REQUEST_TYPES, request_type, write_triggers


def transition(
    services: Services,
    actor: Actor,
    object_id: str,
    target: Status,
    *,
    kind: Kind,
    expected_etag: str | None = None,
    edits: ObjectCommand | None = None,
    completion: Completion | None = None,
) -> Mutation:
    """Move an object to ``target`` if the status table and the caller's role allow it, then notify.

    ``edits`` (fields the client sent along, e.g. the form when submitting a draft) are merged first. A draft
    leaves ``drafts/`` for the archive when it moves on; cancelling a draft notifies nobody, as nobody heard of it.
    Approving is one approver's decision (:func:`ccm.workflow.decisions.approve`): the policy may want more.
    Completing a change records its outcome (``completion``, successful when not given) on the change and in the
    history entry of the completion.
    """
    if target is Status.APPROVED:
        return approve(
            services, actor, object_id, ApprovalCommand(), kind=kind, expected_etag=expected_etag, edits=edits
        )
    if target is Status.REJECTED:
        raise InvalidInput.one("status", "a rejection needs a reason: POST it to the object's reject action")
    require_id(object_id, kind)
    cleaned = content_for(edits, object_id) if edits else None
    if cleaned:
        check_formats(cleaned)
    now = services.clock()

    def apply(obj: AnyObject) -> None:
        check_transition(obj.status, target)
        require_transition(actor, obj, target, services.config.authorization)
        if cleaned and apply_edits(services, obj, cleaned, actor, now):
            # Fields sent along with an action are an edit: approving does not entitle anyone to rewrite content.
            require_owner(actor, obj, "edit")
        template = None
        ticket_warnings: list[TicketVerdict] = []
        if target is Status.SUBMITTED:
            check_customers(obj, services.config, required=True)
            check_schedule(obj, now, meeting_moved=True)
            template = check_submission(services, obj)
            ticket_warnings = check_tickets(services.tickets, obj)
        details = comment = None
        if target is Status.COMPLETED and isinstance(obj, Change):
            done = completion or Completion()
            obj.outcome = done.outcome
            obj.outcome_note = done.note.strip() or None
            # The note is the entry's comment, the field that carries what a person said.
            details, comment = {"outcome": done.outcome.value}, obj.outcome_note
        overrides = freeze_overrides(services, obj, target)
        obj.transition(target, actor.email, now, request_id=actor.request_id, comment=comment, details=details)
        record_freeze_overrides(obj, overrides, actor, now)
        record_ticket_warnings(obj, ticket_warnings, actor, now)
        if template is not None:
            approve_by_template(obj, template, now)
        refresh_approval(services.config, obj)

    update: Update
    try:
        update = services.repository.update(object_id, apply, expected_etag=expected_etag, location="archive")
    except ObjectNotFound:
        try:
            before = services.repository.get_at("drafts", object_id)
        except ObjectNotFound:
            raise not_found(object_id, kind) from None
        check_etag(before, expected_etag)
        obj = before.obj.model_copy(deep=True)
        apply(obj)
        update = services.repository.move(
            before, obj, location_for(obj.status), reason=target.value, by=actor.email, at=now
        )
    if update.before.obj.status is Status.DRAFT and target is not Status.SUBMITTED:
        return Mutation(update.after)
    return Mutation(update.after, write_triggers(services, update.after))


def update_status(
    services: Services,
    actor: Actor,
    object_id: str,
    status: Status,
    command: ObjectCommand,
    *,
    expected_etag: str | None = None,
) -> Mutation:
    """The portal's combined "save with status": same status = an edit, another status = a transition."""
    kind = command.kind
    require_id(object_id, kind)
    try:
        current = services.repository.get(object_id)
    except ObjectNotFound:
        raise not_found(object_id, kind) from None
    content = command.without_status()
    if status is current.obj.status:
        if not content_for(content, object_id):
            allowed = [state.value for state in TRANSITIONS[current.obj.status]]
            raise TransitionNotAllowed(current.obj.status.value, status.value, allowed)
        return edit(services, actor, object_id, content, expected_etag=expected_etag)
    return transition(services, actor, object_id, status, kind=kind, expected_etag=expected_etag, edits=content)


def resend(services: Services, actor: Actor, object_id: str, *, kind: Kind) -> Mutation:
    """Write the triggers of the current status again (after a failed trigger write). The backend's ledger
    makes sure nobody is mailed twice for the same version and event."""
    require_id(object_id, kind)
    try:
        stored = services.repository.get(object_id)
    except ObjectNotFound:
        raise not_found(object_id, kind) from None
    require_reader(actor, stored.obj)
    require_participant(actor, stored.obj, "resend notifications for")
    if request_type(stored.obj) is None:
        notifying = sorted({status.value for (_, status) in REQUEST_TYPES})
        raise ActionNotAllowed("resend notifications for", stored.obj.status.value, notifying)
    return Mutation(stored, write_triggers(services, stored))
