"""What a client sends to decide on an object, to delegate, and to keep standard change templates.

Like :mod:`ccm.workflow.commands`, these are the API's request bodies (and so its OpenAPI document).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from ccm.domain.approval import Risk
from ccm.workflow.commands import SHORT, TEXT

COMMENT_LIMIT = 2000
"""Characters of an approver's comment or a rejection's reason (it is mailed and shown in every checklist)."""
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")

Comment = Annotated[str, StringConstraints(max_length=COMMENT_LIMIT)]
Address = Annotated[str, StringConstraints(max_length=254)]


def _address(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    address = value.strip().lower()
    if not _EMAIL.match(address):
        raise ValueError(f"{value!r} is not an email address")
    return address


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class ApprovalCommand(_Body):
    """An approval, with an optional comment. ``onBehalfOf`` chooses whose approval a delegate gives when they
    stand in for someone (default: their own if it counts, else the approver they stand in for)."""

    comment: Comment | None = None
    onBehalfOf: Address | None = Field(default=None, description="the approver you stand in for")

    @field_validator("onBehalfOf")
    @classmethod
    def _on_behalf(cls, value: str | None) -> str | None:
        return _address(value)

    @property
    def text(self) -> str:
        return (self.comment or "").strip()


class RejectionCommand(_Body):
    """A rejection: the reason is required, and is mailed to the requester."""

    reason: Comment
    onBehalfOf: Address | None = Field(default=None, description="the approver you stand in for")

    @field_validator("onBehalfOf")
    @classmethod
    def _on_behalf(cls, value: str | None) -> str | None:
        return _address(value)

    @field_validator("reason")
    @classmethod
    def _said_something(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("say why it is rejected; the requester is told")
        return value.strip()


class DelegationCommand(_Body):
    """``PUT /api/user/delegation``: who decides in your place, from and until which day (UTC, inclusive)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)

    delegate: Address
    starts: date = Field(alias="from")
    ends: date = Field(alias="until")

    @field_validator("delegate")
    @classmethod
    def _delegate(cls, value: str) -> str:
        address = _address(value)
        if address is None:
            raise ValueError("name the colleague who decides in your place")
        return address

    @model_validator(mode="after")
    def _in_order(self) -> DelegationCommand:
        if self.ends < self.starts:
            raise ValueError("until must not be before from")
        return self


Name = Annotated[str, StringConstraints(min_length=1, max_length=SHORT)]
Long = Annotated[str, StringConstraints(max_length=TEXT)]


class TemplateCommand(_Body):
    """A standard change template: what a change made from it says. Changes keep its plans to stay standard."""

    name: Name
    description: Long = ""
    changeTitle: Annotated[str, StringConstraints(max_length=SHORT)] = ""
    changeReason: Long = ""
    implementationPlan: Long = ""
    testPlan: Long = ""
    rollbackPlan: Long = ""
    customerImpact: Long = ""
    risk: Risk = Risk.LOW

    @field_validator("name")
    @classmethod
    def _named(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a template needs a name")
        return value.strip()

    @model_validator(mode="after")
    def _has_a_plan(self) -> TemplateCommand:
        if not self.implementationPlan.strip():
            raise ValueError("implementationPlan: a standard change template says how the change is made")
        return self

    def fields(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
