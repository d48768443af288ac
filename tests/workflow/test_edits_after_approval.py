"""Edits of approved objects through the service functions, on the in-memory store: back for approval, and whom
the next approval or cancellation reaches."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ccm.domain.objects import ModificationType
from ccm.domain.status import Status
from ccm.storage.memory import InMemoryRepository
from ccm.workflow import Actor, Services, edit, submit, transition
from ccm.workflow.commands import AnnouncementFields, AnnouncementSubmission, ChangeFields, ChangeSubmission
from ccm.workflow.notices import changes_since_approval, overdue_changes
from tests.workflow.conftest import NOW


def approved_change(services: Services, requester: Actor, approver: Actor, **fields: Any) -> str:
    content = {
        "changeTitle": "Rotate load balancer certificates",
        "customers": ["alpha", "bravo"],
        "implementationStart": "2030-01-07T15:00:00Z",
        "implementationEnd": "2030-01-07T17:00:00Z",
        **fields,
    }
    change_id = submit(services, requester, ChangeSubmission.model_validate(content)).stored.obj.id
    transition(services, approver, change_id, Status.APPROVED, kind="change")
    return change_id


def told(store: InMemoryRepository, change_id: str, codes: list[str]) -> None:
    """What the backend records once each customer's approval email is out."""

    def record(obj: Any) -> None:
        for code in codes:
            obj.note_notified(code, obj.version)

    store.update(change_id, record, bump_version=False)


def trigger_codes(store: InMemoryRepository, change_id: str) -> list[str]:
    return sorted(key.split("/")[1] for key in store.triggers if key.endswith(f"/{change_id}.json"))


def test_an_approved_change_edited_where_it_matters_waits_for_approval_again_measured_against_its_approval(
    services: Services, store: InMemoryRepository, requester: Actor, approver: Actor
) -> None:
    change_id = approved_change(services, requester, approver)
    approved_version = store.get(change_id).obj.version

    mutation = edit(services, requester, change_id, ChangeFields.model_validate({"customerImpact": "Short resets"}))
    again = edit(services, requester, change_id, ChangeFields.model_validate({"testPlan": "Probe every listener"}))
    found = changes_since_approval(services, approver, change_id, kind="change")

    obj = again.stored.obj
    assert (obj.status, obj.approved_by, obj.changed_since_approval) == (
        Status.SUBMITTED,
        "approver@example.com",
        approved_version,
    )
    assert [m.modification_type for m in obj.modifications][-3:] == [
        ModificationType.UPDATED,
        ModificationType.CHANGED_AFTER_APPROVAL,
        ModificationType.UPDATED,
    ]
    assert [result.customer_code for result in mutation.triggers] == ["alpha", "bravo"]
    assert again.triggers == []  # approvers were asked already; the page shows them the latest state
    assert found is not None and found.approved_version == approved_version
    assert (found.approved.customer_impact, found.current.test_plan) == ("", "Probe every listener")  # type: ignore[union-attr]


def test_the_next_approval_and_a_cancellation_reach_every_customer_that_was_told_of_it(
    services: Services, store: InMemoryRepository, requester: Actor, approver: Actor
) -> None:
    removed = approved_change(services, requester, approver)
    cancelled = approved_change(services, requester, approver)
    for change_id in (removed, cancelled):
        told(store, change_id, ["alpha", "bravo"])
        edit(services, requester, change_id, ChangeFields.model_validate({"customers": ["alpha", "charlie"]}))
        store.triggers.clear()

    transition(services, approver, removed, Status.APPROVED, kind="change")
    transition(services, requester, cancelled, Status.CANCELLED, kind="change")

    assert trigger_codes(store, removed) == ["alpha", "bravo", "charlie"]
    assert trigger_codes(store, cancelled) == ["alpha", "bravo", "charlie"]


def test_an_announcement_whose_text_changed_goes_back_for_approval_too(
    services: Services, requester: Actor, approver: Actor
) -> None:
    content = {"title": "Community day", "announcement_type": "cic", "customers": ["alpha"], "summary": "Talks"}
    announcement_id = submit(services, requester, AnnouncementSubmission.model_validate(content)).stored.obj.id
    transition(services, approver, announcement_id, Status.APPROVED, kind="announcement")

    mutation = edit(
        services, requester, announcement_id, AnnouncementFields.model_validate({"summary": "Talks, demos"})
    )

    assert mutation.stored.obj.status is Status.SUBMITTED


def test_overdue_changes_are_the_approved_ones_whose_window_has_ended(
    services: Services, store: InMemoryRepository, requester: Actor, approver: Actor
) -> None:
    ended = NOW - timedelta(hours=3)
    window = {"implementationStart": (ended - timedelta(hours=1)).isoformat(), "implementationEnd": ended.isoformat()}
    overdue = approved_change(services, requester, approver, **window)
    approved_change(services, requester, approver)  # its window is ahead
    done = approved_change(services, requester, approver, **window)
    transition(services, requester, done, Status.COMPLETED, kind="change")

    assert [summary.id for summary in overdue_changes(services, requester)] == [overdue]
