"""Who a meeting invites, from each customer's subscribers of the meeting topic: one rule for the backend, which
creates the meeting, and for the portal's audience preview, which says beforehand whether there will be one.

* Customers with Teams (when a Teams calendar is configured) are attendees of the Teams meeting, with the addresses
  listed by hand in the object's ``attendees`` that every involved customer's allow-list admits.
* The others get the invitation by email, each from its own SES.
* Nobody in either group: no meeting is made.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ccm.config import AppConfig

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Invitees:
    """Who is invited: Teams attendees, and the customers who get the invitation by email instead."""

    teams: tuple[str, ...]
    by_email: tuple[str, ...]
    email_recipients: int

    @property
    def nobody(self) -> bool:
        return not self.teams and self.email_recipients == 0

    @property
    def count(self) -> int:
        return len(self.teams) + self.email_recipients


def invitees(
    config: AppConfig,
    customers: Sequence[str],
    recipients: Mapping[str, Sequence[str]],
    listed: Sequence[str],
    *,
    teams_available: bool,
) -> Invitees:
    """``recipients``: each customer's recipients of the meeting topic (after its allow-list and suppression list);
    ``listed``: addresses added by hand; ``teams_available``: whether a Teams calendar is configured."""
    codes = [code for code in customers if code in config.customer_mappings]
    teams = [code for code in codes if teams_available and config.customer(code).uses_teams]
    by_email = [code for code in codes if code not in teams]
    attendees: dict[str, str] = {}
    for code in teams:
        for address in recipients.get(code, []):
            attendees.setdefault(address.lower(), address)
    if teams:
        # Listed by hand: only people every involved customer's allow-list admits (the non-prod failsafe).
        mappings = [config.customer(code) for code in codes]
        for address in listed:
            if all(mapping.allows_recipient(address) for mapping in mappings):
                attendees.setdefault(address.lower(), address)
    return Invitees(
        teams=tuple(sorted(attendees.values(), key=str.lower)),
        by_email=tuple(by_email),
        email_recipients=sum(len(recipients.get(code, [])) for code in by_email),
    )
