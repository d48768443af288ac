"""Editing merges, never loses history, and is guarded by ETags end to end."""

from __future__ import annotations

from typing import Any

import pytest

from ccm.domain.objects import MeetingMetadata, ModificationType
from ccm.domain.status import Status
from ccm.workflow import Services
from tests.api.client import ADMIN, APPROVER, COLLEAGUE, ApiClient
from tests.api.conftest import Clock
from tests.api.helpers import bucket_state, clear_triggers, keys, stored_object, submit_change, trigger

MEETING = {
    "meeting_id": "AAMkAGI2TG93AAA=",
    "join_url": "https://teams.example.com/l/meetup-join/abc",
    "start_time": "2030-01-07T15:00:00Z",
    "end_time": "2030-01-07T17:00:00Z",
    "subject": "Rotate load balancer certificates",
}


def approved_with_meeting(api: ApiClient, services: Services) -> dict[str, Any]:
    """An approved change whose meeting the backend has scheduled (as it records it: no version bump)."""
    change_id = submit_change(api, attendees="ops@example.com, dba@example.com", include_meeting=True)["changeId"]
    api.as_(APPROVER).post(f"/api/changes/{change_id}/approve")

    def scheduled(obj: Any) -> None:
        obj.meeting_metadata = MeetingMetadata.model_validate(MEETING)
        obj.record(
            ModificationType.MEETING_SCHEDULED,
            "arn:aws:iam::123456789012:role/backend",
            services.clock(),
            meeting=obj.meeting_metadata,
        )

    services.repository.update(change_id, scheduled, bump_version=False)
    clear_triggers()
    response = api.get(f"/api/changes/{change_id}")
    return {"id": change_id, "etag": response.etag, "document": response.json}


def test_an_edit_changes_only_the_given_fields_and_keeps_history_meeting_and_attendees(
    api: ApiClient, services: Services, clock: Clock
) -> None:
    change = approved_with_meeting(api, services)
    clock.advance(hours=1)

    response = api.put(f"/api/changes/{change['id']}", {"snowTicket": "CHG0099999"})

    assert response.status == 200
    document = response.json["object"]
    before = change["document"]
    assert document["snowTicket"] == "CHG0099999"
    assert document["meeting_metadata"] == before["meeting_metadata"]
    assert document["attendees"] == "ops@example.com, dba@example.com"
    assert document["modifications"][:-1] == before["modifications"]
    entry = document["modifications"][-1]
    assert entry == {
        "timestamp": "2029-12-15T13:00:00Z",
        "user_id": "requester@example.com",
        "modification_type": "updated",
        "request_id": entry["request_id"],
    }
    assert entry["request_id"]
    assert (document["version"], document["status"]) == (before["version"] + 1, "approved")
    assert document["approvedBy"] == "approver@example.com"


def test_editing_tickets_of_an_approved_change_keeps_it_approved_and_notifies_nobody(
    api: ApiClient, services: Services
) -> None:
    change = approved_with_meeting(api, services)

    response = api.put(f"/api/changes/{change['id']}", {"snowTicket": "CHG0099999", "jiraTicket": "OPS-7"})

    assert response.json["object"]["status"] == "approved"
    assert keys("customers/") == []


@pytest.mark.parametrize(
    "fields",
    [
        {"implementationStart": "2030-01-07T16:00:00Z", "implementationEnd": "2030-01-07T18:00:00Z"},
        {"changeTitle": "Rotate every certificate"},
        {"meetingTime": "2030-01-07T14:00:00Z"},
        {"customers": ["alpha", "bravo", "charlie"]},
        {"testPlan": "Run the smoke suite"},
        {"customerImpact": "Two minutes without TLS"},
    ],
)
def test_an_approved_change_edited_where_it_matters_goes_back_for_approval_and_asks_the_approvers(
    api: ApiClient, services: Services, fields: dict[str, Any]
) -> None:
    change = approved_with_meeting(api, services)

    response = api.put(f"/api/changes/{change['id']}", fields)

    assert response.status == 200
    document = response.json["object"]
    assert (document["status"], document["approvedBy"]) == ("submitted", "approver@example.com")
    assert document["modifications"][-1]["modification_type"] == "changed_after_approval"
    assert document["modifications"][-1]["approved_version"] == change["document"]["version"]
    codes = sorted(fields.get("customers", ["alpha", "bravo"]))
    assert keys("customers/") == [f"customers/{code}/{change['id']}.json" for code in codes]
    body, metadata = trigger(codes[0], change["id"])
    assert (body["status"], metadata["request-type"]) == ("submitted", "approval_request")
    # Until it is approved again the meeting stays as it was announced.
    assert body["meeting_metadata"] == change["document"]["meeting_metadata"]


def test_an_edit_may_not_change_the_status(api: ApiClient) -> None:
    change_id = submit_change(api)["changeId"]

    same = api.put(f"/api/changes/{change_id}", {"status": "submitted", "testPlan": "Again"})
    other = api.put(f"/api/changes/{change_id}", {"status": "approved"})

    assert same.status == 200
    assert other.status == 422
    assert other.json["problems"][0]["field"] == "status"


