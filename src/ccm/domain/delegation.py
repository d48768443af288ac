"""Delegation: an approver away names a substitute who decides in their place for a period of whole days (UTC)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

from pydantic import BaseModel, ConfigDict, Field

from ccm.domain.stamps import Timestamp


class Delegation(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    approver: str = Field(min_length=3)
    """Lower-cased address of the approver who is away."""
    delegate: str = Field(min_length=3)
    starts: date
    ends: date
    """The last day the delegate stands in (inclusive)."""
    approver_groups: tuple[str, ...] = ()
    """The approver's directory groups when they set it: the requirements the delegate may decide for."""
    set_at: Timestamp
    set_by: str | None = None
    """Who set it (the approver: nobody else may), so that the audit log names them; older rows lack it."""

    def active_on(self, day: date) -> bool:
        return self.starts <= day <= self.ends

    @property
    def notice_id(self) -> str:
        """The id of the notice that tells both about this delegation (one per setting of it)."""
        digest = hashlib.sha256(self.approver.encode()).hexdigest()[:20]
        return f"DLG-{digest}-{self.set_at:%Y%m%dT%H%M%S}"


def utc_day(now: datetime) -> date:
    """Delegation days are UTC days."""
    return now.astimezone(UTC).date()
