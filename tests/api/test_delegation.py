"""Delegation through the API: the Away panel's routes, decisions "by X on behalf of Y", and the notice."""

from __future__ import annotations

import json

import pytest

from ccm.config import AppConfig
from tests.api.client import APPROVER, COLLEAGUE, REQUESTER, ApiClient, Identity
from tests.api.conftest import Clock
from tests.api.helpers import keys, s3, submit_change
from tests.api.policies import CAB_ONE, CAB_TWO, config_with
from tests.conftest import BUCKET

DEPUTY = Identity("deputy@example.com")
PERIOD = {"delegate": DEPUTY.email, "from": "2029-12-15", "until": "2029-12-20"}


@pytest.fixture
def app_config() -> AppConfig:
    return config_with()


def test_an_approver_names_a_delegate_and_both_are_told(api: ApiClient) -> None:
    answer = api.as_(CAB_ONE).put("/api/user/delegation", PERIOD)

    assert answer.status == 200, answer.text
    assert answer.json["delegation"] == {
        "approver": CAB_ONE.email,
        "delegate": DEPUTY.email,
        "from": "2029-12-15",
        "until": "2029-12-20",
        "groups": ["ccm-cab"],
        "setAt": "2029-12-15T12:00:00Z",
        "active": True,
    }
    assert answer.json["notified"] is True
    [notice] = [key for key in keys("customers/") if "/DLG-" in key]
    body = json.loads(s3().get_object(Bucket=BUCKET, Key=notice)["Body"].read())
    assert body == {"approver": CAB_ONE.email, "set_at": "2029-12-15T12:00:00Z"}
    assert api.as_(DEPUTY).get("/api/user/delegation").json["standingInFor"][0]["approver"] == CAB_ONE.email
    assert api.as_(CAB_ONE).get("/api/user/delegation").json["delegation"]["delegate"] == DEPUTY.email


def test_a_delegate_decides_for_the_approver_and_it_is_recorded_so(api: ApiClient) -> None:
    api.as_(CAB_ONE).put("/api/user/delegation", PERIOD)
    change_id = submit_change(api, risk="high")["changeId"]
    path = f"/api/changes/{change_id}"

    listed = api.as_(DEPUTY).get("/api/approvals").json["items"]
    by_deputy = api.as_(DEPUTY).post(f"{path}/approve", {"comment": "For Cab while away"})
    by_cab_one = api.as_(CAB_ONE).post(f"{path}/approve")
    by_cab_two = api.as_(CAB_TWO).post(f"{path}/approve")

    assert [item["decision"]["openings"][0]["onBehalfOf"] for item in listed] == [CAB_ONE.email]
    assert by_deputy.status == 200, by_deputy.text
    [decision] = by_deputy.json["object"]["approval"]["requirements"][0]["decisions"]
    assert (decision["by"], decision["on_behalf_of"]) == (DEPUTY.email, CAB_ONE.email)
    entry = by_deputy.json["object"]["modifications"][-1]
    assert (entry["user_id"], entry["on_behalf_of"], entry["comment"]) == (
        DEPUTY.email,
        CAB_ONE.email,
        "For Cab while away",
    )
    # The approver counts once, whoever decided in their name.
    assert by_cab_one.json["status"] == "submitted"
    assert by_cab_two.json["status"] == "approved"


def test_a_delegate_never_approves_their_own_change(api: ApiClient) -> None:
    api.as_(CAB_ONE).put("/api/user/delegation", PERIOD)
    change_id = submit_change(api.as_(DEPUTY), risk="high")["changeId"]

    refused = api.as_(DEPUTY).post(f"/api/changes/{change_id}/approve")

    assert refused.status == 403
    assert "created by you" in refused.json["error"]


def test_a_delegation_counts_only_within_its_days(api: ApiClient, clock: Clock) -> None:
    api.as_(CAB_ONE).put("/api/user/delegation", {**PERIOD, "from": "2029-12-16"})
    change_id = submit_change(api, risk="high")["changeId"]

    early = api.as_(DEPUTY).post(f"/api/changes/{change_id}/approve")
    clock.advance(days=1)
    started = api.as_(DEPUTY).post(f"/api/changes/{change_id}/approve")
    clock.advance(days=5)
    over = api.as_(DEPUTY).get("/api/approvals").json["items"]

    assert (early.status, started.status) == (403, 200)
    assert over == []


def test_ending_a_delegation_stops_it(api: ApiClient) -> None:
    api.as_(CAB_ONE).put("/api/user/delegation", PERIOD)

    assert api.as_(CAB_ONE).delete("/api/user/delegation").status == 200
    assert api.as_(CAB_ONE).delete("/api/user/delegation").status == 404
    assert api.as_(CAB_ONE).get("/api/user/delegation").json == {"delegation": None, "standingInFor": []}
    assert api.as_(DEPUTY).get("/api/user/delegation").json["standingInFor"] == []


@pytest.mark.parametrize(
    ("who", "body", "status", "says"),
    [
        (COLLEAGUE, PERIOD, 403, "only approvers"),
        (APPROVER, {**PERIOD, "delegate": APPROVER.email}, 422, "not yourself"),
        (APPROVER, {**PERIOD, "delegate": "someone@elsewhere.org"}, 422, "allowed email domain"),
        (APPROVER, {**PERIOD, "from": "2029-12-10", "until": "2029-12-14"}, 422, "in the past"),
        (APPROVER, {**PERIOD, "until": "2029-12-14"}, 422, "until must not be before from"),
        (APPROVER, {**PERIOD, "until": "2030-06-30"}, 422, "at most 92 days"),
        (APPROVER, {"delegate": DEPUTY.email}, 422, "from"),
        (REQUESTER, {**PERIOD, "extra": 1}, 422, "extra"),
    ],
)
def test_a_delegation_that_cannot_be_set_is_refused_with_a_sentence(
    api: ApiClient, who: Identity, body: dict[str, str], status: int, says: str
) -> None:
    answer = api.as_(who).put("/api/user/delegation", body)

    assert answer.status == status, answer.text
    assert says in answer.text
