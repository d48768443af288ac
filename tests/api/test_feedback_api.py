"""What the team reads of customers' ratings: per object, the dashboard's last 90 days and the CSV."""

from __future__ import annotations

import csv
import io

from ccm.domain.csv_export import cell
from ccm.domain.feedback import recipient_hash
from ccm.domain.status import Status
from ccm.workflow import Services
from tests.api.client import ADMIN, APPROVER, COLLEAGUE, REQUESTER, ApiClient
from tests.api.conftest import Clock
from tests.api.helpers import stored_object
from tests.api.test_feedback_public import post, token_for

ANSWERS = (
    ("alpha", "a1@alpha.example.com", "5", "Smooth, thank you"),
    ("alpha", "a2@alpha.example.com", "4", ""),
    ("alpha", "a3@alpha.example.com", "1", '=HYPERLINK("http://evil")'),
    ("bravo", "b1@bravo.example.com", "3", "OK"),
)
"""customer, address, rating, comment: what ``rated_change`` answers."""


def rated_change(api: ApiClient, services: Services, kind: str = "change") -> str:
    object_id = stored_object(services, kind, Status.COMPLETED, customers=["alpha", "bravo"]).obj.id
    for customer, address, rating, comment in ANSWERS:
        assert (
            post(api, token_for(services, object_id, customer, address), rating=rating, comment=comment).status == 200
        )
    return object_id


def test_the_aggregate_per_customer_for_the_creator_approvers_and_admins(api: ApiClient, services: Services) -> None:
    object_id = rated_change(api, services)

    for identity in (REQUESTER, APPROVER, ADMIN):
        response = api.as_(identity).get(f"/api/changes/{object_id}/feedback")
        assert response.status == 200, response.text
    alpha, bravo = response.json["customers"]
    assert (alpha["customer"], alpha["customerName"], alpha["count"], alpha["average"]) == (
        "alpha",
        "Alpha Retail",
        3,
        3.33,
    )
    assert alpha["distribution"] == {"1": 1, "2": 0, "3": 0, "4": 1, "5": 1}
    assert sorted(c["comment"] for c in alpha["comments"]) == ['=HYPERLINK("http://evil")', "Smooth, thank you"]
    assert (bravo["count"], bravo["average"], bravo["comments"][0]["rating"]) == (1, 3.0, 3)
    assert "a1@alpha.example.com" not in response.text


def test_other_users_may_not_read_an_objects_feedback(api: ApiClient, services: Services) -> None:
    object_id = rated_change(api, services)

    response = api.as_(COLLEAGUE).get(f"/api/changes/{object_id}/feedback")

    assert response.status == 403 and "creator" in response.json["error"]


def test_announcements_have_the_same_route(api: ApiClient, services: Services) -> None:
    object_id = rated_change(api, services, "announcement")

    response = api.as_(APPROVER).get(f"/api/announcements/{object_id}/feedback")

    assert response.status == 200 and [c["count"] for c in response.json["customers"]] == [3, 1]


def test_the_dashboard_summary_covers_the_last_90_days(api: ApiClient, services: Services, clock: Clock) -> None:
    rated_change(api, services)
    clock.advance(days=91)
    recent = rated_change(api, services)

    response = api.as_(APPROVER).get("/api/reports/feedback")

    assert response.status == 200
    alpha = response.json["customers"][0]
    assert (alpha["count"], alpha["average"]) == (3, 3.33)
    assert {c["objectId"] for c in alpha["comments"]} == {recent}
    assert api.as_(REQUESTER).get("/api/reports/feedback").status == 403


def test_the_csv_export_lists_every_answer_and_keeps_formulas_as_text(
    api: ApiClient, services: Services, clock: Clock
) -> None:
    object_id = rated_change(api, services)
    today = clock().date().isoformat()

    response = api.as_(APPROVER).get(
        "/api/reports/feedback", query={"format": "csv", "from": today, "to": today, "customer": "alpha"}
    )

    assert response.status == 200 and response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 3 and {row["object"] for row in rows} == {object_id}
    assert sorted(row["rating"] for row in rows) == ["1", "4", "5"]
    assert '\'=HYPERLINK("http://evil")' in {row["comment"] for row in rows}
    assert {row["recipient"] for row in rows} == {""}
    hashes = {recipient_hash(object_id, "alpha", address) for code, address, _, _ in ANSWERS if code == "alpha"}
    assert all(len(text) == 22 for text in hashes)
    # A hash that starts with "-" (1 in 64 of base64url) is kept as text like any cell that starts like a formula.
    assert {row["recipient hash"] for row in rows} == {cell(text) for text in hashes}


def test_a_bad_period_or_customer_is_a_422_with_a_sentence(api: ApiClient, services: Services) -> None:
    backwards = api.as_(APPROVER).get(
        "/api/reports/feedback", query={"format": "csv", "from": "2030-02-01", "to": "2030-01-01"}
    )
    unknown = api.as_(APPROVER).get("/api/reports/feedback", query={"format": "csv", "customer": "nobody"})

    assert backwards.status == unknown.status == 422
    assert "before" in backwards.text and "not a customer" in unknown.text
