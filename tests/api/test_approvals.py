"""Approval policies through the API: quorum, per-customer approvers, rejection, what each person can decide."""

from __future__ import annotations

from typing import Any

import pytest

from ccm.config import AppConfig
from tests.api.client import APPROVER, COLLEAGUE, REQUESTER, SECOND_APPROVER, ApiClient
from tests.api.helpers import announcement_input, keys, submit_change, trigger
from tests.api.policies import CAB_ONE, CAB_THREE, CAB_TWO, PAPA_DEPUTY, PAPA_OWNER, config_with


@pytest.fixture
def app_config() -> AppConfig:
    return config_with()


def checklist(document: dict[str, Any]) -> dict[str, tuple[int, int, bool]]:
    return {
        state["label"]: (len(state["decisions"]), state["required"], state["met"])
        for state in document["approval"]["requirements"]
    }


def history(document: dict[str, Any]) -> list[str]:
    return [entry["modification_type"] for entry in document["modifications"]]


def test_what_nothing_else_applies_to_needs_one_approver_of_the_base_group(api: ApiClient) -> None:
    change = submit_change(api, risk="high")
    # The policies name the CAB for high risk only: a medium-risk change is the base requirement alone.
    medium = submit_change(api)

    assert checklist(medium) == {"Approvers": (0, 1, False)}
    approved = api.as_(APPROVER).post(f"/api/changes/{medium['changeId']}/approve")
    assert approved.status == 200, approved.text
    assert approved.json["status"] == "approved"
    assert checklist(change) == {"CAB": (0, 2, False)}


def test_a_high_risk_change_needs_two_cab_members_and_notifies_at_the_second_only(api: ApiClient) -> None:
    change_id = submit_change(api, risk="high")["changeId"]
    path = f"/api/changes/{change_id}"
    submitted_trigger = trigger("alpha", change_id)[1]["request-type"]

    first = api.as_(CAB_ONE).post(f"{path}/approve", {"comment": "Looks safe"})

    assert first.status == 200, first.text
    assert first.json["status"] == "submitted"
    assert checklist(first.json["object"]) == {"CAB": (1, 2, False)}
    assert first.json["uploadResults"][1:] == []  # no trigger: nobody hears of a partial approval
    assert trigger("alpha", change_id)[1]["request-type"] == submitted_trigger == "approval_request"

    second = api.as_(CAB_TWO).post(f"{path}/approve")

    assert second.status == 200, second.text
    document = second.json["object"]
    assert (document["status"], document["approvedBy"]) == ("approved", CAB_TWO.email)
    assert checklist(document) == {"CAB": (2, 2, True)}
    assert trigger("alpha", change_id)[1]["request-type"] == "approved_announcement"
    assert history(document)[-3:] == ["approval_decision", "approval_decision", "approved"]
    decision = document["modifications"][-3]
    assert (decision["user_id"], decision["comment"], decision["requirements"]) == (
        CAB_ONE.email,
        "Looks safe",
        ["CAB"],
    )


def test_one_person_counts_once_however_often_they_approve(api: ApiClient) -> None:
    change_id = submit_change(api, risk="high")["changeId"]
    path = f"/api/changes/{change_id}"

    api.as_(CAB_ONE).post(f"{path}/approve")
    again = api.as_(CAB_ONE).post(f"{path}/approve", {"comment": "Still fine"})

    assert again.status == 200, again.text
    assert again.json["status"] == "submitted"
    assert checklist(again.json["object"]) == {"CAB": (1, 2, False)}
    assert history(again.json["object"]).count("approval_decision") == 1


def test_someone_outside_every_group_that_approves_is_refused_with_403(api: ApiClient) -> None:
    change_id = submit_change(api, risk="high")["changeId"]

    # An approver of the base group is no CAB member: the high-risk change needs the CAB.
    refused = api.as_(APPROVER).post(f"/api/changes/{change_id}/approve")
    colleague = api.as_(COLLEAGUE).post(f"/api/changes/{change_id}/approve")

    assert (refused.status, colleague.status) == (403, 403)
    assert "ccm-cab (CAB)" in refused.json["error"]


