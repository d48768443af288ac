"""Freeze windows in the workflow: no submitting or approving into one, except a justified emergency, recorded."""

from __future__ import annotations

from typing import Any

import pytest

from ccm.config import AppConfig, ChangeCalendarConfig, FreezeWindow
from ccm.domain.approval import ChangeType, Risk
from ccm.domain.objects import Change, ModificationType
from ccm.domain.status import Status
from ccm.storage.memory import InMemoryRepository
from ccm.workflow import Actor, InvalidInput, Services, edit, get_object, save_draft, submit, transition
from ccm.workflow.commands import ChangeDraft, ChangeFields, ChangeSubmission
from ccm.workflow.errors import FrozenWindow
from tests.workflow.conftest import NOW

YEAR_END = FreezeWindow(
    name="Year-end freeze",
    reason="Trading peak",
    customers=["alpha"],
    timezone="Europe/Berlin",
    start="2030-01-07T00:00",
    end="2030-01-08T00:00",
)


@pytest.fixture
def frozen(store: InMemoryRepository, app_config: AppConfig) -> Services:
    config = app_config.model_copy(update={"change_calendar": ChangeCalendarConfig(freeze_windows=[YEAR_END])})
    return Services(store, config, clock=lambda: NOW)


def change(**fields: Any) -> dict[str, Any]:
    return {
        "changeTitle": "Rotate load balancer certificates",
        "customers": ["alpha", "bravo"],
        "changeReason": "Certificates expire next month",
        "implementationStart": "2030-01-07T15:00:00Z",
        "implementationEnd": "2030-01-07T17:00:00Z",
        **fields,
    }


def read(services: Services, actor: Actor, object_id: str) -> Change:
    stored = get_object(services, actor, object_id, kind="change")
    assert stored is not None and isinstance(stored.obj, Change)
    return stored.obj


def test_a_change_inside_a_freeze_cannot_be_submitted_and_the_answer_names_the_freeze(
    frozen: Services, store: InMemoryRepository, requester: Actor
) -> None:
    with pytest.raises(FrozenWindow) as refused:
        submit(frozen, requester, ChangeSubmission.model_validate(change()))

    [freeze] = refused.value.freezes
    assert (freeze.name, freeze.customers, freeze.timezone) == ("Year-end freeze", ["alpha"], "Europe/Berlin")
    assert (freeze.start, freeze.end) == ("2030-01-06T23:00:00Z", "2030-01-07T23:00:00Z")
    assert "Year-end freeze" in str(refused.value) and "alpha" in str(refused.value)
    assert store.objects == {} and store.triggers == {}


def test_a_change_of_other_customers_or_outside_the_freeze_goes_through(frozen: Services, requester: Actor) -> None:
    other = submit(frozen, requester, ChangeSubmission.model_validate(change(customers=["bravo"])))
    later = submit(
        frozen,
        requester,
        ChangeSubmission.model_validate(
            change(implementationStart="2030-01-08T00:00:00Z", implementationEnd="2030-01-08T02:00:00Z")
        ),
    )
    assert other.stored.obj.status is later.stored.obj.status is Status.SUBMITTED


def test_a_change_cannot_be_approved_once_a_freeze_covers_its_window(
    services: Services, frozen: Services, requester: Actor, approver: Actor
) -> None:
    submitted = submit(services, requester, ChangeSubmission.model_validate(change())).stored.obj

    with pytest.raises(FrozenWindow) as refused:
        transition(frozen, approver, submitted.id, Status.APPROVED, kind="change")

    assert refused.value.action == "approved"
    assert read(frozen, approver, submitted.id).status is Status.SUBMITTED


def test_a_justified_emergency_enters_the_freeze_and_each_override_is_in_its_history(
    frozen: Services, requester: Actor, approver: Actor
) -> None:
    emergency = change(changeType="emergency", risk="high", emergencyJustification="Certificates expire tonight")
    submitted = submit(frozen, requester, ChangeSubmission.model_validate(emergency)).stored.obj
    transition(frozen, approver, submitted.id, Status.APPROVED, kind="change")

    obj = read(frozen, approver, submitted.id)
    assert (obj.status, obj.change_type, obj.risk) == (Status.APPROVED, ChangeType.EMERGENCY, Risk.HIGH)
    kinds = [entry.modification_type for entry in obj.modifications]
    assert kinds == [
        ModificationType.CREATED,
        ModificationType.SUBMITTED,
        ModificationType.FREEZE_OVERRIDE,
        ModificationType.APPROVAL_DECISION,
        ModificationType.APPROVED,
        ModificationType.FREEZE_OVERRIDE,
    ]
    overrides = [entry for entry in obj.modifications if entry.modification_type is ModificationType.FREEZE_OVERRIDE]
    assert [(entry.user_id, entry.freeze.action) for entry in overrides if entry.freeze] == [
        ("requester@example.com", "submitted"),
        ("approver@example.com", "approved"),
    ]
    assert overrides[0].freeze is not None and overrides[0].freeze.name == "Year-end freeze"
    assert overrides[0].freeze.justification == "Certificates expire tonight"
    assert obj.to_document()["modifications"][2]["freeze"]["customers"] == ["alpha"]


