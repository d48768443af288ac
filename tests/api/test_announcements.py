"""Announcements: created, moved through their statuses and edited the same way as changes."""

from __future__ import annotations

from typing import Any

import pytest

from ccm.domain.ids import AnnouncementType
from ccm.domain.status import Status
from ccm.workflow import Services
from tests.api.client import APPROVER, ApiClient
from tests.api.helpers import announcement_input, bucket_state, keys, read_json, stored_object, trigger


def test_submitting_an_announcement_notifies_each_customers_approvers(api: ApiClient) -> None:
    body = announcement_input(AnnouncementType.FINOPS, customers=["alpha", "bravo"])

    response = api.post("/api/announcements", body)

    assert response.status == 201
    announcement_id = response.json["announcement_id"]
    assert announcement_id.startswith("FIN-")
    document = read_json(f"archive/{announcement_id}.json")
    assert (document["status"], document["object_type"], document["created_by"]) == (
        "submitted",
        "announcement_finops",
        "requester@example.com",
    )
    assert trigger("bravo", announcement_id)[1]["request-type"] == "announcement_approval_request"


def test_the_original_upload_creates_announcements_by_object_type(api: ApiClient) -> None:
    body = announcement_input(AnnouncementType.INNERSOURCE)
    body.pop("announcement_type")

    response = api.post("/upload", body)

    assert response.status == 201
    assert response.json["object"]["announcement_type"] == "innersource"


def test_an_announcement_needs_a_type(api: ApiClient) -> None:
    body = announcement_input()
    del body["object_type"], body["announcement_type"]
    body["announcement_id"] = "CIC-abc"

    response = api.post("/api/announcements", body)

    assert response.status == 422


def status_update(announcement_id: str, status: str, **content: Any) -> dict[str, Any]:
    return {"action": "update_announcement", "announcement_id": announcement_id, "status": status, **content}


def test_status_updates_through_upload_follow_the_status_table(api: ApiClient) -> None:
    announcement_id = api.post("/upload", announcement_input(status="draft")).json["announcement_id"]

    submitted = api.post("/upload", status_update(announcement_id, "submitted"))
    approved = api.as_(APPROVER).post("/upload", status_update(announcement_id, "approved"))
    refused = api.as_(APPROVER).post("/upload", status_update(announcement_id, "draft"))
    completed = api.post("/upload", status_update(announcement_id, "completed"))

    assert [r.status for r in (submitted, approved, refused, completed)] == [200, 200, 409, 200]
    assert refused.json["allowedTransitions"] == ["cancelled", "completed"]
    assert keys("drafts/") == []
    assert trigger("alpha", announcement_id)[1]["request-type"] == "announcement_completed"
    history = [m["modification_type"] for m in completed.json["object"]["modifications"]]
    # The approver's decision is on record, then the approval it completed.
    assert history == ["created", "submitted", "approval_decision", "approved", "completed"]


@pytest.mark.parametrize("status", [Status.DRAFT, Status.SUBMITTED, Status.APPROVED])
def test_announcements_can_be_edited_in_every_editable_status(
    api: ApiClient, services: Services, status: Status
) -> None:
    announcement_id = stored_object(services, "announcement", status).obj.id

    response = api.post("/upload", status_update(announcement_id, status.value, content="Updated agenda"))
    edited = api.put(f"/api/announcements/{announcement_id}", {"summary": "New summary"})

    assert response.status == 200, response.text
    assert edited.status == 200
    document = edited.json["object"]
    # What customers read changed: an approved announcement goes back for approval.
    expected = Status.SUBMITTED if status is Status.APPROVED else status
    assert (document["content"], document["summary"], document["status"]) == (
        "Updated agenda",
        "New summary",
        expected.value,
    )
    assert document["title"] == "Community day"


def test_a_same_status_update_without_content_is_a_refused_transition(api: ApiClient, services: Services) -> None:
    announcement_id = stored_object(services, "announcement", Status.SUBMITTED).obj.id
    before = bucket_state()

    response = api.post("/upload", status_update(announcement_id, "submitted"))

    assert response.status == 409
    assert (response.json["currentStatus"], response.json["requestedStatus"]) == ("submitted", "submitted")
    assert bucket_state() == before


def test_a_status_update_for_an_unknown_status_or_announcement_is_refused(api: ApiClient) -> None:
    assert api.post("/upload", status_update("CIC-nothing", "approved")).status == 404
    assert api.post("/upload", status_update("CIC-nothing", "published")).status == 422
    assert api.post("/upload", {"action": "publish"}).status == 422


def test_announcements_are_listed_by_customer_and_type(api: ApiClient) -> None:
    alpha = api.post("/api/announcements", announcement_input(AnnouncementType.CIC, customers=["alpha"])).json["id"]
    bravo = api.post("/api/announcements", announcement_input(AnnouncementType.FINOPS, customers=["bravo"])).json["id"]

    by_customer = api.get("/announcements/customer/bravo").json["items"]
    by_type = api.get("/api/announcements", query={"type": "cic"}).json["items"]
    every = api.get("/announcements").json["items"]

    assert [item["id"] for item in by_customer] == [bravo]
    assert [item["id"] for item in by_type] == [alpha]
    assert {item["id"] for item in every} == {alpha, bravo}


def test_a_draft_announcement_can_be_read_and_deleted_under_its_own_resource(api: ApiClient) -> None:
    announcement_id = api.post("/api/drafts", announcement_input()).json["announcement_id"]

    read = api.get(f"/api/announcements/{announcement_id}")
    deleted = api.delete(f"/api/announcements/{announcement_id}", headers={"If-Match": read.etag})

    assert read.status == 200
    assert deleted.status == 200
    assert deleted.json["deletedPath"] == f"deleted/drafts/{announcement_id}.json"
    assert api.get(f"/api/announcements/{announcement_id}").status == 404


def test_an_announcement_draft_can_be_deleted_through_drafts(api: ApiClient) -> None:
    announcement_id = api.post("/api/drafts", announcement_input()).json["announcement_id"]

    response = api.delete(f"/drafts/{announcement_id}")

    assert response.status == 200
    assert keys("drafts/") == []


def test_an_announcement_etag_supports_if_none_match(api: ApiClient) -> None:
    announcement_id = api.post("/api/announcements", announcement_input()).json["id"]
    first = api.get(f"/announcements/{announcement_id}")

    assert api.get(f"/announcements/{announcement_id}", headers={"If-None-Match": first.etag}).status == 304


def test_an_approver_approving_through_upload_may_not_rewrite_the_content(api: ApiClient, services: Services) -> None:
    announcement_id = stored_object(services, "announcement", Status.SUBMITTED).obj.id
    before = bucket_state()

    rewritten = api.as_(APPROVER).post("/upload", status_update(announcement_id, "approved", content="Mine now"))
    assert rewritten.status == 403
    assert bucket_state() == before

    unchanged = api.as_(APPROVER).post("/upload", status_update(announcement_id, "approved", title="Community day"))

    assert unchanged.status == 200
    assert unchanged.json["object"]["content"] == "Talks and demos all afternoon"
