"""Creating and submitting: the archive first, then one trigger per customer; the server owns the workflow."""

from __future__ import annotations

from typing import Any

import pytest

from ccm.domain.status import Status
from ccm.workflow import Services
from tests.api.client import COLLEAGUE, ApiClient
from tests.api.helpers import bucket_state, change_input, keys, read_json, stored_object, submit_change, trigger


def test_submitting_a_change_archives_it_and_writes_one_trigger_per_customer(api: ApiClient) -> None:
    body = change_input(customers=["bravo", "alpha"])

    response = api.post("/api/changes", body)

    assert response.status == 201
    change_id = body["changeId"]
    assert response.json["changeId"] == change_id
    assert response.etag == response.json["etag"]
    assert [row["customer"] for row in response.json["uploadResults"]] == [
        "Archive (Permanent Storage)",
        "Alpha Retail",
        "Bravo Media",
    ]
    assert response.json["summary"] == {"total": 3, "successful": 3, "failed": 0}
    assert read_json(f"archive/{change_id}.json")["status"] == "submitted"
    for code in ("alpha", "bravo"):
        document, metadata = trigger(code, change_id)
        assert document["status"] == "submitted"
        assert metadata["request-type"] == "approval_request"
        assert metadata["customer"] == code
    assert keys("customers/") == [f"customers/alpha/{change_id}.json", f"customers/bravo/{change_id}.json"]


def test_the_server_owns_status_version_authorship_and_history(api: ApiClient) -> None:
    forged = change_input(
        status="approved",
        version=9,
        createdBy="someone.else@example.com",
        approvedBy="approver@example.com",
        modifications=[
            {"timestamp": "2020-01-01T00:00:00Z", "user_id": "x@example.com", "modification_type": "approved"}
        ],
        meeting_metadata={"meeting_id": "forged"},
    )

    document = api.post("/api/changes", forged).json["object"]

    assert (document["status"], document["version"], document["createdBy"]) == ("submitted", 1, "requester@example.com")
    assert "approvedBy" not in document
    assert "meeting_metadata" not in document
    assert [m["modification_type"] for m in document["modifications"]] == ["created", "submitted"]
    assert document["submittedBy"] == "requester@example.com"


def test_submitting_an_id_that_was_already_submitted_is_a_conflict_that_changes_nothing(api: ApiClient) -> None:
    first = submit_change(api)
    before = bucket_state()

    again = api.post("/api/changes", change_input(changeId=first["changeId"], changeTitle="Replacement"))

    assert again.status == 409
    assert again.json["type"] == "ALREADY_EXISTS"
    assert bucket_state() == before


def test_the_original_upload_endpoint_submits_and_saves_drafts(api: ApiClient) -> None:
    submitted = api.post("/upload", change_input())
    draft = api.post("/upload", change_input(status="draft"))
    refused = api.post("/upload", change_input(status="approved"))

    assert submitted.status == 201
    assert submitted.json["object"]["status"] == "submitted"
    assert draft.status == 201
    assert keys("drafts/") == [f"drafts/{draft.json['changeId']}.json"]
    assert refused.status == 422
    assert refused.json["problems"][0]["field"] == "status"


def test_a_draft_submitted_through_its_action_moves_to_the_archive_with_its_history(api: ApiClient) -> None:
    saved = api.post("/api/drafts", change_input())
    change_id = saved.json["changeId"]

    response = api.post(f"/api/changes/{change_id}/submit", headers={"If-Match": saved.etag})

    assert response.status == 200
    document = response.json["object"]
    assert (document["status"], document["prior_status"]) == ("submitted", "draft")
    assert [m["modification_type"] for m in document["modifications"]] == ["created", "submitted"]
    assert keys("drafts/") == []
    assert read_json(f"deleted/drafts/{change_id}.json")["deletionReason"] == "submitted"
    assert trigger("alpha", change_id)[1]["request-type"] == "approval_request"


def test_uploading_the_form_of_your_draft_submits_that_draft_with_the_form_merged(api: ApiClient) -> None:
    change_id = api.post("/api/drafts", change_input(changeTitle="First idea")).json["changeId"]

    response = api.post("/upload", change_input(changeId=change_id, changeTitle="Final title"))

    assert response.status == 200
    document = response.json["object"]
    assert document["changeTitle"] == "Final title"
    assert [m["modification_type"] for m in document["modifications"]] == ["created", "updated", "submitted"]


def test_nobody_else_can_submit_or_overwrite_your_draft(api: ApiClient) -> None:
    change_id = api.post("/api/drafts", change_input()).json["changeId"]
    before = bucket_state()
    colleague = api.as_(COLLEAGUE)

    assert colleague.post(f"/api/changes/{change_id}/submit").status == 403
    assert colleague.post("/api/drafts", change_input(changeId=change_id, changeTitle="Mine now")).status == 403
    assert colleague.post("/upload", change_input(changeId=change_id)).status == 403
    assert bucket_state() == before