INTO_THE_FREEZE = {"implementationStart": "2030-01-07T15:00:00Z", "implementationEnd": "2030-01-07T17:00:00Z"}
AFTER_THE_FREEZE = change(implementationStart="2030-01-08T09:00:00Z", implementationEnd="2030-01-08T11:00:00Z")


def test_a_change_waiting_for_approval_cannot_be_moved_into_a_freeze(frozen: Services, requester: Actor) -> None:
    submitted = read(
        frozen, requester, submit(frozen, requester, ChangeSubmission.model_validate(AFTER_THE_FREEZE)).stored.obj.id
    )

    with pytest.raises(FrozenWindow) as refused:
        edit(frozen, requester, submitted.id, ChangeFields.model_validate(INTO_THE_FREEZE))

    assert refused.value.action == "submitted"
    kept = read(frozen, requester, submitted.id)
    assert (kept.status, kept.version, kept.implementation_start) == (
        Status.SUBMITTED,
        submitted.version,
        submitted.implementation_start,
    )
    # Whom it is for counts as much as when: the freeze is alpha's.
    bravo_only = submit(frozen, requester, ChangeSubmission.model_validate(change(customers=["bravo"]))).stored
    with pytest.raises(FrozenWindow):
        edit(frozen, requester, bravo_only.obj.id, ChangeFields.model_validate({"customers": ["alpha", "bravo"]}))


def test_an_approved_change_moved_into_a_freeze_is_refused_and_stays_approved(
    frozen: Services, requester: Actor, approver: Actor
) -> None:
    submitted = submit(frozen, requester, ChangeSubmission.model_validate(AFTER_THE_FREEZE)).stored.obj
    transition(frozen, approver, submitted.id, Status.APPROVED, kind="change")
    approved = read(frozen, requester, submitted.id)

    with pytest.raises(FrozenWindow):
        edit(frozen, requester, submitted.id, ChangeFields.model_validate(INTO_THE_FREEZE))

    kept = read(frozen, requester, submitted.id)
    assert (kept.status, kept.version) == (Status.APPROVED, approved.version)
    assert kept.modifications == approved.modifications


def test_a_justified_emergency_moved_into_a_freeze_goes_back_to_its_approvers_with_the_override_recorded(
    frozen: Services, requester: Actor, approver: Actor
) -> None:
    emergency = {**AFTER_THE_FREEZE, "changeType": "emergency", "emergencyJustification": "Certificates expire"}
    submitted = submit(frozen, requester, ChangeSubmission.model_validate(emergency)).stored.obj
    transition(frozen, approver, submitted.id, Status.APPROVED, kind="change")

    moved = edit(frozen, requester, submitted.id, ChangeFields.model_validate(INTO_THE_FREEZE)).stored.obj

    assert moved.status is Status.SUBMITTED
    last = moved.modifications[-1]
    assert last.modification_type is ModificationType.FREEZE_OVERRIDE
    assert last.freeze is not None and (last.freeze.action, last.freeze.name) == ("submitted", "Year-end freeze")


def test_an_emergency_needs_a_justification_to_be_submitted_at_all(frozen: Services, requester: Actor) -> None:
    with pytest.raises(InvalidInput) as refused:
        submit(frozen, requester, ChangeSubmission.model_validate(change(changeType="emergency")))
    assert [problem.field for problem in refused.value.problems] == ["emergencyJustification"]

    draft = save_draft(frozen, requester, ChangeDraft.model_validate(change(changeType="emergency"))).stored.obj
    with pytest.raises(InvalidInput):
        transition(frozen, requester, draft.id, Status.SUBMITTED, kind="change")


def test_a_normal_change_with_a_justification_is_still_no_emergency(frozen: Services, requester: Actor) -> None:
    with pytest.raises(FrozenWindow):
        submit(frozen, requester, ChangeSubmission.model_validate(change(emergencyJustification="Please")))


def test_stored_changes_without_a_classification_read_as_normal_medium(services: Services, requester: Actor) -> None:
    stored = submit(services, requester, ChangeSubmission.model_validate(change())).stored
    document = stored.document
    for key in ("changeType", "risk", "emergencyJustification"):
        document.pop(key, None)
    assert Change.model_validate(document).change_type is ChangeType.NORMAL
    assert Change.model_validate({**document, "changeType": "", "risk": None}).risk is Risk.MEDIUM
