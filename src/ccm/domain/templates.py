"""Standard change templates: changes the admins approved once, so that a change made from one unchanged is
approved on submission by the policy ("approved by standard template T-3")."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from ccm.domain.approval import Risk
from ccm.domain.stamps import Timestamp

TEMPLATE_ID = re.compile(r"^T-[1-9][0-9]{0,8}$")
PLAN_FIELDS = ("implementationPlan", "testPlan", "rollbackPlan")
"""What makes a change the template's: edit any of these and it is a normal change again."""


def template_number(template_id: str) -> int | None:
    return int(template_id[2:]) if TEMPLATE_ID.match(template_id) else None


class ChangeTemplate(BaseModel):
    model_config = ConfigDict(validate_by_name=False, validate_by_alias=True, serialize_by_alias=True, defer_build=True)

    id: str = Field(pattern=TEMPLATE_ID.pattern)
    name: str = Field(min_length=1, max_length=300)
    description: str = ""
    change_title: str = Field(default="", alias="changeTitle")
    change_reason: str = Field(default="", alias="changeReason")
    implementation_plan: str = Field(default="", alias="implementationPlan")
    test_plan: str = Field(default="", alias="testPlan")
    rollback_plan: str = Field(default="", alias="rollbackPlan")
    customer_impact: str = Field(default="", alias="customerImpact")
    risk: Risk = Risk.LOW
    retired: bool = False
    version: int = Field(default=1, ge=1)
    created_by: str = Field(alias="createdBy")
    created_at: Timestamp = Field(alias="createdAt")
    modified_by: str = Field(alias="modifiedBy")
    modified_at: Timestamp = Field(alias="modifiedAt")

    @property
    def label(self) -> str:
        return f"standard template {self.id}"

    def plans(self) -> dict[str, str]:
        return {key: value.strip() for key, value in self.model_dump(by_alias=True).items() if key in PLAN_FIELDS}

    def matches(self, document: dict[str, object]) -> bool:
        """Whether a change's plans are still exactly this template's (surrounding blanks aside)."""
        return all(str(document.get(key) or "").strip() == value for key, value in self.plans().items())

    def to_document(self) -> dict[str, object]:
        return self.model_dump(mode="json", by_alias=True)
