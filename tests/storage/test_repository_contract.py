"""What the workflow relies on from the object store, held against the AWS adapter and the fake alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from ccm.domain.objects import AnyObject, Change
from ccm.domain.status import Status
from ccm.errors import AlreadyExists, InvalidCursor, InvalidId, ObjectNotFound, VersionConflict
from ccm.storage.catalog import Query
from ccm.storage.port import ObjectRepository
from tests.factories import make_announcement, make_change

AT = datetime(2030, 1, 6, 12, 0, tzinfo=UTC)


def retitle(title: str) -> Callable[[AnyObject], None]:
    def change(obj: AnyObject) -> None:
        assert isinstance(obj, Change)
        obj.change_title = title

    return change


def test_an_object_is_read_back_where_its_status_puts_it_with_an_etag(repository: ObjectRepository) -> None:
    draft = repository.create(make_change(status="draft"))
    submitted = repository.create(make_change(status="submitted"))

    assert (draft.location, submitted.location) == ("drafts", "archive")
    assert repository.get(draft.obj.id) == draft
    assert repository.get_at("archive", submitted.obj.id).etag == submitted.etag
    with pytest.raises(ObjectNotFound):
        repository.get_at("archive", draft.obj.id)
    with pytest.raises(ObjectNotFound):
        repository.get("CHG-nobody")
    with pytest.raises(InvalidId):
        repository.get("../archive/x")


def test_an_id_is_created_once(repository: ObjectRepository) -> None:
    change = make_change(status="submitted")
    repository.create(change)

    with pytest.raises(AlreadyExists):
        repository.create(change)


def test_an_update_bumps_the_version_keeps_the_old_one_and_changes_the_etag(repository: ObjectRepository) -> None:
    created = repository.create(make_change(status="submitted"))

    update = repository.update(created.obj.id, retitle("New title"))

    assert update.before.etag == created.etag and update.after.etag != created.etag
    assert (update.after.obj.version, update.after.obj.title) == (2, "New title")
    assert [entry.version for entry in repository.versions(created.obj.id)] == [1]
    assert repository.version(created.obj.id, 1)["changeTitle"] == created.obj.title
    with pytest.raises(ObjectNotFound):
        repository.version(created.obj.id, 7)


def test_an_annotation_keeps_the_version_and_keeps_no_snapshot(repository: ObjectRepository) -> None:
    created = repository.create(make_change(status="approved"))

    update = repository.update(created.obj.id, retitle("Annotated"), bump_version=False, location="archive")

    assert update.after.obj.version == 1
    assert repository.versions(created.obj.id) == []


def test_an_update_on_a_stale_etag_is_a_conflict_carrying_what_is_stored(repository: ObjectRepository) -> None:
    created = repository.create(make_change(status="submitted"))
    current = repository.update(created.obj.id, retitle("Theirs")).after

    with pytest.raises(VersionConflict) as conflict:
        repository.update(created.obj.id, retitle("Mine"), expected_etag=created.etag)

    assert conflict.value.current_etag == current.etag
    assert repository.get(created.obj.id).obj.title == "Theirs"


def test_a_read_with_the_current_etag_is_none(repository: ObjectRepository) -> None:
    created = repository.create(make_change(status="submitted"))

    assert repository.get_if_changed(created.obj.id, created.etag) is None
    assert repository.get_if_changed(created.obj.id, '"other"') == created


def test_a_draft_moves_to_the_archive_and_only_the_version_read_is_retired(repository: ObjectRepository) -> None:
    draft = repository.create(make_change(status="draft"))
    submitted = draft.obj.model_copy(deep=True)
    submitted.transition(Status.SUBMITTED, "requester@example.com", AT)

    moved = repository.move(draft, submitted, "archive", reason="submitted", by="requester@example.com", at=AT)

    assert moved.after.location == "archive"
    assert repository.get(draft.obj.id).location == "archive"
    with pytest.raises(VersionConflict):
        repository.retire(draft, reason="deleted", by="requester@example.com", at=AT)
    deleted = repository.retire(moved.after, reason="deleted", by="requester@example.com", at=AT)
    assert deleted == f"deleted/archive/{draft.obj.id}.json"
    with pytest.raises(ObjectNotFound):
        repository.get(draft.obj.id)


def test_listings_are_newest_first_and_filtered_and_others_drafts_are_hidden(repository: ObjectRepository) -> None:
    mine = repository.create(make_change(status="draft", customers=["delta"], modifiedAt="2030-01-01T10:00:00Z"))
    theirs = repository.create(
        make_change(
            status="draft", customers=["delta"], createdBy="colleague@example.com", modifiedAt="2030-01-02T10:00:00Z"
        )
    )
    alpha = repository.create(make_change(status="submitted", customers=["alpha"], modifiedAt="2030-01-03T10:00:00Z"))
    bravo = repository.create(
        make_change(
            status="approved", customers=["bravo"], changeTitle="Patch the kernel", modifiedAt="2030-01-04T10:00:00Z"
        )
    )
    repository.create(make_announcement(status="submitted"))

    def ids(**criteria: Any) -> list[str]:
        return [summary.id for summary in repository.query(Query(**criteria)).items]

    viewer = "requester@example.com"
    assert ids(viewer=viewer) == [bravo.obj.id, alpha.obj.id, mine.obj.id]
    assert ids(viewer=viewer, status=Status.SUBMITTED) == [alpha.obj.id]
    assert ids(viewer=viewer, customer="bravo") == [bravo.obj.id]
    assert ids(viewer=viewer, text="KERNEL") == [bravo.obj.id]
    assert ids(viewer=viewer, customers_any=("alpha", "bravo")) == [bravo.obj.id, alpha.obj.id]
    assert ids(creator="colleague@example.com") == [theirs.obj.id]
    assert ids(viewer=viewer, creator_contains="colleague") == []
    assert ids(viewer=viewer, modified_from="2030-01-02", modified_to="2030-01-03") == [alpha.obj.id]
    assert len(ids(kind="announcement", viewer=viewer)) == 1


def test_a_customers_listing_also_filtered_by_text_or_other_customers_reads_the_summaries(
    repository: ObjectRepository,
) -> None:
    both = repository.create(
        make_change(status="submitted", customers=["alpha", "bravo"], changeTitle="Move the DNS zone -- phase 2")
    )
    newer = repository.create(make_change(status="submitted", customers=["alpha"], modifiedAt="2030-01-05T10:00:00Z"))

    def ids(**criteria: Any) -> list[str]:
        return [summary.id for summary in repository.query(Query(viewer="requester@example.com", **criteria)).items]

    assert ids(customer="alpha", customers_any=("bravo", "zulu")) == [both.obj.id]
    assert ids(customer="alpha", text="--") == [both.obj.id]
    assert ids(customer="charlie", customers_any=("alpha",)) == []
    first = repository.query(Query(customer="alpha", customers_any=("alpha",), limit=1))
    second = repository.query(Query(customer="alpha", customers_any=("alpha",), limit=1, cursor=first.cursor))
    assert [s.id for s in first.items + second.items] == [newer.obj.id, both.obj.id]
    assert second.cursor is None
    with pytest.raises(InvalidCursor):
        repository.query(Query(customer="alpha", limit=1, cursor=first.cursor))


def test_a_listing_pages_with_its_own_cursor_only(repository: ObjectRepository) -> None:
    created = [
        repository.create(make_change(status="submitted", modifiedAt=f"2030-01-0{day}T10:00:00Z")).obj.id
        for day in range(1, 6)
    ]

    first = repository.query(Query(limit=2))
    second = repository.query(Query(limit=2, cursor=first.cursor))
    last = repository.query(Query(limit=2, cursor=second.cursor))

    assert [s.id for s in first.items + second.items + last.items] == list(reversed(created))
    assert last.cursor is None
    with pytest.raises(InvalidCursor):
        repository.query(Query(limit=2, cursor="not a cursor"))
    with pytest.raises(InvalidCursor):
        repository.query(Query(limit=2, status=Status.APPROVED, cursor=first.cursor))


def test_counts_are_by_status_for_everyone_or_one_creator(repository: ObjectRepository) -> None:
    repository.create(make_change(status="submitted"))
    repository.create(make_change(status="submitted", createdBy="colleague@example.com"))
    repository.create(make_change(status="draft"))

    assert repository.counts("change")["submitted"] == 2
    assert repository.counts("change", "colleague@example.com") == {
        "draft": 0,
        "submitted": 1,
        "approved": 0,
        "completed": 0,
        "cancelled": 0,
        "rejected": 0,
    }


def test_a_trigger_is_written_under_the_customers_key(repository: ObjectRepository) -> None:
    change = make_change(status="submitted")

    assert repository.put_trigger("alpha", change, "approval_request") == f"customers/alpha/{change.id}.json"
