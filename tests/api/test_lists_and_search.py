"""Lists, search, statistics, recent, my-changes and drafts: paged, from the catalog, never object by object."""

from __future__ import annotations

from typing import Any

import pytest

from ccm.domain.ids import AnnouncementType
from ccm.domain.status import Status
from ccm.workflow import Services
from tests.api.client import COLLEAGUE, ApiClient
from tests.api.conftest import Calls, Clock
from tests.api.helpers import announcement_input, change_input, stored_object, submit_change


def all_pages(api: ApiClient, path: str, **query: str) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor = None
    while True:
        params = {**query, **({"cursor": cursor} if cursor else {})}
        body = api.get(path, query=params).json
        pages.append([item["id"] for item in body["items"]])
        cursor = body["cursor"]
        if cursor is None:
            return pages


def test_lists_are_paged_newest_first_and_every_object_appears_once(api: ApiClient, clock: Clock) -> None:
    created = []
    for _ in range(7):
        created.append(submit_change(api)["changeId"])
        clock.advance(minutes=1)

    pages = all_pages(api, "/api/changes", limit="3")

    assert [len(page) for page in pages] == [3, 3, 1]
    assert [change_id for page in pages for change_id in page] == list(reversed(created))


def test_a_list_reads_the_catalog_and_never_the_archive(api: ApiClient, aws_calls: Calls) -> None:
    for _ in range(5):
        submit_change(api)
    aws_calls.reset()

    for path in ("/api/changes", "/api/changes/statistics", "/api/changes/recent", "/api/my-changes"):
        assert api.get(path).status == 200
    assert api.post("/api/changes/search", {"status": "all"}).status == 200

    assert aws_calls.made["s3"] == 0
    assert aws_calls.made["dynamodb"] == 6


def test_drafts_of_others_stay_out_of_every_list(api: ApiClient, services: Services) -> None:
    mine = api.post("/api/drafts", change_input()).json["changeId"]
    theirs = api.as_(COLLEAGUE).post("/api/drafts", change_input()).json["changeId"]

    listed = [item["id"] for item in api.get("/api/changes").json["items"]]
    found = [item["id"] for item in api.post("/api/changes/search", {"status": "all"}).json["items"]]

    assert mine in listed and mine in found
    assert theirs not in listed and theirs not in found
    assert api.get(f"/api/changes/{theirs}").status == 403
    assert api.get(f"/api/drafts/{theirs}").status == 403


def test_statistics_count_every_status_and_only_your_own_drafts(api: ApiClient, services: Services) -> None:
    for status in (Status.SUBMITTED, Status.SUBMITTED, Status.APPROVED, Status.COMPLETED, Status.CANCELLED):
        stored_object(services, "change", status)
    api.post("/api/drafts", change_input())
    api.as_(COLLEAGUE).post("/api/drafts", change_input())

    stats = api.get("/changes/statistics").json

    assert {key: stats[key] for key in ("draft", "submitted", "approved", "completed", "cancelled")} == {
        "draft": 1,
        "submitted": 2,
        "approved": 1,
        "completed": 1,
        "cancelled": 1,
    }
    assert (stats["total"], stats["active"]) == (6, 2)
    assert stats["mine"]["total"] == 6
    assert api.get("/api/changes/statistics", query={"kind": "announcement"}).json["total"] == 0


def test_recent_returns_the_latest_changes_up_to_the_limit(api: ApiClient, clock: Clock) -> None:
    ids = []
    for _ in range(4):
        ids.append(submit_change(api)["changeId"])
        clock.advance(seconds=30)

    recent = api.get("/changes/recent", query={"limit": "2"}).json

    assert [item["id"] for item in recent["items"]] == ids[:1:-1]


def test_search_with_status_all_returns_everything(api: ApiClient, services: Services) -> None:
    stored = {status: stored_object(services, "change", status).obj.id for status in Status}

    found = api.post("/api/changes/search", {"status": "all"}).json["items"]
    also = api.get("/api/changes/search", query={"status": "all"}).json["items"]

    assert {item["id"] for item in found} == set(stored.values())
    assert {item["id"] for item in also} == set(stored.values())


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"query": "kernel"}, {"kernel"}),
        ({"query": "SEC-7"}, {"keys"}),
        ({"status": "approved"}, {"keys"}),
        ({"status": "waiting for approval"}, {"kernel", "database"}),
        ({"createdBy": "other@"}, {"keys"}),
        ({"customers": ["charlie"]}, {"database"}),
        ({"customers": ["charlie", "bravo"]}, {"keys", "database"}),
        ({"query": "kernel", "status": "approved"}, set()),
        ({"dateRange": "custom", "startDate": "2029-12-02", "endDate": "2029-12-03"}, {"keys", "database"}),
        ({"dateRange": "week"}, {"kernel"}),
    ],
)
def test_search_narrows_by_every_criterion_given(
    api: ApiClient, services: Services, criteria: dict[str, Any], expected: set[str]
) -> None:
    names = {
        stored_object(
            services,
            "change",
            Status.SUBMITTED,
            changeTitle="Patch kernel",
            customers=["alpha"],
            modifiedAt="2029-12-14T09:00:00Z",
        ).obj.id: "kernel",
        stored_object(
            services,
            "change",
            Status.APPROVED,
            changeTitle="Rotate keys",
            jiraTicket="SEC-7",
            customers=["bravo"],
            createdBy="other@example.com",
            modifiedAt="2029-12-02T09:00:00Z",
        ).obj.id: "keys",
        stored_object(
            services,
            "change",
            Status.SUBMITTED,
            changeTitle="Upgrade database",
            customers=["charlie"],
            modifiedAt="2029-12-03T09:00:00Z",
        ).obj.id: "database",
    }

    found = api.post("/api/changes/search", criteria).json["items"]

    assert {names[item["id"]] for item in found} == expected


