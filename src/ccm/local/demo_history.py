"""Half a year of past changes for the local stack's first start, so the reports page has something to show.

They are written to the archive as finished work (each with its history: created, submitted, approved, the
backend's delivery summaries, completed with an outcome), so no email goes out: only the audit function sees
them, writes their audit events and adds them to the monthly report sums. Chosen by a fixed seed, relative to
the day the stack first starts: every window lies in one of the six calendar months before that day's month.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from ccm.config import AppConfig
from ccm.domain.ids import new_change_id
from ccm.domain.objects import parse_document
from ccm.domain.times import format_rfc3339
from ccm.storage.repository import Repository

CHANGES_PER_MONTH = 6
MONTHS = 6
TITLES = (
    "Rotate load balancer certificates",
    "Upgrade the Kubernetes control plane",
    "Patch the database engine",
    "Move backups to a new vault",
    "Renew the VPN gateways",
    "Resize the message brokers",
    "Replace the NAT gateways",
    "Enable encryption at rest on the caches",
)
KINDS = (("normal", 6), ("standard", 3), ("emergency", 1))
RISKS = (("low", 4), ("medium", 4), ("high", 2))
OUTCOMES = (("successful", 14), ("successful_with_issues", 3), ("rolled_back", 2), ("failed", 1))


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([value for value, _ in weighted], [weight for _, weight in weighted])[0]


def _entry(kind: str, at: datetime, user: str, **more: Any) -> dict[str, Any]:
    return {"modification_type": kind, "timestamp": format_rfc3339(at), "user_id": user, **more}


def _month_start(now: datetime, months_back: int) -> datetime:
    """The first moment of the calendar month ``months_back`` before ``now``'s (UTC)."""
    index = now.year * 12 + now.month - 1 - months_back
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def demo_changes(config: AppConfig, now: datetime, seed: int = 24) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    codes = config.customer_codes[:6]
    documents = []
    for month in range(MONTHS, 0, -1):
        for _ in range(CHANGES_PER_MONTH):
            start = _month_start(now, month) + timedelta(days=rng.randint(0, 27), hours=rng.randint(6, 20))
            change_type, risk = _pick(rng, KINDS), _pick(rng, RISKS)
            submitted = start - timedelta(days=rng.randint(2, 12), hours=rng.randint(0, 20))
            if change_type == "emergency":
                submitted = start - timedelta(hours=rng.randint(3, 10))
            approved = submitted + timedelta(hours=rng.choice((1, 2, 3, 5, 8, 20, 30, 48)))
            if approved >= start:
                approved = start - timedelta(hours=2)
            customers = sorted(rng.sample(codes, rng.randint(1, 3)))
            outcome = _pick(rng, OUTCOMES)
            history = [
                _entry("created", submitted - timedelta(hours=1), "requester@example.com"),
                _entry("submitted", submitted, "requester@example.com"),
                _entry("approved", approved, "approver@example.com"),
                *(
                    _entry("processed", approved + timedelta(minutes=2 + i), "backend", customer_code=code)
                    for i, code in enumerate(customers)
                ),
            ]
            completed = start + timedelta(hours=2)
            note = "" if outcome == "successful" else rng.choice(("Took longer than planned", "Undone after errors"))
            history.append(
                _entry("completed", completed, "requester@example.com", outcome=outcome, comment=note or None)
            )
            documents.append(
                {
                    "object_type": "change",
                    "changeId": new_change_id(),
                    "changeTitle": rng.choice(TITLES),
                    "changeType": change_type,
                    "risk": risk,
                    "customers": customers,
                    "changeReason": "Routine platform maintenance",
                    "implementationStart": format_rfc3339(start),
                    "implementationEnd": format_rfc3339(start + timedelta(hours=2)),
                    "timezone": "UTC",
                    "status": "completed",
                    "version": 3,
                    "outcome": outcome,
                    **({"outcomeNote": note} if note else {}),
                    "createdBy": "requester@example.com",
                    "createdAt": format_rfc3339(submitted - timedelta(hours=1)),
                    "submittedBy": "requester@example.com",
                    "submittedAt": format_rfc3339(submitted),
                    "approvedBy": "approver@example.com",
                    "approvedAt": format_rfc3339(approved),
                    "completedBy": "requester@example.com",
                    "completedAt": format_rfc3339(completed),
                    "modifiedBy": "requester@example.com",
                    "modifiedAt": format_rfc3339(completed),
                    "modifications": history,
                }
            )
    return documents


def seed_change_history(repository: Repository, config: AppConfig, now: datetime) -> int:
    """Store the demo's past changes (archive and catalog); how many."""
    documents = demo_changes(config, now)
    for document in documents:
        repository.create(parse_document(document), "archive")
    return len(documents)
