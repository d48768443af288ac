"""Customer feedback on the local stack's first run: a change completed through the real workflow, so its completion
email (with each subscriber's five rating links) lands in the outbox, and a few answers already given, so the
dashboard's feedback panel and the change's details show something at once.

The answers are written to the table as the public page writes them; their recipients are made-up hashes, since no
demo contact answered (the outbox's links record real ones when clicked).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ccm.config import AppConfig
from ccm.domain.feedback import Answer, recipient_hash
from ccm.domain.status import Status
from ccm.domain.times import format_rfc3339
from ccm.storage.archive import ArchiveStore
from ccm.storage.catalog import Catalog
from ccm.storage.feedback import DynamoFeedback
from ccm.storage.repository import Repository
from ccm.workflow import Actor, Services, submit, transition
from ccm.workflow.commands import ChangeSubmission

REQUESTER = "requester@example.com"
APPROVER = "approver@example.com"
TITLE = "Replace the VPN gateways"
ANSWERS = (
    (5, "Smooth, we did not notice a thing."),
    (4, ""),
    (2, "Our VPN dropped for ten minutes, longer than announced."),
)


def seed_demo_feedback(config: AppConfig, bucket: str, table: str, now: datetime) -> str:
    """Complete the demo change and record its first answers; its id."""
    services = Services(Repository(ArchiveStore(bucket), Catalog(table)), config, clock=lambda: now)
    requester = Actor.of(REQUESTER, [], config.authorization)
    approver = Actor.of(APPROVER, [config.authorization.approver_group], config.authorization)
    customer = "alpha" if "alpha" in config.customer_mappings else config.customer_codes[0]
    start = now - timedelta(hours=6)
    change = ChangeSubmission.model_validate(
        {
            "changeTitle": TITLE,
            "changeReason": "The VPN gateways reach the end of their support.",
            "implementationPlan": "Bring up the new gateways beside the old ones, move the tunnels, remove the old.",
            "customerImpact": "Tunnels reconnect once, within a minute.",
            "customers": [customer],
            "timezone": "Europe/Berlin",
            "implementationStart": format_rfc3339(start),
            "implementationEnd": format_rfc3339(start + timedelta(hours=2)),
        }
    )
    change_id = submit(services, requester, change).stored.obj.id
    transition(services, approver, change_id, Status.APPROVED, kind="change")
    completed = transition(services, approver, change_id, Status.COMPLETED, kind="change").stored.obj
    store = DynamoFeedback(table)
    for number, (rating, comment) in enumerate(ANSWERS):
        at = now - timedelta(hours=2, minutes=10 * number)
        store.record(
            Answer(
                object_id=change_id,
                kind="change",
                version=completed.version,
                customer_code=customer,
                recipient_hash=recipient_hash(change_id, customer, f"demo-answer-{number}@{customer}.example.com"),
                rating=rating,
                comment=comment,
                answered_at=at,
                first_answered_at=at,
                title=TITLE,
            )
        )
    return change_id
