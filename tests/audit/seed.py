"""A small data set whose report numbers are worked out by hand (tests/audit/test_reports.py says them)."""

from __future__ import annotations

from typing import Any

from ccm.workflow import Services
from tests.factories import make_change


def entry(kind: str, at: str, user: str = "requester@example.com", **more: Any) -> dict[str, Any]:
    return {"modification_type": kind, "timestamp": at, "user_id": user, **more}


def delivered(customer: str, at: str) -> dict[str, Any]:
    return entry("processed", at, "backend", customer_code=customer)


def approved_path(submitted: str, approved: str) -> list[dict[str, Any]]:
    return [
        entry("created", submitted),
        entry("submitted", submitted),
        entry("approved", approved, "approver@example.com"),
    ]


SEED: dict[str, dict[str, Any]] = {
    # normal/medium at alpha; approved after 4 h; alpha told 8 d 19 h 55 min ahead; successful
    "C1": {
        "customers": ["alpha"],
        "implementationStart": "2030-01-10T10:00:00Z",
        "implementationEnd": "2030-01-10T12:00:00Z",
        "status": "completed",
        "outcome": "successful",
        "modifications": [
            *approved_path("2030-01-01T10:00:00Z", "2030-01-01T14:00:00Z"),
            delivered("alpha", "2030-01-01T14:05:00Z"),
            entry("completed", "2030-01-10T12:00:00Z", outcome="successful"),
        ],
    },
    # emergency/high at alpha and bravo; approved after 1 h; told 170 and 160 min ahead; rolled back
    "C2": {
        "customers": ["alpha", "bravo"],
        "changeType": "emergency",
        "risk": "high",
        "implementationStart": "2030-01-20T00:00:00Z",
        "implementationEnd": "2030-01-20T01:00:00Z",
        "status": "completed",
        "outcome": "rolled_back",
        "outcomeNote": "Replication lag",
        "modifications": [
            *approved_path("2030-01-19T20:00:00Z", "2030-01-19T21:00:00Z"),
            delivered("alpha", "2030-01-19T21:10:00Z"),
            delivered("bravo", "2030-01-19T21:20:00Z"),
            entry("completed", "2030-01-20T02:00:00Z", outcome="rolled_back", comment="Replication lag"),
        ],
    },
    # standard/low at bravo; approved after 2 days; told 11 d 23 h 30 min ahead; failed
    "C3": {
        "customers": ["bravo"],
        "changeType": "standard",
        "risk": "low",
        "implementationStart": "2030-02-15T09:00:00Z",
        "implementationEnd": "2030-02-15T10:00:00Z",
        "status": "completed",
        "outcome": "failed",
        "outcomeNote": "Vendor outage",
        "modifications": [
            *approved_path("2030-02-01T09:00:00Z", "2030-02-03T09:00:00Z"),
            delivered("bravo", "2030-02-03T09:30:00Z"),
            entry("completed", "2030-02-15T11:00:00Z", outcome="failed", comment="Vendor outage"),
        ],
    },
    # normal/high at alpha; approved after 1 day; told only 12 h ahead (below the 72 h minimum); not done yet
    "C4": {
        "customers": ["alpha"],
        "risk": "high",
        "implementationStart": "2030-03-05T08:00:00Z",
        "implementationEnd": "2030-03-05T09:00:00Z",
        "status": "approved",
        "modifications": [
            *approved_path("2030-03-01T08:00:00Z", "2030-03-02T08:00:00Z"),
            delivered("alpha", "2030-03-04T20:00:00Z"),
        ],
    },
    # normal/medium at bravo, still waiting for approval
    "C5": {
        "customers": ["bravo"],
        "implementationStart": "2030-03-25T08:00:00Z",
        "implementationEnd": "2030-03-25T09:00:00Z",
        "status": "submitted",
        "modifications": [entry("created", "2030-03-10T08:00:00Z"), entry("submitted", "2030-03-10T08:00:00Z")],
    },
    # normal/low at alpha, cancelled before approval: a change of February all the same
    "C7": {
        "customers": ["alpha"],
        "risk": "low",
        "implementationStart": "2030-02-20T08:00:00Z",
        "implementationEnd": "2030-02-20T09:00:00Z",
        "status": "cancelled",
        "modifications": [
            entry("created", "2030-02-01T08:00:00Z"),
            entry("submitted", "2030-02-01T08:00:00Z"),
            entry("cancelled", "2030-02-02T08:00:00Z"),
        ],
    },
}
DRAFT: dict[str, Any] = {
    "customers": ["alpha"],
    "implementationStart": "2030-03-12T08:00:00Z",
    "implementationEnd": "2030-03-12T09:00:00Z",
    "status": "draft",
    "modifications": [entry("created", "2030-03-01T08:00:00Z")],
}


def seed(services: Services) -> dict[str, str]:
    """Store the data set; the change id of each name."""
    ids: dict[str, str] = {}
    for name, fields in [*SEED.items(), ("C6", DRAFT)]:
        change = make_change(changeTitle=f"Seeded change {name}", **fields)
        services.repository.create(change)
        ids[name] = change.id
    return ids
