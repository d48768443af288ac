from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ccm.domain.objects import Change, ModificationType, parse_document
from ccm.domain.status import TRANSITIONS, Status, check_transition
from ccm.errors import TransitionNotAllowed

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def change(status: str = "draft") -> Change:
    obj = parse_document(
        {"changeId": "CHG-1", "changeTitle": "Rotate certificates", "customers": ["alpha"], "status": status}
    )
    assert isinstance(obj, Change)
    return obj


def test_the_table_is_the_documented_lifecycle() -> None:
    assert TRANSITIONS[Status.DRAFT] == {Status.SUBMITTED, Status.CANCELLED}
    assert TRANSITIONS[Status.SUBMITTED] == {Status.APPROVED, Status.REJECTED, Status.CANCELLED}
    assert TRANSITIONS[Status.APPROVED] == {Status.COMPLETED, Status.CANCELLED}
    assert TRANSITIONS[Status.COMPLETED] == frozenset()
    assert TRANSITIONS[Status.CANCELLED] == frozenset()
    # A rejection ends the approval; its creator takes it back to a draft to fix it and submit it again.
    assert TRANSITIONS[Status.REJECTED] == {Status.DRAFT}


@pytest.mark.parametrize(
    ("current", "requested"),
    [(c, r) for c in Status for r in Status if r not in TRANSITIONS[c]],
)
def test_every_disallowed_transition_names_current_requested_and_allowed(current: Status, requested: Status) -> None:
    with pytest.raises(TransitionNotAllowed) as caught:
        check_transition(current, requested)
    assert caught.value.current == current.value
    assert caught.value.requested == requested.value
    assert caught.value.allowed == sorted(s.value for s in TRANSITIONS[current])


def test_approving_a_cancelled_change_is_refused() -> None:
    obj = change("cancelled")
    with pytest.raises(TransitionNotAllowed, match="cannot move from cancelled to approved"):
        obj.transition("approved", "approver@example.com", NOW)
    assert obj.status is Status.CANCELLED
    assert obj.modifications == []


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(TransitionNotAllowed) as caught:
        check_transition("submitted", "waiting")
    assert caught.value.allowed == ["approved", "cancelled", "rejected"]


@pytest.mark.parametrize(
    ("path", "stamp"),
    [
        (["submitted"], "submittedBy"),
        (["submitted", "approved"], "approvedBy"),
        (["submitted", "approved", "completed"], "completedBy"),
        (["submitted", "cancelled"], "cancelledBy"),
        (["cancelled"], "cancelledBy"),
    ],
)
def test_every_transition_appends_its_entry_and_stamps_who(path: list[str], stamp: str) -> None:
    obj = change()
    for step in path:
        obj.transition(step, "someone@example.com", NOW)
    assert [m.modification_type.value for m in obj.modifications] == path
    document = obj.to_document()
    assert document[stamp] == "someone@example.com"
    assert document["status"] == path[-1]
    assert document["prior_status"] == (path[-2] if len(path) > 1 else "draft")
    assert document["modifiedAt"] == "2026-01-05T12:00:00Z"


def test_ever_approved_sees_the_approved_entry() -> None:
    obj = change("submitted")
    assert not obj.ever_approved
    obj.transition("approved", "a@example.com", NOW)
    obj.transition("cancelled", "b@example.com", NOW)
    assert obj.ever_approved
    assert obj.latest(ModificationType.CANCELLED) is not None
