"""``/api/calendar`` and ``/api/calendar/conflicts`` through the real handler, and freeze windows' 409s."""

from __future__ import annotations

from typing import Any

import pytest

from ccm.config import AppConfig, ChangeCalendarConfig, FreezeWindow, load_config
from tests.api.client import APPROVER, COLLEAGUE, ApiClient
from tests.api.conftest import Calls
from tests.api.helpers import bucket_state, submit_change
from tests.conftest import CONFIG_PATH

FREEZES = [
    FreezeWindow(
        name="Year-end freeze",
        reason="Trading peak",
        customers=["charlie"],
        timezone="Europe/Berlin",
        start="2030-01-10T00:00",
        end="2030-01-12T00:00",
    ),
    FreezeWindow(
        name="Friday releases",
        customers=["*"],
        timezone="America/New_York",
        start="2029-12-07T16:00",
        rrule="FREQ=WEEKLY;BYDAY=FR",
        duration="PT2H",
    ),
]


@pytest.fixture
def app_config() -> AppConfig:
    config = load_config(CONFIG_PATH)
    return config.model_copy(update={"change_calendar": ChangeCalendarConfig(freeze_windows=FREEZES)})


def window(day: int, start: int, end: int) -> dict[str, str]:
    return {
        "implementationStart": f"2030-01-{day:02d}T{start:02d}:00:00Z",
        "implementationEnd": f"2030-01-{day:02d}T{end:02d}:00:00Z",
    }


def calendar(api: ApiClient, **query: str) -> dict[str, Any]:
    response = api.get("/api/calendar", query={"from": "2030-01-01", "to": "2030-01-31", **query})
    assert response.status == 200, response.text
    body: dict[str, Any] = response.json
    return body


def test_the_calendar_lists_windows_freezes_and_the_conflict_of_two_changes_of_one_customer(api: ApiClient) -> None:
    first = submit_change(api, changeTitle="Patch databases", customers=["alpha", "bravo"], **window(7, 10, 12))
    second = submit_change(api, changeTitle="Rotate keys", customers=["alpha"], **window(7, 11, 13))
    apart = submit_change(api, changeTitle="Elsewhere", customers=["delta"], **window(7, 10, 12))
    submit_change(
        api,
        changeTitle="Next month",
        customers=["alpha"],
        implementationStart="2030-02-03T10:00:00Z",
        implementationEnd="2030-02-03T11:00:00Z",
    )

    body = calendar(api)

    events = {event["id"]: event for event in body["events"]}
    assert set(events) == {first["changeId"], second["changeId"], apart["changeId"]}
    event = events[first["changeId"]]
    assert (event["start"], event["end"], event["timezone"]) == (
        "2030-01-07T10:00:00Z",
        "2030-01-07T12:00:00Z",
        "America/New_York",
    )
    assert (event["title"], event["status"], event["change_type"], event["risk"]) == (
        "Patch databases",
        "submitted",
        "normal",
        "medium",
    )
    assert event["conflictsWith"] == [second["changeId"]] and events[apart["changeId"]]["conflictsWith"] == []
    assert "search_text" not in event and "reason_excerpt" not in event
    [conflict] = body["conflicts"]
    assert [side["id"] for side in conflict["changes"]] == [first["changeId"], second["changeId"]]
    assert (conflict["customers"], conflict["start"], conflict["end"]) == (
        ["alpha"],
        "2030-01-07T11:00:00Z",
        "2030-01-07T12:00:00Z",
    )
    names = [freeze["name"] for freeze in body["freezes"]]
    assert names.count("Friday releases") == 4 and names.count("Year-end freeze") == 1
    assert body["range"] == {"start": "2030-01-01T00:00:00Z", "end": "2030-02-01T00:00:00Z"}


