"""Demo changes made on the local stack's first run, so the clock has something to do while one watches.

Both go through the real workflow (submitted by the demo requester, approved by the demo approver), so their
approval emails, meeting and triggers are what any change gets:

* one whose window starts in just under an hour: its one-hour reminder is due at once (the clock hands it over
  within its first run), its one-day reminder is recorded as too late;
* one whose window ended an hour and a half ago and is still approved: the requester's first nudge is due at
  once, and the dashboard lists it as overdue.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ccm.config import AppConfig
from ccm.domain.status import Status
from ccm.domain.times import format_rfc3339
from ccm.storage.archive import ArchiveStore
from ccm.storage.catalog import Catalog
from ccm.storage.repository import Repository
from ccm.workflow import Actor, Services, submit, transition
from ccm.workflow.commands import ChangeSubmission

REQUESTER = "requester@example.com"
APPROVER = "approver@example.com"
DEMO_REMINDERS = ["P1D", "PT1H"]
"""The local config's reminder offsets when config.json names none (``ccm.local.local_config``)."""


def _window(start: datetime, hours: int) -> dict[str, str]:
    return {
        "implementationStart": format_rfc3339(start),
        "implementationEnd": format_rfc3339(start + timedelta(hours=hours)),
    }


def demo_changes(now: datetime, customers: list[str]) -> list[ChangeSubmission]:
    soon = now + timedelta(hours=1) - timedelta(minutes=2)
    ended = now - timedelta(hours=3, minutes=30)
    common = {"customers": customers, "timezone": "Europe/Berlin", "customerImpact": "No downtime expected"}
    return [
        ChangeSubmission.model_validate(
            {
                "changeTitle": "Renew the edge certificates",
                "changeReason": "The certificates of the edge load balancers expire this week.",
                "implementationPlan": "Upload the new certificates, switch the listeners one at a time.",
                "include_meeting": True,
                **common,
                **_window(soon, 1),
            }
        ),
        ChangeSubmission.model_validate(
            {
                "changeTitle": "Patch the database hosts",
                "changeReason": "Monthly operating system patches.",
                "implementationPlan": "Patch the replicas, fail over, patch the former primary.",
                **common,
                **_window(ended, 2),
            }
        ),
    ]


def seed_demo_changes(config: AppConfig, bucket: str, table: str, now: datetime) -> list[str]:
    """Submit and approve the demo changes; their ids."""
    services = Services(Repository(ArchiveStore(bucket), Catalog(table)), config, clock=lambda: now)
    requester = Actor.of(REQUESTER, [], config.authorization)
    approver = Actor.of(APPROVER, [config.authorization.approver_group], config.authorization)
    wanted: list[str] = [code for code in ("alpha", "xray") if code in config.customer_mappings]
    customers = wanted or config.customer_codes[:1]
    made = []
    for change in demo_changes(now, customers):
        change_id = submit(services, requester, change).stored.obj.id
        transition(services, approver, change_id, Status.APPROVED, kind="change")
        made.append(change_id)
    return made