@pytest.mark.parametrize("status", [Status.COMPLETED, Status.CANCELLED])
def test_finished_changes_cannot_be_edited(api: ApiClient, services: Services, status: Status) -> None:
    change_id = stored_object(services, "change", status).obj.id

    response = api.put(f"/api/changes/{change_id}", {"testPlan": "Too late"})

    assert response.status == 409
    assert response.json["currentStatus"] == status.value
    assert response.json["allowedStatuses"] == ["approved", "draft", "rejected", "submitted"]


def test_only_the_owner_or_an_admin_edits(api: ApiClient) -> None:
    change_id = submit_change(api)["changeId"]

    assert api.as_(COLLEAGUE).put(f"/api/changes/{change_id}", {"testPlan": "Mine"}).status == 403
    assert api.as_(APPROVER).put(f"/api/changes/{change_id}", {"testPlan": "Mine"}).status == 403
    assert api.as_(ADMIN).put(f"/api/changes/{change_id}", {"testPlan": "Fixed"}).status == 200


def test_saving_unchanged_content_creates_no_new_version(api: ApiClient) -> None:
    document = submit_change(api)
    read = api.get(f"/api/changes/{document['changeId']}")

    response = api.put(f"/api/changes/{document['changeId']}", {"changeTitle": document["changeTitle"]})

    assert response.status == 200
    assert response.json["version"] == 1
    assert response.etag == read.etag


def test_an_edit_breaking_the_date_rules_is_refused(api: ApiClient) -> None:
    change_id = submit_change(api)["changeId"]

    response = api.put(f"/api/changes/{change_id}", {"implementationEnd": "2030-01-07T14:00:00Z"})

    assert response.status == 422
    assert response.json["type"] == "INVALID_RANGE"


def test_every_single_object_read_carries_an_etag_and_honours_if_none_match(api: ApiClient) -> None:
    change_id = submit_change(api)["changeId"]
    first = api.get(f"/api/changes/{change_id}")

    unchanged = api.get(f"/api/changes/{change_id}", headers={"If-None-Match": first.etag})
    weak = api.get(f"/changes/{change_id}", headers={"If-None-Match": f"W/{first.etag}"})
    api.put(f"/api/changes/{change_id}", {"testPlan": "New plan"})
    changed = api.get(f"/api/changes/{change_id}", headers={"If-None-Match": first.etag})

    assert first.status == 200
    assert first.headers["Cache-Control"] == "no-cache"
    assert (unchanged.status, unchanged.text, unchanged.etag) == (304, "", first.etag)
    assert weak.status == 304
    assert changed.status == 200
    assert changed.etag != first.etag
    assert changed.json["testPlan"] == "New plan"


def test_a_stale_if_match_is_refused_with_the_current_version_and_its_author(api: ApiClient) -> None:
    change_id = submit_change(api)["changeId"]
    seen = api.get(f"/api/changes/{change_id}").etag
    current = api.as_(ADMIN).put(f"/api/changes/{change_id}", {"testPlan": "Admin's plan"})
    before = bucket_state()

    response = api.put(f"/api/changes/{change_id}", {"testPlan": "My plan"}, headers={"If-Match": seen})

    assert response.status == 412
    assert response.etag == current.etag
    assert response.json["currentETag"] == current.etag
    assert (response.json["currentVersion"], response.json["modifiedBy"]) == (2, "admin@example.com")
    assert response.json["current"]["testPlan"] == "Admin's plan"
    assert bucket_state() == before


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [("POST", "/approve", None), ("POST", "/cancel", None), ("PUT", "", {"testPlan": "x"}), ("DELETE", "", None)],
)
def test_every_mutation_is_refused_when_its_if_match_is_stale(
    api: ApiClient, services: Services, method: str, suffix: str, body: Any
) -> None:
    stored = stored_object(services, "change", Status.SUBMITTED if method != "DELETE" else Status.CANCELLED)
    before = bucket_state()

    response = api.as_(ADMIN).request(
        method, f"/api/changes/{stored.obj.id}{suffix}", body=body, headers={"If-Match": '"0123456789abcdef"'}
    )

    assert response.status == 412
    assert bucket_state() == before


def test_a_matching_if_match_lets_the_mutation_through(api: ApiClient) -> None:
    change_id = submit_change(api)["changeId"]
    etag = api.get(f"/api/changes/{change_id}").etag

    response = api.as_(APPROVER).post(f"/api/changes/{change_id}/approve", headers={"If-Match": etag})

    assert response.status == 200
    assert response.etag != etag


def test_an_if_match_that_cannot_be_an_etag_fails_safe(api: ApiClient) -> None:
    change_id = submit_change(api)["changeId"]

    assert api.put(f"/api/changes/{change_id}", {"testPlan": "x"}, headers={"If-Match": "not an etag!"}).status == 412
