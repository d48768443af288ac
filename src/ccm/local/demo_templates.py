"""A standard change template for the local stack's first start, so that a change made from it shows the
standard route (approved on submission) without an administrator having to write one first."""

from __future__ import annotations

from datetime import datetime

from ccm.config import AppConfig
from ccm.domain.approval import Risk
from ccm.domain.templates import ChangeTemplate
from ccm.storage.templates import TemplateStore

DEMO_TEMPLATE = {
    "name": "Rotate the TLS certificates of a load balancer",
    "description": "The quarterly rotation: the same steps every time, approved once by the administrators.",
    "changeTitle": "Rotate the TLS certificates of the load balancers",
    "changeReason": "The certificates are rotated every quarter, before they expire.",
    "implementationPlan": "Import the new certificate into ACM, then switch each HTTPS listener to it.",
    "testPlan": "Check the certificate each endpoint presents and its expiry date.",
    "rollbackPlan": "Switch the listeners back to the previous certificate, which stays imported for a week.",
    "customerImpact": "None: connections in flight are kept.",
}


def seed_demo_template(templates: TemplateStore, config: AppConfig, now: datetime) -> str | None:
    """Add the demo template unless there is one already; its id, or ``None`` when nothing was added."""
    if templates.every():
        return None
    admin = f"admin@{config.authorization.allowed_email_domains[0]}"
    template = ChangeTemplate.model_validate(
        {
            **DEMO_TEMPLATE,
            "id": templates.next_id(),
            "risk": Risk.LOW,
            "createdBy": admin,
            "createdAt": now,
            "modifiedBy": admin,
            "modifiedAt": now,
        }
    )
    templates.save(template)
    return template.id