def test_deciding_on_a_decided_object_is_a_409(api: ApiClient) -> None:
    change_id = submit_change(api)["changeId"]
    assert api.as_(APPROVER).post(f"/api/changes/{change_id}/approve").status == 200

    again = api.as_(SECOND_APPROVER).post(f"/api/changes/{change_id}/approve")
    rejected = api.as_(SECOND_APPROVER).post(f"/api/changes/{change_id}/reject", {"reason": "Too late"})

    assert (again.status, rejected.status) == (409, 409)
    assert again.json["currentStatus"] == "approved"


def test_a_customer_with_its_own_approvers_needs_all_of_them_besides_the_base(api: ApiClient) -> None:
    change_id = submit_change(api, customers=["alpha", "papa"])["changeId"]
    path = f"/api/changes/{change_id}"

    api.as_(APPROVER).post(f"{path}/approve")
    api.as_(PAPA_OWNER).post(f"{path}/approve")
    waiting = api.get(path).json
    last = api.as_(PAPA_DEPUTY).post(f"{path}/approve")

    assert checklist(waiting) == {"Approvers": (1, 1, True), "Papa Payments account owners": (1, 2, False)}
    assert waiting["status"] == "submitted"
    assert last.json["status"] == "approved"
    assert sorted(keys("customers/")) == sorted(f"customers/{code}/{change_id}.json" for code in ("alpha", "papa"))


def test_the_same_if_match_twice_counts_the_first_and_answers_the_second_412(api: ApiClient) -> None:
    change_id = submit_change(api, risk="high")["changeId"]
    path = f"/api/changes/{change_id}"
    etag = api.get(path).etag
    assert etag

    first = api.as_(CAB_ONE).post(f"{path}/approve", headers={"If-Match": etag})
    stale = api.as_(CAB_TWO).post(f"{path}/approve", headers={"If-Match": etag})
    retried = api.as_(CAB_TWO).post(f"{path}/approve", headers={"If-Match": stale.json["currentETag"]})

    assert (first.status, stale.status, retried.status) == (200, 412, 200)
    assert retried.json["status"] == "approved"
    assert checklist(retried.json["object"]) == {"CAB": (2, 2, True)}


def test_rejecting_needs_a_reason(api: ApiClient) -> None:
    change_id = submit_change(api)["changeId"]

    missing = api.as_(APPROVER).post(f"/api/changes/{change_id}/reject", {})
    blank = api.as_(APPROVER).post(f"/api/changes/{change_id}/reject", {"reason": "   "})

    assert (missing.status, blank.status) == (422, 422)
    assert api.get(f"/api/changes/{change_id}").json["status"] == "submitted"


def test_a_rejection_records_the_reason_and_tells_only_the_requester(api: ApiClient) -> None:
    change_id = submit_change(api, customers=["alpha", "bravo"])["changeId"]

    rejected = api.as_(APPROVER).post(f"/api/changes/{change_id}/reject", {"reason": "No rollback plan"})

    assert rejected.status == 200, rejected.text
    document = rejected.json["object"]
    assert (document["status"], document["rejectedBy"]) == ("rejected", APPROVER.email)
    assert document["approval"]["rejection"]["reason"] == "No rollback plan"
    entry = document["modifications"][-1]
    assert (entry["modification_type"], entry["comment"]) == ("rejected", "No rollback plan")
    # One trigger carries the requester's email; the customers hear nothing.
    assert [row["customerCode"] for row in rejected.json["uploadResults"][1:]] == ["alpha"]
    assert trigger("alpha", change_id)[1]["request-type"] == "change_rejected"


def test_the_creator_edits_a_rejected_change_back_to_a_draft_and_submits_it_again(api: ApiClient) -> None:
    change_id = submit_change(api, risk="high")["changeId"]
    path = f"/api/changes/{change_id}"
    api.as_(CAB_ONE).post(f"{path}/approve")
    api.as_(CAB_TWO).post(f"{path}/reject", {"reason": "Add a rollback plan"})

    assert api.as_(COLLEAGUE).put(path, {"rollbackPlan": "Mine"}).status == 403
    edited = api.put(path, {"rollbackPlan": "Restore the snapshot"})
    submitted = api.post(f"{path}/submit")
    after_one = api.as_(CAB_ONE).post(f"{path}/approve")

    assert edited.json["status"] == "draft"
    assert submitted.json["status"] == "submitted"
    # The first round's approval stays on record but counts no more: CAB one approves again, from zero.
    assert checklist(after_one.json["object"]) == {"CAB": (1, 2, False)}
    assert history(after_one.json["object"]) == [
        "created",
        "submitted",
        "approval_decision",
        "rejected",
        "reopened",
        "updated",
        "submitted",
        "approval_decision",
    ]