def test_search_finds_announcements_by_type(api: ApiClient) -> None:
    finops = api.post("/api/announcements", announcement_input(AnnouncementType.FINOPS)).json["id"]
    api.post("/api/announcements", announcement_input(AnnouncementType.CIC))

    typed = api.post("/api/changes/search", {"objectType": "announcement_finops"}).json["items"]
    every = api.post("/api/changes/search", {"objectType": "announcement"}).json["items"]

    assert [item["id"] for item in typed] == [finops]
    assert len(every) == 2


def test_search_narrows_changes_by_change_type_and_risk(api: ApiClient, services: Services) -> None:
    names = {
        stored_object(services, "change", Status.SUBMITTED, changeType="emergency", risk="high").obj.id: "outage",
        stored_object(services, "change", Status.SUBMITTED, changeType="normal", risk="high").obj.id: "upgrade",
        stored_object(services, "change", Status.APPROVED, changeType="standard", risk="low").obj.id: "routine",
        # Written before the fields existed: it reads as a normal, medium-risk change.
        stored_object(services, "change", Status.SUBMITTED).obj.id: "legacy",
    }
    api.post("/api/announcements", announcement_input(AnnouncementType.FINOPS))

    def found(criteria: dict[str, str]) -> set[str]:
        by_body = api.post("/api/changes/search", {"status": "all", **criteria}).json["items"]
        by_query = api.get("/api/changes/search", query={"status": "all", **criteria}).json["items"]
        assert {item["id"] for item in by_body} == {item["id"] for item in by_query}
        return {names[item["id"]] for item in by_body}

    assert found({"risk": "high"}) == {"outage", "upgrade"}
    assert found({"changeType": "emergency"}) == {"outage"}
    assert found({"changeType": "normal", "risk": "high"}) == {"upgrade"}
    assert found({"changeType": "normal", "risk": "medium"}) == {"legacy"}
    assert found({"changeType": "standard", "risk": "high"}) == set()
    listed = api.post("/api/changes/search", {"status": "all", "risk": "low"}).json["items"]
    assert [(item["change_type"], item["risk"]) for item in listed] == [("standard", "low")]


@pytest.mark.parametrize("criteria", [{"risk": "severe"}, {"changeType": "urgent"}])
def test_a_change_type_or_risk_that_does_not_exist_is_422(api: ApiClient, criteria: dict[str, str]) -> None:
    assert api.post("/api/changes/search", criteria).status == 422
    assert api.get("/api/changes/search", query=criteria).status == 422


def test_my_changes_lists_what_you_created_including_drafts(api: ApiClient) -> None:
    mine = {submit_change(api)["changeId"], api.post("/api/drafts", change_input()).json["changeId"]}
    submit_change(api.as_(COLLEAGUE))

    listed = api.get("/my-changes").json["items"]
    drafts_only = api.get("/api/my-changes", query={"status": "draft"}).json["items"]

    assert {item["id"] for item in listed} == mine
    assert [item["status"] for item in drafts_only] == ["draft"]


def test_the_drafts_list_pages_through_changes_and_announcements_together(api: ApiClient, clock: Clock) -> None:
    saved = set()
    for index in range(3):
        saved.add(api.post("/api/drafts", change_input()).json["id"])
        saved.add(api.post("/api/drafts", announcement_input(title=f"Note {index}")).json["id"])
        clock.advance(minutes=1)
    api.as_(COLLEAGUE).post("/api/drafts", change_input())

    pages = all_pages(api, "/api/drafts", limit="2")
    only_announcements = api.get("/drafts", query={"kind": "announcement"}).json["items"]

    seen = [draft_id for page in pages for draft_id in page]
    assert sorted(seen) == sorted(saved)
    assert {item["kind"] for item in only_announcements} == {"announcement"}
    assert len(only_announcements) == 3


@pytest.mark.parametrize("cursor", ["garbage", "eyJpIjoiYnlfa2luZCJ9", "e30"])
def test_a_cursor_that_is_not_one_of_ours_is_422(api: ApiClient, cursor: str) -> None:
    response = api.get("/api/changes", query={"cursor": cursor})

    assert response.status == 422
    assert response.json["problems"][0]["field"] == "cursor"


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "500"}, {"limit": "many"}, {"status": "open"}])
def test_list_parameters_are_validated(api: ApiClient, query: dict[str, str]) -> None:
    response = api.get("/api/changes", query=query)

    assert response.status == 422
    assert response.json["problems"][0]["field"] == f"query.{next(iter(query))}"
