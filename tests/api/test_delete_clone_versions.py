"""Deleting (only drafts and cancelled objects), cloning, and the version history."""

from __future__ import annotations

import pytest

from ccm.domain.status import DELETABLE, Status
from ccm.workflow import Services
from tests.api.client import ADMIN, APPROVER, COLLEAGUE, ApiClient
from tests.api.helpers import bucket_state, keys, read_json, stored_object, submit_change


@pytest.mark.parametrize("status", list(Status))
def test_only_drafts_and_cancelled_changes_can_be_deleted(api: ApiClient, services: Services, status: Status) -> None:
    stored = stored_object(services, "change", status)
    before = bucket_state()

    response = api.delete(f"/api/changes/{stored.obj.id}")

    if status in DELETABLE:
        assert response.status == 200
        assert response.json["deletedPath"] == f"deleted/{stored.key}"
        copy = read_json(f"deleted/{stored.key}")
        assert (copy["deletedBy"], copy["deletionReason"]) == ("requester@example.com", "deleted")
        assert copy["modifications"][-1]["modification_type"] == "deleted"
        assert stored.obj.id not in [item["id"] for item in api.get("/api/changes").json["items"]]
    else:
        assert response.status == 409
        assert response.json["allowedStatuses"] == ["cancelled", "draft", "rejected"]
        assert bucket_state() == before


def test_only_the_owner_or_an_admin_deletes(api: ApiClient, services: Services) -> None:
    first = stored_object(services, "change", Status.CANCELLED).obj.id
    second = stored_object(services, "change", Status.CANCELLED).obj.id

    assert api.as_(COLLEAGUE).delete(f"/api/changes/{first}").status == 403
    assert api.as_(APPROVER).delete(f"/api/changes/{first}").status == 403
    assert api.as_(ADMIN).delete(f"/api/changes/{second}").status == 200


def test_deleting_through_drafts_only_touches_drafts(api: ApiClient, services: Services) -> None:
    cancelled = stored_object(services, "change", Status.CANCELLED).obj.id

    assert api.delete(f"/api/drafts/{cancelled}").status == 404
    assert api.get(f"/api/drafts/{cancelled}").status == 404


def test_a_clone_is_a_new_draft_of_yours_without_history_or_meeting(api: ApiClient, services: Services) -> None:
    source = submit_change(api, meetingRequired="yes", meetingTime="2030-01-07T14:00:00Z", attendees="ops@example.com")
    api.as_(APPROVER).post(f"/api/changes/{source['changeId']}/approve")

    response = api.as_(COLLEAGUE).post(f"/api/changes/{source['changeId']}/clone")

    assert response.status == 201
    clone = response.json["object"]
    assert clone["changeId"] != source["changeId"]
    assert (clone["status"], clone["version"], clone["createdBy"]) == ("draft", 1, "colleague@example.com")
    assert clone["changeTitle"] == "Copy of Rotate load balancer certificates"
    assert [m["modification_type"] for m in clone["modifications"]] == ["created"]
    assert "meetingTime" not in clone and "approvedBy" not in clone
    assert (clone["implementationPlan"], clone["attendees"]) == (source["implementationPlan"], "ops@example.com")
    assert keys("drafts/") == [f"drafts/{clone['changeId']}.json"]
    assert api.get(f"/api/changes/{source['changeId']}").json["status"] == "approved"


def test_someone_elses_draft_cannot_be_cloned(api: ApiClient) -> None:
    draft_id = api.post("/api/drafts", {"changeTitle": "Private", "customers": []}).json["changeId"]

    assert api.as_(COLLEAGUE).post(f"/api/changes/{draft_id}/clone").status == 403


def test_the_version_history_lists_the_current_version_and_every_earlier_one(api: ApiClient) -> None:
    change_id = submit_change(api, testPlan="v1 plan")["changeId"]
    api.put(f"/api/changes/{change_id}", {"testPlan": "v2 plan"})
    api.as_(APPROVER).post(f"/api/changes/{change_id}/approve")

    history = api.get(f"/api/changes/{change_id}/versions").json

    assert history["currentVersion"] == 3
    assert [(v["version"], v["current"]) for v in history["versions"]] == [(3, True), (2, False), (1, False)]
    assert api.get(f"/changes/{change_id}/versions/1").json["testPlan"] == "v1 plan"
    assert api.get(f"/changes/{change_id}/versions/2").json["status"] == "submitted"
    assert api.get(f"/changes/{change_id}/versions/3").json["status"] == "approved"
    assert api.get(f"/changes/{change_id}/versions/4").status == 404
    assert api.get(f"/changes/{change_id}/versions/0").status == 422