def test_the_approvals_list_shows_each_person_what_they_can_still_decide(api: ApiClient) -> None:
    high = submit_change(api, risk="high", changeTitle="Rotate the payment keys")["changeId"]
    normal = submit_change(api, changeTitle="Patch the web servers")["changeId"]
    api.as_(CAB_ONE).post(f"/api/changes/{high}/approve")

    def ids(identity: Any, scope: str = "mine") -> list[str]:
        answer = api.as_(identity).get("/api/approvals", query={"scope": scope})
        assert answer.status == 200, answer.text
        return [item["id"] for item in answer.json["items"]]

    assert ids(CAB_ONE) == []  # counted already
    assert ids(CAB_TWO) == [high]
    assert ids(APPROVER) == [normal]
    assert ids(REQUESTER) == []  # created both
    assert set(ids(REQUESTER, "all")) == {high, normal}

    item = api.as_(CAB_TWO).get("/api/approvals").json["items"][0]
    assert item["decision"]["openings"] == [
        {
            "onBehalfOf": None,
            "countsTowards": [{"id": "risk-high-0", "label": "CAB", "count": 1, "required": 2}],
            "completes": True,
        }
    ]
    mine = api.get("/api/approvals", query={"scope": "all"}).json["items"]
    assert {row["decision"]["refusal"] for row in mine} == {None}


def test_a_creator_in_the_group_is_told_why_they_cannot_decide(api: ApiClient) -> None:
    change_id = submit_change(api.as_(CAB_THREE), risk="high")["changeId"]

    answer = api.as_(CAB_THREE).get("/api/approvals", query={"scope": "all"}).json["items"]
    refused = api.as_(CAB_THREE).post(f"/api/changes/{change_id}/approve")

    assert answer[0]["decision"]["openings"] == []
    assert "four-eyes" in answer[0]["decision"]["refusal"]
    assert refused.status == 403


def test_no_other_route_rejects_or_approves_around_the_policy(api: ApiClient) -> None:
    announcement_id = api.post("/upload", announcement_input(status="submitted")).json["announcement_id"]
    change_id = submit_change(api, risk="high")["changeId"]

    rejected = api.as_(CAB_ONE).post(
        "/upload", {"action": "update_announcement", "announcement_id": announcement_id, "status": "rejected"}
    )
    # The legacy status update approves through the policy too: one CAB member is one decision, not an approval.
    approved = api.as_(CAB_ONE).post(
        "/upload", {"action": "update_announcement", "announcement_id": announcement_id, "status": "approved"}
    )
    half = api.as_(CAB_ONE).post(f"/api/changes/{change_id}/approve")

    assert rejected.status == 422
    assert "needs a reason" in rejected.text
    assert approved.status == 403  # the announcement needs the base group, which CAB one is not in
    assert half.json["status"] == "submitted"


def test_an_edit_after_approval_starts_a_new_round_and_a_riskier_change_needs_the_cab(api: ApiClient) -> None:
    change_id = submit_change(api)["changeId"]
    path = f"/api/changes/{change_id}"
    assert api.as_(APPROVER).post(f"{path}/approve").json["status"] == "approved"

    moved = api.put(path, {"implementationEnd": "2030-01-07T18:00:00Z"})

    assert moved.status == 200, moved.text
    # The decision that approved the earlier version does not count for the edited one.
    assert (moved.json["status"], checklist(moved.json["object"])) == ("submitted", {"Approvers": (0, 1, False)})
    assert api.as_(APPROVER).post(f"{path}/approve").json["status"] == "approved"

    riskier = api.put(path, {"risk": "high"})

    assert (riskier.json["status"], checklist(riskier.json["object"])) == ("submitted", {"CAB": (0, 2, False)})
    rows = api.as_(APPROVER).get(f"{path}/changes-since-approval").json["changes"]
    assert [(row["field"], row["before"], row["after"]) for row in rows] == [("risk", ["medium"], ["high"])]
    assert api.as_(APPROVER).post(f"{path}/approve").status == 403
    api.as_(CAB_ONE).post(f"{path}/approve")
    assert api.as_(CAB_TWO).post(f"{path}/approve").json["status"] == "approved"
