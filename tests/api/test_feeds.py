"""Each customer's maintenance calendar: ``/feeds/<customer>/<token>.ics`` and its page, without sign-in."""

from __future__ import annotations

from typing import Any

from icalendar import Calendar

from ccm.workflow import Services
from tests.api.client import APPROVER, ApiClient
from tests.api.helpers import submit_change

SECRET_TEXTS = (
    "Upload new certificates",
    "Check the TLS handshake",
    "Switch listeners back",
    "CHG0012345",
    "OPS-42",
    "requester@example.com",
    "approver@example.com",
    "bravo",
    "Bravo Media",
)


def approved_change(api: ApiClient, **fields: Any) -> dict[str, Any]:
    change = submit_change(api, customers=["alpha", "bravo"], **fields)
    response = api.as_(APPROVER).post(f"/api/changes/{change['changeId']}/approve")
    assert response.status == 200, response.text
    document: dict[str, Any] = response.json["object"]
    return document


def feed(api: ApiClient, customer: str, token: str) -> Calendar:
    response = api.as_(None).get(f"/feeds/{customer}/{token}.ics")
    assert response.status == 200, response.text
    assert response.headers["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.text)


def events(calendar: Calendar) -> dict[str, Any]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_lists_approved_changes_with_stable_uids_and_a_growing_sequence(
    api: ApiClient, services: Services
) -> None:
    token = services.feed_tokens.issue("alpha")
    change = approved_change(api)
    submit_change(api, customers=["alpha"])  # not approved: the customer has not been told

    calendar = feed(api, "alpha", token)
    assert str(calendar["X-WR-CALNAME"]) == "Planned maintenance for Alpha Retail"
    [(uid, event)] = events(calendar).items()
    assert uid == f"{change['changeId']}@ccm.example.com"
    assert (event.decoded("DTSTART").isoformat(), str(event["STATUS"])) == ("2030-01-07T15:00:00+00:00", "CONFIRMED")
    first_sequence = int(event["SEQUENCE"])
    assert "Certificates expire next month" in str(event["DESCRIPTION"]) and "None expected" in str(
        event["DESCRIPTION"]
    )

    moved = api.put(
        f"/api/changes/{change['changeId']}",
        {"implementationStart": "2030-01-08T15:00:00Z", "implementationEnd": "2030-01-08T16:00:00Z"},
    )
    assert moved.status == 200, moved.text
    # Moving an approved change sends it back for approval; the feed keeps it, awaiting re-approval.
    assert moved.json["object"]["status"] == "submitted"
    [(pending_uid, pending)] = events(feed(api, "alpha", token)).items()
    assert pending_uid == uid and str(pending["STATUS"]) == "TENTATIVE"
    assert "Status: awaiting re-approval" in str(pending["DESCRIPTION"])
    assert "Awaiting re-approval" in api.as_(None).get(f"/feeds/alpha/{token}").text
    again = api.as_(APPROVER).post(f"/api/changes/{change['changeId']}/approve")
    assert again.status == 200, again.text
    [(same_uid, moved_event)] = events(feed(api, "alpha", token)).items()
    assert same_uid == uid and int(moved_event["SEQUENCE"]) > first_sequence
    assert moved_event.decoded("DTSTART").isoformat() == "2030-01-08T15:00:00+00:00"

    assert api.post(f"/api/changes/{change['changeId']}/cancel").status == 200
    [(cancelled_uid, cancelled)] = events(feed(api, "alpha", token)).items()
    assert cancelled_uid == uid and str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) > int(moved_event["SEQUENCE"])


def test_the_feed_shows_only_what_the_customers_emails_show(api: ApiClient, services: Services) -> None:
    token = services.feed_tokens.issue("alpha")
    approved_change(api)

    text = api.as_(None).get(f"/feeds/alpha/{token}.ics").text
    page = api.as_(None).get(f"/feeds/alpha/{token}").text

    for secret in SECRET_TEXTS:
        assert secret not in text and secret not in page, secret


def test_the_page_lists_upcoming_maintenance_with_an_add_to_calendar_link_under_the_portals_policy(
    api: ApiClient, services: Services
) -> None:
    token = services.feed_tokens.issue("alpha")
    approved_change(api, changeTitle="Rotate <b>certificates</b>")

    response = api.as_(None).get(f"/feeds/alpha/{token}")

    assert response.status == 200 and response.headers["Content-Type"].startswith("text/html")
    assert "<h1>Planned maintenance for Alpha Retail</h1>" in response.text
    assert f'href="webcal://ccm.example.com/feeds/alpha/{token}.ics"' in response.text
    assert "Rotate &lt;b&gt;certificates&lt;/b&gt;" in response.text
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    stylesheet = api.as_(None).get("/feeds/feed.css")
    assert stylesheet.status == 200 and stylesheet.headers["Content-Type"].startswith("text/css")


def test_every_bad_token_and_unknown_customer_gets_the_same_404(api: ApiClient, services: Services) -> None:
    token = services.feed_tokens.issue("alpha")
    services.feed_tokens.issue("bravo")
    bravo = services.feed_tokens.current("bravo")
    answers = [
        api.as_(None).get(path)
        for path in (
            f"/feeds/alpha/{token[:-1]}x.ics",
            f"/feeds/alpha/{bravo}.ics",
            f"/feeds/bravo/{token}",
            f"/feeds/nobody/{token}.ics",
            f"/feeds/charlie/{token}.ics",  # a customer that has no token yet
            "/feeds/alpha/short.ics",
            "/feeds/alpha/",
            f"/feeds/alpha/{token}/x",
        )
    ]
    assert {(answer.status, answer.text) for answer in answers} == {(404, '{"error":"no such page"}')}
    assert {answer.headers["Cache-Control"] for answer in answers} == {"no-store"}

    rotated = services.feed_tokens.rotate("alpha")
    assert rotated != token
    assert api.as_(None).get(f"/feeds/alpha/{token}.ics").status == 404
    assert api.as_(None).get(f"/feeds/alpha/{rotated}.ics").status == 200
