"""The defects of the original API (spec section 8) that are not covered elsewhere, each shown fixed."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from ccm.domain.ids import AnnouncementType
from ccm.domain.objects import AnyObject
from ccm.domain.status import Status
from ccm.storage.repository import Repository
from ccm.workflow import Services
from tests.api.client import ADMIN, APPROVER, ApiClient, Identity
from tests.api.helpers import announcement_input, change_input, keys, stored_object, submit_change, trigger
from tests.factories import change_document


def test_a_change_without_a_creator_can_still_be_edited_by_an_admin(api: ApiClient, storage: Repository) -> None:
    document = change_document(status="submitted")
    document.pop("createdBy")
    change_id = document["changeId"]
    storage.archive.s3.put_object(
        Bucket=storage.archive.bucket, Key=f"archive/{change_id}.json", Body=json.dumps(document).encode()
    )

    assert api.put(f"/api/changes/{change_id}", {"testPlan": "x"}).status == 403
    assert api.as_(ADMIN).put(f"/api/changes/{change_id}", {"testPlan": "x"}).status == 200


def test_a_change_without_modified_at_is_listed_not_an_error(api: ApiClient, services: Services) -> None:
    stored = stored_object(services, "change", Status.SUBMITTED, modifiedAt=None)

    items = api.get("/api/changes").json["items"]

    assert [item["id"] for item in items] == [stored.obj.id]


def test_ownership_ignores_the_letter_case_of_addresses(api: ApiClient, services: Services) -> None:
    stored = stored_object(services, "change", Status.DRAFT, createdBy="Requester@Example.COM")

    assert (
        api.as_(Identity("REQUESTER@example.com")).put(f"/api/changes/{stored.obj.id}", {"testPlan": "x"}).status == 200
    )


def test_the_search_pages_legacy_innersource_type_name_still_finds_innersource(api: ApiClient) -> None:
    created = api.post("/api/announcements", announcement_input(AnnouncementType.INNERSOURCE)).json["id"]

    found = api.post("/changes/search", {"objectType": "announcement_innersourcing"}).json["items"]

    assert [item["id"] for item in found] == [created]
    assert created.startswith("INN-")


def test_an_approved_edit_of_customers_asks_the_new_sets_approvers_then_notifies_it(api: ApiClient) -> None:
    change_id = submit_change(api, customers=["alpha"])["changeId"]
    api.as_(APPROVER).post(f"/api/changes/{change_id}/approve")

    api.put(f"/api/changes/{change_id}", {"customers": ["alpha", "delta"]})
    asked = trigger("delta", change_id)
    api.as_(APPROVER).post(f"/api/changes/{change_id}/approve")

    assert (asked[0]["status"], asked[1]["request-type"]) == ("submitted", "approval_request")
    assert trigger("delta", change_id)[0]["status"] == "approved"


def test_a_trigger_that_could_not_be_written_is_reported_and_can_be_resent(
    api: ApiClient, storage: Repository, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = storage.archive.put_trigger

    def flaky(code: str, obj: AnyObject, request_type: str) -> str:
        if code == "bravo":
            raise ClientError(
                {"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate"}}, "PutObject"
            )
        return original(code, obj, request_type)

    monkeypatch.setattr(storage.archive, "put_trigger", flaky)
    response = api.post("/api/changes", change_input())
    monkeypatch.setattr(storage.archive, "put_trigger", original)

    assert response.status == 201
    assert response.json["success"] is False
    assert response.json["summary"] == {"total": 3, "successful": 2, "failed": 1}
    failed = [row for row in response.json["uploadResults"] if not row["success"]]
    assert failed[0]["customerCode"] == "bravo" and "reduce your request rate" in failed[0]["error"]
    change_id = response.json["changeId"]
    assert keys("customers/bravo/") == []

    resent = api.post(f"/api/changes/{change_id}/notify")

    assert resent.status == 200
    assert resent.json["success"] is True
    assert trigger("bravo", change_id)[1]["request-type"] == "approval_request"


def test_nothing_is_resent_for_a_draft(api: ApiClient) -> None:
    draft_id = api.post("/api/drafts", change_input()).json["changeId"]

    response = api.post(f"/api/changes/{draft_id}/notify")

    assert response.status == 409
    assert keys("customers/") == []


def test_a_customer_dropped_from_the_configuration_is_reported_not_notified(api: ApiClient, services: Services) -> None:
    stored = stored_object(services, "change", Status.SUBMITTED, customers=["alpha", "retired"])

    response = api.as_(APPROVER).post(f"/api/changes/{stored.obj.id}/approve")

    rows = {row["customerCode"]: row for row in response.json["uploadResults"][1:]}
    assert rows["alpha"]["success"] is True
    assert rows["retired"] == {
        "customer": "retired",
        "customerCode": "retired",
        "success": False,
        "error": "customer is not configured; nobody would receive this",
    }
    assert keys("customers/retired/") == []


def test_approving_an_announcement_follows_the_four_eyes_rule_too(api: ApiClient) -> None:
    announcement_id = api.as_(APPROVER).post("/api/announcements", announcement_input()).json["id"]

    assert api.as_(APPROVER).post(f"/api/announcements/{announcement_id}/approve").status == 403
    assert api.as_(ADMIN).post(f"/api/announcements/{announcement_id}/approve").status == 200
