"""A change's and an announcement's life through the service functions, on the in-memory store."""

from __future__ import annotations

from typing import Any

import pytest

from ccm.config import AppConfig
from ccm.domain.objects import Change, ModificationType
from ccm.domain.status import Status
from ccm.errors import AlreadyExists, ObjectNotFound, TransitionNotAllowed, VersionConflict
from ccm.storage.memory import InMemoryRepository
from ccm.workflow import (
    ActionNotAllowed,
    Actor,
    Forbidden,
    InvalidInput,
    Services,
    clone,
    delete,
    edit,
    get_object,
    list_versions,
    resend,
    save_draft,
    submit,
    transition,
)
from ccm.workflow.commands import (
    AnnouncementSubmission,
    ChangeDraft,
    ChangeFields,
    ChangeSubmission,
)


def change(**fields: Any) -> ChangeSubmission:
    content: dict[str, Any] = {
        "changeTitle": "Rotate load balancer certificates",
        "customers": ["alpha", "bravo"],
        "changeReason": "Certificates expire next month",
        "implementationStart": "2030-01-07T15:00:00Z",
        "implementationEnd": "2030-01-07T17:00:00Z",
        **fields,
    }
    return ChangeSubmission.model_validate(content)


def read(services: Services, actor: Actor, object_id: str) -> Change:
    stored = get_object(services, actor, object_id, kind="change")
    assert stored is not None and isinstance(stored.obj, Change)
    return stored.obj


def test_submitting_a_change_stores_it_and_writes_one_trigger_per_customer(
    services: Services, store: InMemoryRepository, requester: Actor
) -> None:
    mutation = submit(services, requester, change())

    obj = mutation.stored.obj
    assert mutation.created and mutation.stored.location == "archive"
    assert (obj.status, obj.version, obj.owner) == (Status.SUBMITTED, 1, "requester@example.com")
    assert [m.modification_type for m in obj.modifications] == [ModificationType.CREATED, ModificationType.SUBMITTED]
    assert sorted(store.triggers) == [f"customers/alpha/{obj.id}.json", f"customers/bravo/{obj.id}.json"]
    assert {trigger["request-type"] for trigger in store.triggers.values()} == {"approval_request"}


def test_a_draft_is_saved_without_triggers_and_submitted_later_under_the_same_id(
    services: Services, store: InMemoryRepository, requester: Actor
) -> None:
    draft = save_draft(services, requester, ChangeDraft.model_validate({"changeTitle": "Later", "customers": []}))
    assert draft.stored.location == "drafts" and store.triggers == {}

    submitted = submit(services, requester, change(changeId=draft.stored.obj.id))

    assert submitted.stored.obj.id == draft.stored.obj.id
    assert submitted.stored.location == "archive"
    assert [key for key in store.deleted] == [f"deleted/drafts/{draft.stored.obj.id}.json"]
    assert len(store.triggers) == 2


def test_an_id_already_submitted_is_a_conflict_not_a_second_object(services: Services, requester: Actor) -> None:
    first = submit(services, requester, change())

    with pytest.raises(AlreadyExists):
        submit(services, requester, change(changeId=first.stored.obj.id))


def test_approving_needs_an_approver_who_is_not_the_owner(
    services: Services, store: InMemoryRepository, requester: Actor, approver: Actor, app_config: AppConfig
) -> None:
    own = Actor.of("approver@example.com", ["ccm-approvers"], app_config.authorization)
    theirs = submit(services, requester, change()).stored.obj.id
    mine = submit(services, own, change()).stored.obj.id

    with pytest.raises(Forbidden, match="approving needs membership"):
        transition(services, requester, theirs, Status.APPROVED, kind="change")
    with pytest.raises(Forbidden, match="four-eyes"):
        transition(services, approver, mine, Status.APPROVED, kind="change")
    approved = transition(services, approver, theirs, Status.APPROVED, kind="change")

    assert (approved.stored.obj.status, approved.stored.obj.approved_by) == (Status.APPROVED, "approver@example.com")
    assert approved.stored.obj.version == 2
    assert [result.ok for result in approved.triggers] == [True, True]
    assert store.triggers[f"customers/alpha/{theirs}.json"]["request-type"] == "approved_announcement"


def test_the_status_table_decides_what_may_follow(services: Services, requester: Actor, approver: Actor) -> None:
    object_id = submit(services, requester, change()).stored.obj.id
    transition(services, approver, object_id, Status.CANCELLED, kind="change")

    with pytest.raises(TransitionNotAllowed) as refused:
        transition(services, approver, object_id, Status.APPROVED, kind="change")

    assert (refused.value.current, refused.value.allowed) == ("cancelled", [])


def test_an_edit_on_a_stale_version_is_refused_and_the_newer_one_kept(services: Services, requester: Actor) -> None:
    created = submit(services, requester, change())
    object_id = created.stored.obj.id
    edit(services, requester, object_id, ChangeFields.model_validate({"testPlan": "Mine first"}))

    with pytest.raises(VersionConflict) as conflict:
        edit(
            services,
            requester,
            object_id,
            ChangeFields.model_validate({"testPlan": "Stale"}),
            expected_etag=created.stored.etag,
        )

    assert conflict.value.current is not None and conflict.value.current["testPlan"] == "Mine first"
    assert read(services, requester, object_id).test_plan == "Mine first"
    assert [v.version for v in list_versions(services, requester, object_id, kind="change")] == [2, 1]


