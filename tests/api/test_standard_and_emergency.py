"""Standard changes (from an admin's template, approved on submission) and emergency changes (one approver, a
justification, and the normal requirements due after the fact)."""

from __future__ import annotations

from typing import Any

import pytest

from ccm.config import AppConfig, ChangeCalendarConfig, FreezeWindow
from tests.api.client import ADMIN, APPROVER, REQUESTER, ApiClient
from tests.api.conftest import Clock
from tests.api.helpers import change_input, clear_triggers, keys, submit_change, trigger
from tests.api.policies import CAB_ONE, CAB_TWO, config_with

TEMPLATE = {
    "name": "Rotate TLS certificates",
    "description": "The quarterly rotation",
    "changeTitle": "Rotate TLS certificates",
    "implementationPlan": "Run the rotation job",
    "testPlan": "Check the new expiry dates",
    "rollbackPlan": "Restore the previous certificates",
    "customerImpact": "None expected",
    "risk": "low",
}


@pytest.fixture
def app_config() -> AppConfig:
    return config_with()


def from_template(template: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    fields = {key: template[key] for key in ("changeTitle", "implementationPlan", "testPlan", "rollbackPlan")}
    return change_input(**{**fields, "changeType": "standard", "templateId": template["id"], **overrides})


def test_only_admins_keep_templates_but_everyone_reads_them(api: ApiClient) -> None:
    refused = api.as_(APPROVER).post("/api/templates", TEMPLATE)
    created = api.as_(ADMIN).post("/api/templates", TEMPLATE)

    assert refused.status == 403
    assert created.status == 201, created.text
    assert (created.json["id"], created.json["version"], created.json["retired"]) == ("T-1", 1, False)
    assert [item["id"] for item in api.as_(REQUESTER).get("/api/templates").json["items"]] == ["T-1"]
    assert api.get("/api/templates/T-1").json["name"] == "Rotate TLS certificates"
    assert api.get("/api/templates/T-9").status == 404
    assert api.as_(ADMIN).post("/api/templates", {**TEMPLATE, "implementationPlan": " "}).status == 422


def test_a_change_from_an_unchanged_template_is_approved_on_submission(api: ApiClient) -> None:
    template = api.as_(ADMIN).post("/api/templates", TEMPLATE).json

    response = api.post("/api/changes", from_template(template))

    assert response.status == 201, response.text
    document = response.json["object"]
    assert (document["status"], document["approvedBy"]) == ("approved", "standard template T-1")
    assert document["approval"]["route"] == "template"
    approval = document["modifications"][-1]
    assert approval["modification_type"] == "approved"
    assert approval["comment"] == "approved by standard template T-1 (Rotate TLS certificates, version 1)"
    assert trigger("alpha", document["changeId"])[1]["request-type"] == "approved_announcement"


def test_a_change_whose_plans_differ_from_its_template_is_a_normal_change(api: ApiClient) -> None:
    template = api.as_(ADMIN).post("/api/templates", TEMPLATE).json

    response = api.post("/api/changes", from_template(template, testPlan="Something else"))

    document = response.json["object"]
    assert (document["status"], document["changeType"]) == ("submitted", "normal")
    assert trigger("alpha", document["changeId"])[1]["request-type"] == "approval_request"


def test_a_retired_or_missing_template_approves_nothing(api: ApiClient) -> None:
    template = api.as_(ADMIN).post("/api/templates", TEMPLATE).json
    assert api.as_(APPROVER).post("/api/templates/T-1/retire").status == 403
    retired = api.as_(ADMIN).post("/api/templates/T-1/retire", query={"version": "1"})

    after = api.post("/api/changes", from_template(template))
    no_template = api.post("/api/changes", change_input(changeType="standard"))

    assert retired.json["retired"] is True
    assert (after.status, no_template.status) == (422, 422)
    assert "retired" in after.text and "templateId" in no_template.text
    assert [item["id"] for item in api.get("/api/templates", query={"retired": "true"}).json["items"]] == ["T-1"]
    assert api.get("/api/templates").json["items"] == []


def test_a_template_is_edited_over_the_version_read_only(api: ApiClient) -> None:
    api.as_(ADMIN).post("/api/templates", TEMPLATE)

    edited = api.as_(ADMIN).put("/api/templates/T-1", {**TEMPLATE, "testPlan": "New checks"}, query={"version": "1"})
    stale = api.as_(ADMIN).put("/api/templates/T-1", TEMPLATE, query={"version": "1"})

    assert (edited.status, edited.json["version"], edited.json["testPlan"]) == (200, 2, "New checks")
    assert stale.status == 412


def test_an_emergency_change_needs_a_justification(api: ApiClient) -> None:
    missing = api.post("/api/changes", change_input(changeType="emergency"))

    assert missing.status == 422
    assert missing.json["problems"][0]["field"] == "emergencyJustification"


def test_one_approver_approves_an_emergency_and_the_normal_requirements_are_due_after_the_fact(
    api: ApiClient, clock: Clock
) -> None:
    change_id = submit_change(
        api, changeType="emergency", risk="high", emergencyJustification="Payments are failing now"
    )["changeId"]
    path = f"/api/changes/{change_id}"

    approved = api.as_(APPROVER).post(f"{path}/approve")

    document = approved.json["object"]
    assert document["status"] == "approved"
    assert trigger("alpha", change_id)[1]["request-type"] == "approved_announcement"
    review = document["approval"]["review"]
    assert (review["due_by"], review["met"]) == ("2029-12-18T12:00:00Z", False)
    assert [state["label"] for state in review["requirements"]] == ["CAB"]
    assert api.get("/api/approvals/reviews").json["items"][0]["id"] == change_id
    assert api.get("/api/approvals/reviews", query={"overdue": "true"}).json["items"] == []
    assert [item["id"] for item in api.as_(CAB_ONE).get("/api/approvals").json["items"]] == [change_id]

    clock.advance(days=4)
    overdue = api.get("/api/approvals/reviews", query={"overdue": "true"}).json["items"]
    api.as_(CAB_ONE).post(f"{path}/approve")
    reviewed = api.as_(CAB_TWO).post(f"{path}/approve", {"comment": "Reviewed, fine"})

    assert [(item["id"], item["overdue"]) for item in overdue] == [(change_id, True)]
    final = reviewed.json["object"]
    assert final["approval"]["review"]["met"] is True
    assert final["modifications"][-1]["modification_type"] == "review_completed"
    assert api.get("/api/approvals/reviews").json["items"] == []


def test_editing_the_plans_of_a_change_from_a_template_makes_it_a_normal_change(api: ApiClient) -> None:
    template = api.as_(ADMIN).post("/api/templates", TEMPLATE).json
    draft = api.post("/api/drafts", {**from_template(template), "status": "draft"}).json["object"]
    path = f"/api/changes/{draft['changeId']}"

    kept = api.put(path, {"snowTicket": "CHG0099999"})
    edited = api.put(path, {"rollbackPlan": "Something else entirely"})

    assert draft["changeType"] == "standard"
    assert kept.json["object"]["changeType"] == "standard"
    assert edited.json["object"]["changeType"] == "normal"
    assert edited.json["object"]["approval"]["route"] == "policy"


def test_a_standard_change_moved_after_approval_is_approved_again_by_its_template(api: ApiClient) -> None:
    template = api.as_(ADMIN).post("/api/templates", TEMPLATE).json
    change = api.post("/api/changes", from_template(template)).json["object"]
    path = f"/api/changes/{change['changeId']}"

    moved = api.put(path, {"implementationEnd": "2030-01-07T18:00:00Z"})

    assert moved.status == 200, moved.text
    document = moved.json["object"]
    assert (document["status"], document["approval"]["route"]) == ("approved", "template")
    entries = [entry["modification_type"] for entry in document["modifications"]]
    assert entries[-3:] == ["updated", "changed_after_approval", "approved"]
    # Its customers hear of the new window, as for any change approved again.
    assert trigger("alpha", change["changeId"])[1]["request-type"] == "approved_announcement"


FREEZE_ON_THE_8TH = FreezeWindow(
    name="Trading peak",
    reason="No changes during the sale",
    customers=["alpha"],
    timezone="UTC",
    start="2030-01-08T00:00",
    end="2030-01-09T00:00",
)


@pytest.mark.parametrize(
    "app_config",
    [config_with().model_copy(update={"change_calendar": ChangeCalendarConfig(freeze_windows=[FREEZE_ON_THE_8TH])})],
)
def test_a_standard_change_moved_into_a_freeze_is_refused_not_approved_again_by_its_template(
    api: ApiClient,
) -> None:
    template = api.as_(ADMIN).post("/api/templates", TEMPLATE).json
    change = api.post("/api/changes", from_template(template)).json["object"]
    path = f"/api/changes/{change['changeId']}"
    clear_triggers()

    moved = api.put(path, {"implementationStart": "2030-01-08T10:00:00Z", "implementationEnd": "2030-01-08T12:00:00Z"})

    assert moved.status == 409, moved.text
    assert moved.json["type"] == "FREEZE_WINDOW" and "Trading peak" in moved.json["error"]
    stored = api.get(path).json
    assert (stored["status"], stored["version"], stored["implementationStart"]) == (
        "approved",
        change["version"],
        change["implementationStart"],
    )
    assert keys("customers/") == []
