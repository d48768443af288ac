"""The routes the notices add: what changed since approval (approvals page), overdue changes (dashboard)."""

from __future__ import annotations

from ccm.domain.status import Status
from ccm.workflow import Services
from tests.api.client import APPROVER, ApiClient
from tests.api.conftest import Clock
from tests.api.helpers import stored_object, submit_change


def test_a_change_back_in_approval_shows_what_changed_since_the_approved_version(api: ApiClient) -> None:
    change_id = submit_change(api, timezone="Europe/Berlin")["changeId"]
    approved = api.as_(APPROVER).post(f"/api/changes/{change_id}/approve").json["object"]

    api.put(
        f"/api/changes/{change_id}",
        {"implementationStart": "2030-01-08T10:00:00", "implementationEnd": "2030-01-08T12:00:00", "testPlan": "More"},
    )
    response = api.as_(APPROVER).get(f"/api/changes/{change_id}/changes-since-approval")
    listed = api.as_(APPROVER).get("/api/changes", query={"status": "submitted"}).json["items"]

    assert response.status == 200
    assert response.json["approvedVersion"] == approved["version"]
    window, plan = response.json["changes"]
    assert (window["field"], window["label"]) == ("window", "Window")
    assert window["before"] == ["Mon 7 Jan 2030 16:00 – 18:00 CET (Europe/Berlin)", "Mon 7 Jan 2030 15:00 – 17:00 UTC"]
    assert window["after"] == ["Tue 8 Jan 2030 10:00 – 12:00 CET (Europe/Berlin)", "Tue 8 Jan 2030 09:00 – 11:00 UTC"]
    assert (plan["field"], plan["after"]) == ("test_plan", ["More"])
    assert [item["changed_since_approval"] for item in listed if item["id"] == change_id] == [approved["version"]]


def test_an_object_never_approved_has_no_changes_since_approval(api: ApiClient) -> None:
    change_id = submit_change(api)["changeId"]

    response = api.get(f"/api/changes/{change_id}/changes-since-approval")

    assert response.json == {"id": change_id, "approvedVersion": None, "changes": []}


def test_an_unknown_object_has_no_changes_since_approval_to_show(api: ApiClient) -> None:
    response = api.get("/api/announcements/CIC-00000000-0000-0000-0000-000000000000/changes-since-approval")

    assert response.status == 404


def test_the_overdue_list_holds_the_approved_changes_whose_window_ended_oldest_first(
    api: ApiClient, services: Services, clock: Clock
) -> None:
    early = stored_object(
        services,
        "change",
        Status.APPROVED,
        implementationStart="2029-12-10T08:00:00Z",
        implementationEnd="2029-12-10T10:00:00Z",
    ).obj.id
    late = stored_object(
        services,
        "change",
        Status.APPROVED,
        implementationStart="2029-12-14T08:00:00Z",
        implementationEnd="2029-12-14T10:00:00Z",
    ).obj.id
    stored_object(
        services,
        "change",
        Status.COMPLETED,
        implementationStart="2029-12-10T08:00:00Z",
        implementationEnd="2029-12-10T10:00:00Z",
    )
    stored_object(services, "change", Status.APPROVED)  # its window is in January 2030

    response = api.get("/api/changes/overdue")

    assert response.status == 200
    assert [item["id"] for item in response.json["items"]] == [early, late]
    assert response.json["count"] == 2
    clock.advance(days=40)
    assert api.get("/api/changes/overdue").json["count"] == 3
