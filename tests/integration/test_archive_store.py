from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import boto3
import pytest

from ccm.domain.objects import AnyObject
from ccm.domain.status import Status
from ccm.errors import AlreadyExists, ObjectNotFound, TransitionNotAllowed, VersionConflict
from ccm.storage.repository import Repository
from tests.conftest import BUCKET
from tests.factories import make_change

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def s3_keys(prefix: str = "") -> list[str]:
    s3 = boto3.client("s3")
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        keys.extend(item["Key"] for item in page.get("Contents", []))
    return sorted(keys)


def test_a_draft_lives_under_drafts_and_a_submitted_change_under_archive(repository: Repository) -> None:
    draft = repository.create(make_change(changeId="CHG-draft1"))
    submitted = repository.create(make_change(changeId="CHG-sub1", status="submitted"))
    assert draft.key == "drafts/CHG-draft1.json"
    assert submitted.key == "archive/CHG-sub1.json"
    assert s3_keys() == ["archive/CHG-sub1.json", "drafts/CHG-draft1.json"]
    assert repository.get("CHG-draft1").obj.status is Status.DRAFT


def test_creating_an_existing_id_is_refused(repository: Repository) -> None:
    repository.create(make_change(changeId="CHG-dup", status="submitted"))
    with pytest.raises(AlreadyExists):
        repository.create(make_change(changeId="CHG-dup", status="submitted", changeTitle="other"))
    assert repository.get("CHG-dup").obj.title == "Rotate load balancer certificates"


def test_an_update_bumps_the_version_and_snapshots_the_replaced_one(repository: Repository) -> None:
    repository.create(make_change(changeId="CHG-v", status="submitted"))

    def approve(obj: AnyObject) -> None:
        obj.transition("approved", "approver@example.com", NOW)

    update = repository.update("CHG-v", approve)
    assert update.after.obj.version == 2
    assert s3_keys("versions/") == ["versions/CHG-v/v1.json"]
    assert repository.archive.read_version("CHG-v", 1)["status"] == "submitted"
    assert [entry.version for entry in repository.archive.list_versions("CHG-v")] == [1]


def test_a_stale_etag_raises_the_conflict_with_the_current_version(repository: Repository) -> None:
    first = repository.create(make_change(changeId="CHG-stale", status="submitted"))
    repository.update("CHG-stale", lambda obj: setattr(obj, "change_title", "Renamed"))
    with pytest.raises(VersionConflict) as caught:
        repository.update("CHG-stale", lambda obj: setattr(obj, "change_title", "Mine"), expected_etag=first.etag)
    assert caught.value.current is not None
    assert caught.value.current["changeTitle"] == "Renamed"
    assert caught.value.current_etag == repository.get("CHG-stale").etag


def test_two_writers_never_lose_an_update(repository: Repository) -> None:
    repository.create(make_change(changeId="CHG-race", status="submitted", counter=0))
    errors: list[BaseException] = []

    def bump(obj: AnyObject) -> None:
        assert obj.model_extra is not None
        obj.model_extra["counter"] += 1

    def writer() -> None:
        try:
            for _ in range(15):
                repository.update("CHG-race", bump, bump_version=False)
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    stored = repository.get("CHG-race")
    assert stored.obj.model_extra is not None
    assert stored.obj.model_extra["counter"] == 45
    row = repository.catalog.get("CHG-race")
    assert row is not None and row.etag == stored.etag


def test_a_rejected_transition_changes_nothing_in_s3_or_the_catalog(repository: Repository) -> None:
    created = repository.create(make_change(changeId="CHG-done", status="submitted"))
    repository.update("CHG-done", lambda obj: obj.transition("cancelled", "x@example.com", NOW))
    before_s3 = boto3.client("s3").get_object(Bucket=BUCKET, Key="archive/CHG-done.json")
    before_body = before_s3["Body"].read()
    before_row = repository.catalog.get("CHG-done")
    keys_before = s3_keys()

    with pytest.raises(TransitionNotAllowed):
        repository.update("CHG-done", lambda obj: obj.transition("approved", "x@example.com", NOW))

    after_s3 = boto3.client("s3").get_object(Bucket=BUCKET, Key="archive/CHG-done.json")
    assert after_s3["ETag"] == before_s3["ETag"] != created.etag
    assert after_s3["Body"].read() == before_body
    assert repository.catalog.get("CHG-done") == before_row
    assert s3_keys() == keys_before


def test_retiring_moves_the_object_under_deleted_with_who_and_why(repository: Repository) -> None:
    stored = repository.create(make_change(changeId="CHG-gone"))
    key = repository.retire(stored, reason="deleted", by="requester@example.com", at=NOW)
    assert key == "deleted/drafts/CHG-gone.json"
    body = json.loads(boto3.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read())
    assert body["deletedBy"] == "requester@example.com"
    assert body["originalPath"] == "drafts/CHG-gone.json"
    with pytest.raises(ObjectNotFound):
        repository.get("CHG-gone")
    assert repository.catalog.get("CHG-gone") is None


def test_submitting_a_draft_moves_it_to_the_archive(repository: Repository) -> None:
    draft = repository.create(make_change(changeId="CHG-move"))
    obj = draft.obj.model_copy(deep=True)
    obj.transition("submitted", "requester@example.com", NOW)
    update = repository.move(draft, obj, "archive", reason="submitted", by="requester@example.com", at=NOW)
    assert update.after.key == "archive/CHG-move.json"
    assert "deleted/drafts/CHG-move.json" in s3_keys()
    assert "drafts/CHG-move.json" not in s3_keys()
    row = repository.catalog.get("CHG-move")
    assert row is not None and row.status is Status.SUBMITTED and row.location == "archive"


def test_a_conditional_read_returns_nothing_when_unchanged(repository: Repository) -> None:
    stored = repository.create(make_change(changeId="CHG-poll", status="submitted"))
    assert repository.get_if_changed("CHG-poll", stored.etag) is None
    repository.update("CHG-poll", lambda obj: setattr(obj, "change_title", "New"), bump_version=False)
    changed = repository.get_if_changed("CHG-poll", stored.etag)
    assert changed is not None and changed.obj.title == "New"


def test_triggers_are_written_checked_and_deleted(repository: Repository) -> None:
    obj = make_change(changeId="CHG-trig", status="submitted")
    key = repository.archive.put_trigger("alpha", obj, "approval_request")
    assert key == "customers/alpha/CHG-trig.json"
    head = boto3.client("s3").head_object(Bucket=BUCKET, Key=key)
    assert head["Metadata"]["request-type"] == "approval_request"
    assert repository.archive.trigger_exists("alpha", "CHG-trig")
    repository.archive.delete_trigger("alpha", "CHG-trig")
    assert not repository.archive.trigger_exists("alpha", "CHG-trig")
