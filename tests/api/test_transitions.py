"""The status machine through the API: every transition allowed and refused, who may do it, what it notifies."""

from __future__ import annotations

from dataclasses import replace

import pytest
from functions.api import app as api_module

from ccm.config import AppConfig, AuthorizationConfig
from ccm.domain.status import TRANSITIONS, Status
from ccm.workflow import Services
from tests.api.client import ADMIN, APPROVER, COLLEAGUE, REQUESTER, SECOND_APPROVER, ApiClient, Identity
from tests.api.helpers import bucket_state, collection, keys, read_json, stored_object, submit_change, trigger

ACTIONS = {
    "submit": Status.SUBMITTED,
    "approve": Status.APPROVED,
    "complete": Status.COMPLETED,
    "cancel": Status.CANCELLED,
}
REQUEST_TYPES = {
    ("change", "submit"): "approval_request",
    ("change", "approve"): "approved_announcement",
    ("change", "complete"): "change_complete",
    ("change", "cancel"): "change_cancelled",
    ("announcement", "submit"): "announcement_approval_request",
    ("announcement", "approve"): "approved_announcement",
    ("announcement", "complete"): "announcement_completed",
    ("announcement", "cancel"): "announcement_cancelled",
}


def _actor(action: str) -> Identity:
    # Submitting is the owner's; approving needs an approver who is not the creator.
    return REQUESTER if action == "submit" else APPROVER


@pytest.mark.parametrize("kind", ["change", "announcement"])
@pytest.mark.parametrize("start", list(Status))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_every_transition_is_allowed_exactly_as_the_table_says(
    api: ApiClient, services: Services, kind: str, start: Status, action: str
) -> None:
    stored = stored_object(services, kind, start, customers=["alpha"])
    target = ACTIONS[action]
    before = bucket_state()

    response = api.as_(_actor(action)).post(f"/api/{collection(kind)}/{stored.obj.id}/{action}")

    if target in TRANSITIONS[start]:
        assert response.status == 200, response.text
        document = response.json["object"]
        assert (document["status"], document["prior_status"]) == (target.value, start.value)
        assert document["modifications"][-1]["modification_type"] == target.value
        notifies = start is not Status.DRAFT or target is Status.SUBMITTED
        written = keys("customers/")
        assert written == ([f"customers/alpha/{stored.obj.id}.json"] if notifies else [])
        if notifies:
            assert trigger("alpha", stored.obj.id)[1]["request-type"] == REQUEST_TYPES[(kind, action)]
    else:
        assert response.status == 409
        assert response.json["currentStatus"] == start.value
        assert response.json["requestedStatus"] == target.value
        assert response.json["allowedTransitions"] == sorted(s.value for s in TRANSITIONS[start])
        assert bucket_state() == before


def test_approving_notifies_every_customer_after_the_archive_says_approved(api: ApiClient) -> None:
    change = submit_change(api, customers=["alpha", "bravo", "charlie"])
    change_id = change["changeId"]

    response = api.as_(APPROVER).post(f"/api/changes/{change_id}/approve")

    assert response.status == 200
    assert read_json(f"archive/{change_id}.json")["approvedBy"] == "approver@example.com"
    for code in ("alpha", "bravo", "charlie"):
        body, metadata = trigger(code, change_id)
        assert (body["status"], metadata["status"], metadata["request-type"]) == (
            "approved",
            "approved",
            "approved_announcement",
        )


def test_a_creator_may_not_approve_their_own_change(api: ApiClient) -> None:
    change_id = submit_change(api.as_(APPROVER))["changeId"]
    before = bucket_state()

    response = api.as_(APPROVER).post(f"/api/changes/{change_id}/approve")

    assert response.status == 403
    assert "four-eyes" in response.json["error"]
    assert bucket_state() == before
    assert api.as_(SECOND_APPROVER).post(f"/api/changes/{change_id}/approve").status == 200


def test_self_approval_is_possible_where_the_configuration_allows_it(
    api: ApiClient, services: Services, app_config: AppConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    lenient = app_config.authorization.model_dump() | {"allow_self_approval": True}
    config = app_config.model_copy(update={"authorization": AuthorizationConfig.model_validate(lenient)})
    monkeypatch.setattr(api_module, "_services", replace(services, config=config))
    change_id = submit_change(api.as_(APPROVER))["changeId"]

    assert api.as_(APPROVER).post(f"/api/changes/{change_id}/approve").status == 200
    assert api.as_(APPROVER).get("/api/user/context").json["allowSelfApproval"] is True


@pytest.mark.parametrize("identity", [REQUESTER, COLLEAGUE])
def test_only_approvers_approve(api: ApiClient, identity: Identity) -> None:
    change_id = submit_change(api.as_(ADMIN))["changeId"]

    response = api.as_(identity).post(f"/api/changes/{change_id}/approve")

    assert response.status == 403
    assert "ccm-approvers" in response.json["error"]


def test_admins_approve_too(api: ApiClient) -> None:
    change_id = submit_change(api)["changeId"]

    assert api.as_(ADMIN).post(f"/api/changes/{change_id}/approve").status == 200


@pytest.mark.parametrize("action", ["complete", "cancel"])
def test_the_owner_approvers_and_admins_may_complete_or_cancel_but_nobody_else(api: ApiClient, action: str) -> None:
    change_id = submit_change(api)["changeId"]
    assert api.as_(APPROVER).post(f"/api/changes/{change_id}/approve").status == 200

    assert api.as_(COLLEAGUE).post(f"/api/changes/{change_id}/{action}").status == 403
    assert api.as_(REQUESTER).post(f"/api/changes/{change_id}/{action}").status == 200


def test_completing_and_cancelling_record_who_and_when(api: ApiClient, services: Services) -> None:
    first = stored_object(services, "change", Status.APPROVED).obj.id
    second = stored_object(services, "change", Status.APPROVED).obj.id

    completed = api.as_(APPROVER).post(f"/api/changes/{first}/complete").json["object"]
    cancelled = api.as_(ADMIN).post(f"/api/changes/{second}/cancel").json["object"]

    assert (completed["completedBy"], completed["completedAt"]) == ("approver@example.com", "2029-12-15T12:00:00Z")
    assert completed["modifications"][-1]["user_id"] == "approver@example.com"
    assert (cancelled["cancelledBy"], cancelled["modifications"][-1]["modification_type"]) == (
        "admin@example.com",
        "cancelled",
    )


def test_cancelling_a_draft_archives_it_without_telling_anyone(api: ApiClient) -> None:
    change_id = api.post("/api/drafts", {"changeTitle": "Idea", "customers": ["alpha"]}).json["changeId"]

    response = api.post(f"/api/changes/{change_id}/cancel")

    assert response.status == 200
    assert keys("drafts/") == []
    assert read_json(f"archive/{change_id}.json")["status"] == "cancelled"
    assert keys("customers/") == []


def test_acting_on_an_object_that_does_not_exist_is_404(api: ApiClient) -> None:
    response = api.as_(APPROVER).post("/api/changes/CHG-missing/approve")

    assert response.status == 404
    assert response.json["error"] == "change CHG-missing not found"
