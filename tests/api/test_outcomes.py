"""Completing a change records how it ended: the outcome, a note unless it went well, in the change and its history."""

from __future__ import annotations

import pytest

from ccm.domain.status import Status
from ccm.workflow import Services
from tests.api.client import APPROVER, ApiClient
from tests.api.helpers import read_json, stored_object, trigger


def test_completing_with_an_outcome_and_note_records_both_on_the_change_and_in_its_history(
    api: ApiClient, services: Services
) -> None:
    change_id = stored_object(services, "change", Status.APPROVED, customers=["alpha"]).obj.id

    response = api.as_(APPROVER).post(
        f"/api/changes/{change_id}/complete", {"outcome": "rolled_back", "note": "  Database failover stalled  "}
    )

    assert response.status == 200, response.text
    stored = read_json(f"archive/{change_id}.json")
    assert (stored["outcome"], stored["outcomeNote"]) == ("rolled_back", "Database failover stalled")
    entry = stored["modifications"][-1]
    assert (entry["modification_type"], entry["outcome"], entry["comment"]) == (
        "completed",
        "rolled_back",
        "Database failover stalled",
    )
    assert entry["request_id"]
    assert trigger("alpha", change_id)[0]["outcome"] == "rolled_back"


def test_a_completion_without_a_body_is_successful_as_the_original_clients_expect(
    api: ApiClient, services: Services
) -> None:
    change_id = stored_object(services, "change", Status.APPROVED).obj.id

    assert api.as_(APPROVER).post(f"/api/changes/{change_id}/complete").status == 200

    assert read_json(f"archive/{change_id}.json")["outcome"] == "successful"


@pytest.mark.parametrize("outcome", ["successful_with_issues", "rolled_back", "failed"])
def test_an_outcome_other_than_successful_needs_a_note(api: ApiClient, services: Services, outcome: str) -> None:
    change_id = stored_object(services, "change", Status.APPROVED).obj.id

    response = api.as_(APPROVER).post(f"/api/changes/{change_id}/complete", {"outcome": outcome, "note": "  "})

    assert response.status == 422
    assert "a note is required" in response.text
    assert read_json(f"archive/{change_id}.json")["status"] == "approved"


def test_an_unknown_outcome_is_refused_and_a_client_cannot_set_one_by_editing(
    api: ApiClient, services: Services
) -> None:
    change_id = stored_object(services, "change", Status.APPROVED).obj.id

    assert api.as_(APPROVER).post(f"/api/changes/{change_id}/complete", {"outcome": "partly"}).status == 422
    edited = api.put(f"/api/changes/{change_id}", {"changeTitle": "Renamed", "outcome": "failed"})
    assert edited.status == 200, edited.text
    assert "outcome" not in read_json(f"archive/{change_id}.json")


def test_search_finds_completed_changes_by_outcome_and_by_its_words_and_lists_the_note(
    api: ApiClient, services: Services
) -> None:
    ended = {}
    for outcome, note in (("successful", ""), ("rolled_back", "Failover stalled"), ("failed", "Vendor outage")):
        change_id = stored_object(services, "change", Status.APPROVED).obj.id
        body = {"outcome": outcome, "note": note} if note else {"outcome": outcome}
        assert api.as_(APPROVER).post(f"/api/changes/{change_id}/complete", body).status == 200
        ended[change_id] = outcome
    stored_object(services, "change", Status.SUBMITTED)

    by_filter = api.post("/api/changes/search", {"status": "all", "outcome": "rolled_back"}).json["items"]
    by_query = api.get("/api/changes/search", query={"status": "all", "outcome": "failed"}).json["items"]
    by_words = api.post("/api/changes/search", {"status": "all", "query": "rolled back"}).json["items"]
    every = api.post("/api/changes/search", {"status": "all", "outcome": ""}).json["items"]

    assert [(ended[item["id"]], item["outcome_note"]) for item in by_filter] == [("rolled_back", "Failover stalled")]
    assert [(item["outcome"], item["outcome_note"]) for item in by_query] == [("failed", "Vendor outage")]
    assert [item["outcome"] for item in by_words] == ["rolled_back"]
    assert sorted(str(item["outcome"]) for item in every) == ["None", "failed", "rolled_back", "successful"]
    assert api.post("/api/changes/search", {"outcome": "partly"}).status == 422
