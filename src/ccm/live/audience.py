"""Who may hear of an object: whoever may read it through the API (``ccm.workflow.permissions.require_reader``).

Drafts are private to their owner and the administrators; everything else is visible to every signed-in user, so
they hear of it too. The event itself names no title, customer or text, yet even its existence is private for a
draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ccm.domain.objects import parse_document
from ccm.domain.status import Status
from ccm.errors import CcmError
from ccm.storage.live_connections import LiveConnection


@dataclass(frozen=True)
class Visibility:
    status: str
    owner: str

    @classmethod
    def of(cls, document: dict[str, Any]) -> Visibility:
        """Status and owner of an archive document; an unreadable one is treated as a draft nobody owns, so only
        administrators hear of it."""
        try:
            parsed = parse_document(document)
        except CcmError:
            return cls(Status.DRAFT.value, "")
        return cls(parsed.status.value, parsed.owner)

    def allows(self, connection: LiveConnection, admin_group: str) -> bool:
        if self.status != Status.DRAFT.value:
            return True
        if admin_group in connection.groups:
            return True
        return bool(self.owner) and connection.email.lower() == self.owner.lower()