def test_saving_what_is_stored_is_no_new_version(services: Services, requester: Actor) -> None:
    created = submit(services, requester, change())

    again = edit(
        services,
        requester,
        created.stored.obj.id,
        ChangeFields.model_validate({"changeReason": "Certificates expire next month"}),
    )

    assert again.stored.etag == created.stored.etag and again.stored.obj.version == 1


def test_only_the_owner_or_an_admin_edits_and_nobody_edits_a_completed_change(
    services: Services, requester: Actor, colleague: Actor, approver: Actor, admin: Actor
) -> None:
    object_id = submit(services, requester, change()).stored.obj.id
    fields = ChangeFields.model_validate({"testPlan": "x"})

    with pytest.raises(Forbidden):
        edit(services, colleague, object_id, fields)
    edit(services, admin, object_id, fields)
    assert read(services, admin, object_id).test_plan == "x"
    transition(services, approver, object_id, Status.APPROVED, kind="change")
    transition(services, requester, object_id, Status.COMPLETED, kind="change")
    with pytest.raises(ActionNotAllowed):
        edit(services, requester, object_id, ChangeFields.model_validate({"testPlan": "y"}))


def test_a_status_cannot_be_edited_only_moved_by_an_action(services: Services, requester: Actor) -> None:
    object_id = submit(services, requester, change()).stored.obj.id

    with pytest.raises(InvalidInput, match="change it with the submit, approve, complete or cancel actions"):
        edit(services, requester, object_id, ChangeFields.model_validate({"status": "approved"}))


def test_cancelling_a_draft_tells_nobody_and_deleting_it_keeps_a_copy(
    services: Services, store: InMemoryRepository, requester: Actor
) -> None:
    draft = save_draft(
        services, requester, ChangeDraft.model_validate({"changeTitle": "Maybe", "customers": ["alpha"]})
    )
    object_id = draft.stored.obj.id

    cancelled = transition(services, requester, object_id, Status.CANCELLED, kind="change")
    deleted_key = delete(services, requester, object_id, kind="change")

    assert cancelled.triggers == [] and store.triggers == {}
    assert deleted_key == f"deleted/archive/{object_id}.json"
    assert store.deleted[deleted_key]["deletionReason"] == "deleted"
    with pytest.raises(ObjectNotFound):
        get_object(services, requester, object_id, kind="change")


def test_a_submitted_change_cannot_be_deleted(services: Services, requester: Actor) -> None:
    object_id = submit(services, requester, change()).stored.obj.id

    with pytest.raises(ActionNotAllowed):
        delete(services, requester, object_id, kind="change")


def test_a_clone_is_a_new_draft_of_the_caller_without_history_or_meeting(
    services: Services, requester: Actor, colleague: Actor, approver: Actor
) -> None:
    source = submit(services, requester, change(meetingRequired="yes", meetingDate="2030-01-07T14:00:00Z")).stored
    transition(services, approver, source.obj.id, Status.APPROVED, kind="change")

    copy = clone(services, colleague, source.obj.id, kind="change").stored.obj
    assert isinstance(copy, Change)

    assert copy.id != source.obj.id and copy.status is Status.DRAFT and copy.owner == "colleague@example.com"
    assert copy.title == f"Copy of {source.obj.title}"
    assert [m.modification_type for m in copy.modifications] == [ModificationType.CREATED]
    assert copy.meeting_time is None


def test_drafts_are_private_to_their_owner_and_admins(
    services: Services, requester: Actor, colleague: Actor, admin: Actor
) -> None:
    draft = save_draft(services, requester, ChangeDraft.model_validate({"changeTitle": "Mine", "customers": []}))
    object_id = draft.stored.obj.id

    with pytest.raises(Forbidden):
        get_object(services, colleague, object_id, kind="change")
    assert get_object(services, admin, object_id, kind="change") is not None
    with pytest.raises(Forbidden):
        clone(services, colleague, object_id, kind="change")


def test_a_failed_trigger_is_reported_and_resent(
    services: Services, store: InMemoryRepository, requester: Actor
) -> None:
    store.refuse_triggers_for.add("bravo")

    submitted = submit(services, requester, change())

    assert [(t.customer_code, t.ok) for t in submitted.triggers] == [("alpha", True), ("bravo", False)]
    assert "SlowDown" in (submitted.failed_triggers[0].error or "")
    store.refuse_triggers_for.clear()
    resent = resend(services, requester, submitted.stored.obj.id, kind="change")
    assert [t.ok for t in resent.triggers] == [True, True]


def test_an_announcement_takes_its_type_and_id_prefix(services: Services, requester: Actor) -> None:
    command = AnnouncementSubmission.model_validate(
        {"title": "Community day", "customers": ["alpha"], "announcement_type": "finops", "summary": "s"}
    )

    stored = submit(services, requester, command).stored

    assert stored.obj.id.startswith("FIN-") and stored.obj.object_type == "announcement_finops"
    assert stored.document["author"] == "requester@example.com"