def test_the_filters_choose_events_while_conflicts_stay_and_drafts_show_only_to_their_creator(api: ApiClient) -> None:
    approved = submit_change(api, customers=["alpha"], **window(8, 9, 10))
    assert api.as_(APPROVER).post(f"/api/changes/{approved['changeId']}/approve").status == 200
    submitted = submit_change(api, customers=["alpha", "bravo"], **window(8, 9, 11))
    draft = api.post("/api/drafts", {"changeTitle": "Mine", "customers": ["alpha"], **window(8, 9, 10)})
    assert draft.status == 201, draft.text

    mine = {event["id"] for event in calendar(api)["events"]}
    theirs = {event["id"] for event in calendar(api.as_(COLLEAGUE))["events"]}
    assert draft.json["id"] in mine and draft.json["id"] not in theirs

    only_approved = calendar(api, status="approved")
    assert [event["id"] for event in only_approved["events"]] == [approved["changeId"]]
    assert len(only_approved["conflicts"]) == 1  # the approved change still competes with the submitted one
    bravo = calendar(api, customer="bravo")
    assert [event["id"] for event in bravo["events"]] == [submitted["changeId"]] and bravo["conflicts"] == []
    assert calendar(api, kind="announcement")["events"] == []
    assert all(freeze["name"] != "Year-end freeze" for freeze in bravo["freezes"])  # charlie's freeze only


def test_days_are_taken_in_the_viewers_zone_and_a_range_is_at_most_92_days(api: ApiClient) -> None:
    late = submit_change(
        api, customers=["alpha"], implementationStart="2030-01-31T23:30:00Z", implementationEnd="2030-02-01T00:30:00Z"
    )

    assert [e["id"] for e in calendar(api, to="2030-01-30", timezone="Europe/Berlin")["events"]] == []
    assert [
        e["id"] for e in calendar(api, **{"from": "2030-02-01", "to": "2030-02-01"}, timezone="Europe/Berlin")["events"]
    ] == [late["changeId"]]
    assert api.get("/api/calendar", query={"from": "2030-01-01", "to": "2030-04-02"}).status == 200  # 92 days
    too_long = api.get("/api/calendar", query={"from": "2030-01-01", "to": "2030-04-03"})
    assert too_long.status == 422 and too_long.json["problems"][0]["field"] == "to"
    for query in (
        {"from": "2030-01-01", "to": "2029-12-31"},
        {"from": "x", "to": "2030-01-01"},
        {"from": "2030-01-01", "to": "2030-01-02", "status": "pending,bogus"},
        {"from": "2030-01-01", "to": "2030-01-02", "customer": "nobody"},
        {"from": "2030-01-01", "to": "2030-01-02", "timezone": "Mars/Olympus"},
    ):
        assert api.get("/api/calendar", query=query).status == 422, query
    assert api.as_(None).get("/api/calendar", query={"from": "2030-01-01", "to": "2030-01-02"}).status == 401


def test_a_92_day_range_costs_at_most_10_requests(api: ApiClient, aws_calls: Calls) -> None:
    for day in range(1, 29, 3):
        submit_change(api, customers=["alpha"], **window(day, 10, 11))
    aws_calls.reset()

    body = api.get("/api/calendar", query={"from": "2029-12-31", "to": "2030-04-01"}).json

    assert len(body["events"]) == 10
    assert set(aws_calls.made) == {"dynamodb"} and aws_calls.made["dynamodb"] <= 10, aws_calls.made  # 5 months


