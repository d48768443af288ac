"""Standard change templates: the admins' catalog, and what a change made from one gets on submission.

A change from a template whose plans are unchanged is ``standard`` and approved on submission by the policy
("approved by standard template T-3", recorded in its history); editing its plans makes it a normal change.
"""

from __future__ import annotations

from datetime import datetime

from ccm.domain.approval import ChangeType
from ccm.domain.objects import AnyObject, Change
from ccm.domain.status import Status
from ccm.domain.templates import ChangeTemplate, template_number
from ccm.errors import ObjectNotFound
from ccm.storage.templates import TemplateChanged
from ccm.workflow.actor import Actor
from ccm.workflow.approval_commands import TemplateCommand
from ccm.workflow.errors import Forbidden, InvalidInput
from ccm.workflow.services import Services


class TemplateNotFound(ObjectNotFound):
    def __init__(self, template_id: str) -> None:
        super().__init__(template_id, "template")


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden("only administrators keep the standard change templates")


def list_templates(services: Services, *, include_retired: bool = False) -> list[ChangeTemplate]:
    """Every signed-in user reads them (to start a change from one); retired ones only when asked."""
    return [template for template in services.templates.every() if include_retired or not template.retired]


def get_template(services: Services, template_id: str) -> ChangeTemplate:
    template = services.templates.get(template_id) if template_number(template_id) is not None else None
    if template is None:
        raise TemplateNotFound(template_id)
    return template


def create_template(services: Services, actor: Actor, command: TemplateCommand) -> ChangeTemplate:
    _require_admin(actor)
    now = services.clock()
    stamps = {"createdBy": actor.email, "createdAt": now, "modifiedBy": actor.email, "modifiedAt": now}
    template = ChangeTemplate.model_validate({**command.fields(), **stamps, "id": services.templates.next_id()})
    services.templates.save(template)
    return template


def edit_template(
    services: Services, actor: Actor, template_id: str, command: TemplateCommand, *, expected_version: int | None
) -> ChangeTemplate:
    """A new version of the template. Changes made from the old one keep their plans, so they stop matching it
    and are submitted as normal changes: the admins approved the new plans, not the old ones."""
    _require_admin(actor)
    current = get_template(services, template_id)
    _check_version(current, expected_version)
    updated = _next_version(current, actor, services.clock(), command.fields())
    services.templates.save(updated)
    return updated


def retire_template(
    services: Services, actor: Actor, template_id: str, *, expected_version: int | None
) -> ChangeTemplate:
    """Retired templates approve nothing any more; they stay readable for the changes that cite them."""
    _require_admin(actor)
    current = get_template(services, template_id)
    _check_version(current, expected_version)
    if current.retired:
        return current
    retired = _next_version(current, actor, services.clock(), {"retired": True})
    services.templates.save(retired)
    return retired


def _next_version(current: ChangeTemplate, actor: Actor, at: datetime, changes: dict[str, object]) -> ChangeTemplate:
    document = {
        **current.to_document(),
        **changes,
        "version": current.version + 1,
        "modifiedBy": actor.email,
        "modifiedAt": at,
    }
    return ChangeTemplate.model_validate(document)


def _check_version(current: ChangeTemplate, expected: int | None) -> None:
    if expected is not None and expected != current.version:
        raise TemplateChanged(current.id)


def conform(services: Services, obj: AnyObject) -> None:
    """A standard change whose plans no longer match its template is a normal change from now on."""
    if not isinstance(obj, Change) or obj.change_type is not ChangeType.STANDARD or not obj.template_id:
        return
    template = services.templates.get(obj.template_id)
    if template is not None and not template.matches(obj.to_document()):
        obj.change_type = ChangeType.NORMAL


def check_submission(services: Services, obj: AnyObject) -> ChangeTemplate | None:
    """Refuse what the approval policy cannot take; the template that approves ``obj``, if one does."""
    if not isinstance(obj, Change):
        return None
    if obj.change_type is ChangeType.EMERGENCY and not obj.emergency_justification.strip():
        raise InvalidInput.one("emergencyJustification", "an emergency change needs a justification")
    if obj.change_type is not ChangeType.STANDARD:
        return None
    if not obj.template_id:
        raise InvalidInput.one("changeType", "a standard change is made from a standard change template (templateId)")
    template = services.templates.get(obj.template_id) if template_number(obj.template_id) is not None else None
    if template is None:
        raise InvalidInput.one("templateId", f"there is no standard change template {obj.template_id}")
    if template.retired:
        raise InvalidInput.one("templateId", f"template {template.id} is retired; submit it as a normal change")
    conform(services, obj)
    return template if obj.change_type is ChangeType.STANDARD else None


def approve_by_template(obj: AnyObject, template: ChangeTemplate, at: datetime) -> None:
    """The policy approves a submitted standard change; its history says which template did."""
    if obj.status is Status.SUBMITTED:
        comment = f"approved by {template.label} ({template.name}, version {template.version})"
        obj.transition(Status.APPROVED, template.label, at, comment=comment)


def reapprove_by_template(services: Services, obj: AnyObject, at: datetime) -> None:
    """A standard change that an edit sent back for approval is approved again by its template while its plans still
    match it; a retired template approves nothing more, so the change becomes a normal one for its approvers."""
    if not isinstance(obj, Change) or obj.status is not Status.SUBMITTED or obj.change_type is not ChangeType.STANDARD:
        return
    template = services.templates.get(obj.template_id) if obj.template_id else None
    if template is None or template.retired or not template.matches(obj.to_document()):
        obj.change_type = ChangeType.NORMAL
        return
    approve_by_template(obj, template, at)
