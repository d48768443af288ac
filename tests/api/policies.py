"""The configuration of the approval-policy tests: config.json plus a CAB, a customer with its own owners, and
people in those groups."""

from __future__ import annotations

from typing import Any

from ccm.config import AppConfig
from ccm.jsonfile import read_json
from tests.api.client import Identity
from tests.conftest import CONFIG_PATH

CAB_ONE = Identity("cab-one@example.com", ("ccm-cab",))
CAB_TWO = Identity("cab-two@example.com", ("ccm-cab",))
CAB_THREE = Identity("cab-three@example.com", ("ccm-cab",))
PAPA_OWNER = Identity("papa-owner@example.com", ("papa-owners",))
PAPA_DEPUTY = Identity("papa-deputy@example.com", ("papa-owners",))

POLICIES: dict[str, Any] = {
    "groups": {
        "ccm-cab": {
            "label": "Change Advisory Board",
            "members": [CAB_ONE.email, CAB_TWO.email, CAB_THREE.email],
        },
        "papa-owners": {"label": "Papa Payments account owners", "members": [PAPA_OWNER.email, PAPA_DEPUTY.email]},
    },
    "risk": {"high": [{"label": "CAB", "groups": ["ccm-cab"], "required": 2}]},
    "customers": {"papa": [{"label": "Papa Payments account owners", "groups": ["papa-owners"], "required": "all"}]},
    "emergency_review_days": 3,
}


def config_with(policies: dict[str, Any] | None = None, **authorization: Any) -> AppConfig:
    document = read_json(CONFIG_PATH)
    assert isinstance(document, dict)
    document["approval_policies"] = POLICIES if policies is None else policies
    document["authorization"] = {**document["authorization"], **authorization}
    return AppConfig.model_validate(document)