def test_the_form_hears_of_overlapping_changes_and_freezes_for_the_customers_it_picks(api: ApiClient) -> None:
    other = submit_change(
        api,
        changeTitle="Patch databases",
        customers=["alpha", "charlie"],
        changeType="emergency",
        emergencyJustification="A vendor fix",
        **window(10, 10, 12),
    )
    own = submit_change(api, changeTitle="Mine", customers=["alpha"], **window(10, 9, 11))
    query = {"customers": "charlie,bravo", "start": "2030-01-10T11:00", "end": "2030-01-10T13:00", "timezone": "UTC"}

    body = api.get("/api/calendar/conflicts", query=query).json

    [conflict] = body["conflicts"]
    assert (conflict["id"], conflict["title"], conflict["customers"]) == (
        other["changeId"],
        "Patch databases",
        ["charlie"],
    )
    assert (conflict["overlapStart"], conflict["overlapEnd"]) == ("2030-01-10T11:00:00Z", "2030-01-10T12:00:00Z")
    [freeze] = body["freezes"]
    assert (freeze["name"], freeze["affectedCustomers"], freeze["reason"]) == (
        "Year-end freeze",
        ["charlie"],
        "Trading peak",
    )
    editing = api.get("/api/calendar/conflicts", query={**query, "customers": "alpha", "exclude": own["changeId"]}).json
    assert [item["id"] for item in editing["conflicts"]] == [other["changeId"]]
    for bad in (
        {**query, "customers": ""},
        {**query, "end": "2030-01-10T10:00"},
        {**query, "start": "soon"},
        {**query, "customers": "nobody"},
    ):
        assert api.get("/api/calendar/conflicts", query=bad).status == 422, bad


def test_a_window_for_more_customers_than_an_address_holds_is_asked_with_a_body(
    api: ApiClient, app_config: AppConfig
) -> None:
    other = submit_change(
        api,
        changeTitle="Patch databases",
        customers=["alpha", "charlie"],
        changeType="emergency",
        emergencyJustification="A vendor fix",
        **window(10, 10, 12),
    )
    planned = {"start": "2030-01-10T11:00", "end": "2030-01-10T13:00", "timezone": "UTC"}
    every = app_config.customer_codes

    body = api.post("/api/calendar/conflicts", {**planned, "customers": every}).json
    asked = api.get("/api/calendar/conflicts", query={**planned, "customers": ",".join(every)}).json

    assert body == asked
    [conflict] = body["conflicts"]
    assert (conflict["id"], conflict["customers"]) == (other["changeId"], ["alpha", "charlie"])
    assert api.post("/api/calendar/conflicts", {**planned, "customers": [*every, "nobody"]}).status == 422
    assert api.post("/api/calendar/conflicts", {**planned, "customers": ["alpha"] * 5001}).status == 422
    assert api.post("/api/calendar/conflicts", {**planned, "customers": ["alpha"], "extra": 1}).status == 422


def test_submitting_and_approving_into_a_freeze_is_409_with_its_name_customers_and_interval(api: ApiClient) -> None:
    before = bucket_state()
    refused = api.post(
        "/api/changes",
        {"changeTitle": "Frozen", "customers": ["charlie", "alpha"], "changeReason": "x", **window(11, 9, 10)},
    )
    assert refused.status == 409 and refused.json["type"] == "FREEZE_WINDOW"
    [freeze] = refused.json["freezes"]
    assert (freeze["name"], freeze["customers"], freeze["start"], freeze["end"], freeze["timezone"]) == (
        "Year-end freeze",
        ["charlie"],
        "2030-01-09T23:00:00Z",
        "2030-01-11T23:00:00Z",
        "Europe/Berlin",
    )
    assert "Year-end freeze" in refused.json["error"]
    assert bucket_state() == before

    friday = api.post("/api/changes", {"changeTitle": "Friday", "customers": ["alpha"], **window(4, 21, 22)})
    assert friday.status == 409 and friday.json["freezes"][0]["name"] == "Friday releases"

    emergency = api.post(
        "/api/changes",
        {
            "changeTitle": "Urgent",
            "customers": ["charlie"],
            "changeType": "emergency",
            "emergencyJustification": "The certificate expires tonight",
            **window(11, 9, 10),
        },
    )
    assert emergency.status == 201, emergency.text
    approved = api.as_(APPROVER).post(f"/api/changes/{emergency.json['id']}/approve")
    assert approved.status == 200
    overrides = [m for m in approved.json["object"]["modifications"] if m["modification_type"] == "freeze_override"]
    assert [(m["user_id"], m["freeze"]["name"], m["freeze"]["action"]) for m in overrides] == [
        ("requester@example.com", "Year-end freeze", "submitted"),
        ("approver@example.com", "Year-end freeze", "approved"),
    ]
