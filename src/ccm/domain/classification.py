"""How a change is classified: its type (how it is approved) and its risk.

Shared with the approval policies: the names and JSON values are fixed (``changeType``, ``risk``,
``emergencyJustification`` on changes; stored documents without them read as the defaults).
"""

from __future__ import annotations

from enum import StrEnum


class ChangeType(StrEnum):
    STANDARD = "standard"
    NORMAL = "normal"
    EMERGENCY = "emergency"


class Risk(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


DEFAULT_CHANGE_TYPE = ChangeType.NORMAL
DEFAULT_RISK = Risk.MEDIUM