def test_saving_a_draft_under_an_already_submitted_id_is_a_conflict(api: ApiClient) -> None:
    change_id = submit_change(api)["changeId"]

    assert api.post("/api/drafts", change_input(changeId=change_id)).status == 409


def test_unknown_customer_codes_are_named(api: ApiClient) -> None:
    response = api.post("/api/changes", change_input(customers=["alpha", "nosuch", "other"]))

    assert response.status == 422
    assert response.json["problems"] == [
        {"field": "customers", "message": "unknown customer code(s): nosuch, other", "type": "VALIDATION_ERROR"}
    ]


def test_a_draft_may_leave_customers_open_but_cannot_be_submitted_without_them(api: ApiClient) -> None:
    saved = api.post("/api/drafts", change_input(customers=[]))
    submitted = api.post(f"/api/changes/{saved.json['changeId']}/submit")

    assert saved.status == 201
    assert submitted.status == 422
    assert submitted.json["problems"][0]["field"] == "customers"


@pytest.mark.parametrize(
    ("fields", "field", "error_type"),
    [
        (
            {"implementationStart": "2030-01-07T17:00:00Z", "implementationEnd": "2030-01-07T15:00:00Z"},
            "implementationEnd",
            "INVALID_RANGE",
        ),
        (
            {"implementationStart": "2030-01-07T15:00:00Z", "implementationEnd": "2031-01-08T15:00:00Z"},
            "implementationEnd",
            "INVALID_RANGE",
        ),
        ({"meetingTime": "2029-12-15T11:50:00Z"}, "meetingTime", "PAST_DATE"),
        ({"meetingDate": "2032-01-01T10:00"}, "meetingTime", "FUTURE_DATE"),
        (
            {"implementationStart": "2041-01-01T00:00:00Z", "implementationEnd": "2041-01-01T02:00:00Z"},
            "implementationStart",
            "FUTURE_DATE",
        ),
        ({"implementationStart": "next tuesday"}, "implementationStart", "INVALID_FORMAT"),
    ],
)
def test_the_date_rules_name_the_field_and_the_error_type(
    api: ApiClient, fields: dict[str, Any], field: str, error_type: str
) -> None:
    response = api.post("/api/changes", change_input(**fields))

    assert response.status == 422
    assert (response.json["problems"][0]["field"], response.json["type"]) == (field, error_type)
    assert keys("archive/") == []


def test_a_meeting_a_few_minutes_ago_is_still_accepted(api: ApiClient) -> None:
    assert api.post("/api/changes", change_input(meetingTime="2029-12-15T11:57:00Z")).status == 201


def test_times_without_an_offset_are_wall_clock_times_in_the_changes_zone(api: ApiClient) -> None:
    document = submit_change(
        api,
        timezone="Europe/Paris",
        implementationStart="2030-01-07T10:00:00",
        implementationEnd="2030-01-07T12:00:00",
        meetingRequired="yes",
        meetingDate="2030-01-06T09:30",
    )

    assert (document["implementationStart"], document["implementationEnd"]) == (
        "2030-01-07T09:00:00Z",
        "2030-01-07T11:00:00Z",
    )
    assert document["meetingTime"] == document["meetingDate"] == "2030-01-06T08:30:00Z"
    assert document["include_meeting"] is True


def test_a_bad_body_is_answered_with_every_bad_field(api: ApiClient) -> None:
    response = api.post(
        "/api/changes", {"changeTitle": 7, "customers": "alpha", "meetingRequired": "maybe", "include_meeting": "x"}
    )

    assert response.status == 422
    fields = {problem["field"] for problem in response.json["problems"]}
    assert fields == {"changeTitle", "customers", "meetingRequired", "include_meeting"}
    assert "Traceback" not in response.text


def test_a_body_that_is_not_json_is_422(api: ApiClient) -> None:
    response = api.post("/api/changes", raw_body="{'changeTitle': ")

    assert response.status == 422
    assert response.json["problems"] == [{"field": "body", "message": "is not valid JSON", "type": "VALIDATION_ERROR"}]


def test_a_base64_encoded_body_is_read_like_any_other(api: ApiClient) -> None:
    response = api.post("/api/changes", change_input(), base64_body=True)

    assert response.status == 201


def test_clients_may_not_store_a_metadata_map_or_a_source(api: ApiClient) -> None:
    response = api.post("/api/changes", change_input(metadata={"a": "b"}, source="portal"))

    assert response.status == 422
    assert {problem["field"] for problem in response.json["problems"]} == {"metadata", "source"}


def test_an_id_of_the_wrong_kind_is_refused(api: ApiClient, services: Services) -> None:
    stored = stored_object(services, "announcement", Status.SUBMITTED)

    assert api.post("/api/changes", change_input(changeId="CIC-123")).status == 422
    assert api.get(f"/api/changes/{stored.obj.id}").status == 404
    assert api.get("/api/changes/not-an-id").status == 422


def test_the_resource_decides_the_kind_not_stray_keys_in_the_body(api: ApiClient) -> None:
    response = api.post("/api/changes", change_input(announcement_type="cic"))

    assert response.status == 201
    assert response.json["kind"] == "change"
