"""The approval policies the local stack runs with when config.json names none, so that `make dev` shows them:
a change advisory board of two for high-risk changes, and one customer (Papa Payments) with its own approver."""

from __future__ import annotations

from typing import Any

CAB_GROUP = "ccm-cab"
OWNERS_CUSTOMER = "papa"
OWNERS_GROUP = "papa-owners"


def demo_approval_policies(document: dict[str, Any]) -> dict[str, Any]:
    """The policies for a config.json document: its first allowed domain, and the owners only if the customer
    exists there."""
    domains = (document.get("authorization") or {}).get("allowed_email_domains") or ["example.com"]
    domain = str(domains[0]).lstrip("@")
    policies: dict[str, Any] = {
        "groups": {
            CAB_GROUP: {"label": "Change Advisory Board", "members": [f"cab-lead@{domain}", f"cab-member@{domain}"]},
        },
        "risk": {"high": [{"label": "CAB", "groups": [CAB_GROUP], "required": 2}]},
        "emergency_review_days": 3,
    }
    customers = document.get("customer_mappings") or {}
    if OWNERS_CUSTOMER in customers:
        name = customers[OWNERS_CUSTOMER].get("customer_name") or OWNERS_CUSTOMER
        label = f"{name} account owners"
        policies["groups"][OWNERS_GROUP] = {"label": label, "members": [f"{OWNERS_CUSTOMER}-owner@{domain}"]}
        policies["customers"] = {OWNERS_CUSTOMER: [{"label": label, "groups": [OWNERS_GROUP], "required": 1}]}
    return policies
