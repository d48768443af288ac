"""A customer's feed as an iCalendar subscription (RFC 5545, ``METHOD:PUBLISH``).

Each event keeps one UID for the object's whole life and its version as SEQUENCE, so a subscribed calendar
updates an event in place when the window moves and marks it ``STATUS:CANCELLED`` when it is called off
(``STATUS:TENTATIVE`` while an edit of it waits for approval again).
"""

from __future__ import annotations

from datetime import UTC, timedelta
from urllib.parse import urlsplit

from icalendar import Calendar, Event

from ccm.workflow.feeds import CustomerFeed, FeedEntry

PRODUCT_ID = "-//Customer Contact Manager//Maintenance calendar//EN"
REFRESH = timedelta(hours=1)


def event_uid(object_id: str, portal_base_url: str) -> str:
    host = urlsplit(portal_base_url).hostname or "ccm"
    return f"{object_id}@{host}"


def description(entry: FeedEntry) -> str:
    parts = [f"Status: {entry.status_words}"]
    if entry.reason:
        parts.append(("Reason: " if entry.kind == "change" else "") + entry.reason)
    if entry.customer_impact:
        parts.append(f"Customer impact: {entry.customer_impact}")
    return "\n\n".join(parts)


def _event(entry: FeedEntry, portal_base_url: str) -> Event:
    event = Event()
    event.add("uid", event_uid(entry.object_id, portal_base_url))
    event.add("sequence", entry.version)
    event.add("dtstamp", entry.updated.astimezone(UTC))
    event.add("last-modified", entry.updated.astimezone(UTC))
    event.add("dtstart", entry.start.astimezone(UTC))
    event.add("dtend", entry.end.astimezone(UTC))
    event.add("summary", f"{entry.object_id}: {entry.title}")
    event.add("description", description(entry))
    event.add("status", "CANCELLED" if entry.cancelled else "TENTATIVE" if entry.awaiting_reapproval else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("class", "PUBLIC")
    event.add("categories", ["Maintenance" if entry.kind == "change" else "Announcement"])
    return event


def render_feed(feed: CustomerFeed, portal_base_url: str) -> str:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Planned maintenance for {feed.customer.customer_name}")
    calendar.add("x-published-ttl", REFRESH)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    for entry in feed.entries:
        calendar.add_component(_event(entry, portal_base_url))
    return str(calendar.to_ical().decode("utf-8"))
