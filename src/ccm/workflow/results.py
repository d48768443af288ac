"""What a workflow mutation hands back: the object as stored now and the triggers it wrote."""

from __future__ import annotations

from dataclasses import dataclass, field

from ccm.storage.archive import Stored
from ccm.workflow.triggers import TriggerResult


@dataclass(frozen=True)
class Mutation:
    stored: Stored
    triggers: list[TriggerResult] = field(default_factory=list)
    created: bool = False

    @property
    def failed_triggers(self) -> list[TriggerResult]:
        return [result for result in self.triggers if not result.ok]
