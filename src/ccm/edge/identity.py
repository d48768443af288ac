"""Who a validated assertion signs in: the email and the groups that go into the session and the headers."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ccm.edge.edge_config import EdgeConfig

# One address, no whitespace or control characters: it travels in an HTTP header to the API.
_EMAIL = re.compile(
    r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$"
)
_GROUP = re.compile(r"^[^,\x00-\x1f\x7f]{1,128}$")


class IdentityRejected(Exception):
    """The assertion is genuine but names nobody this portal admits."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class SignedInUser:
    email: str
    groups: tuple[str, ...]


def identify(config: EdgeConfig, name_id: str | None, attributes: Mapping[str, Sequence[str]]) -> SignedInUser:
    email = _email(config, name_id, attributes)
    if not config.email_allowed(email):
        raise IdentityRejected(f"{email} is not in an allowed email domain ({', '.join(config.allowed_email_domains)})")
    groups: list[str] = []
    if config.groups_attribute:
        for value in attributes.get(config.groups_attribute, ()):
            group = value.strip()
            if _GROUP.match(group) and group not in groups:
                groups.append(group)
    return SignedInUser(email, config.keep_groups(groups))


def _email(config: EdgeConfig, name_id: str | None, attributes: Mapping[str, Sequence[str]]) -> str:
    if config.email_attribute:
        values = [value for value in attributes.get(config.email_attribute, ()) if value.strip()]
        if len(values) != 1:
            raise IdentityRejected(f"the assertion must carry exactly one {config.email_attribute!r} attribute value")
        candidate = values[0]
    else:
        candidate = name_id or ""
    email = candidate.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise IdentityRejected(f"the assertion names {candidate[:80]!r}, which is not an email address")
    return email
