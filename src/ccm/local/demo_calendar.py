"""The change calendar's demo: freeze windows for the local config.json and two changes that compete for one
customer, so the calendar shows a freeze, a recurring freeze and a conflict on the first start.

The freezes hold customers that no other demo or test relies on, so nothing else of the local stack runs into
them; the demo changes are stored as approved, and the local stack writes their triggers, so the backend announces
them as it would any approved change (and the clock's reminders of them find their customer told).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ccm.domain.objects import ModificationType, parse_document
from ccm.domain.times import format_rfc3339
from ccm.storage.feed_tokens import DynamoFeedTokens
from ccm.storage.port import ObjectRepository
from ccm.workflow.feeds import feed_path

WEEKLY_FREEZE_CUSTOMERS = ["lima", "mike"]
YEAR_END_FREEZE_CUSTOMERS = ["november", "oscar", "papa", "quebec"]
CONFLICT_CUSTOMER = "victor"
PLANNER = "planner@example.com"
APPROVER = "approver@example.com"
DEMO_IDS = ("CHG-0d3e6f5a-7c1b-4e59-9a2d-5b8f1c0e7a11", "CHG-8a4b2c1d-3e5f-4a6b-8c7d-9e0f1a2b3c44")


def demo_freeze_windows(now: datetime) -> list[dict[str, Any]]:
    """A weekend freeze every week, and the coming year end (this one until it is over)."""
    year = now.year if now < datetime(now.year, 12, 31, tzinfo=UTC) else now.year + 1
    return [
        {
            "name": "Weekend trading freeze",
            "reason": "The retail weekend: no change while the shops are busiest.",
            "customers": WEEKLY_FREEZE_CUSTOMERS,
            "timezone": "Europe/London",
            "start": "2024-01-05T18:00",
            "rrule": "FREQ=WEEKLY;BYDAY=FR",
            "duration": "P2DT12H",
        },
        {
            "name": "Year-end freeze",
            "reason": "Year-end closing: only emergencies until the new year.",
            "customers": YEAR_END_FREEZE_CUSTOMERS,
            "timezone": "America/New_York",
            "start": f"{year}-12-20T00:00",
            "end": f"{year + 1}-01-03T00:00",
        },
    ]


def _demo_day(now: datetime) -> datetime:
    """Tomorrow, or yesterday at the end of a month, so the month view of the first start shows the pair."""
    tomorrow = now + timedelta(days=1)
    day = tomorrow if tomorrow.month == now.month else now - timedelta(days=1)
    return day.replace(hour=0, minute=0, second=0, microsecond=0)


def _change(change_id: str, title: str, start: datetime, hours: int, now: datetime) -> dict[str, Any]:
    stamp = format_rfc3339(now)
    return {
        "object_type": "change",
        "changeId": change_id,
        "changeTitle": title,
        "customers": [CONFLICT_CUSTOMER],
        "changeReason": "Demo data of the change calendar.",
        "customerImpact": "Short interruptions of the customer portal.",
        "implementationPlan": "See the runbook.",
        "implementationStart": format_rfc3339(start),
        "implementationEnd": format_rfc3339(start + timedelta(hours=hours)),
        "timezone": "Europe/Berlin",
        "changeType": "normal",
        "risk": "medium",
        "status": "approved",
        "version": 1,
        "createdBy": PLANNER,
        "createdAt": stamp,
        "modifiedAt": stamp,
        "modifiedBy": APPROVER,
        "submittedAt": stamp,
        "submittedBy": PLANNER,
        "approvedAt": stamp,
        "approvedBy": APPROVER,
    }


def seed_calendar_changes(repository: ObjectRepository, now: datetime) -> list[str]:
    """Two approved changes of one customer whose windows overlap by an hour; their ids."""
    day = _demo_day(now)
    documents = [
        _change(DEMO_IDS[0], "Upgrade the payment gateway", day + timedelta(hours=8), 3, now),
        _change(DEMO_IDS[1], "Migrate the customer database", day + timedelta(hours=10), 2, now),
    ]
    for document in documents:
        obj = parse_document(document)
        for kind, who in (
            (ModificationType.CREATED, PLANNER),
            (ModificationType.SUBMITTED, PLANNER),
            (ModificationType.APPROVED, APPROVER),
        ):
            obj.record(kind, who, now)
        repository.create(obj)
    return [document["changeId"] for document in documents]


def demo_feed_page(table: str, portal_url: str) -> str:
    """The address of the conflict customer's maintenance page (its token is made on the first start)."""
    token = DynamoFeedTokens(table).issue(CONFLICT_CUSTOMER)
    return portal_url + feed_path(CONFLICT_CUSTOMER, token, ics=False)
