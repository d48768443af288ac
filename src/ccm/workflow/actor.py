"""Who is acting, and in which role, as configured in ``config.json`` ``authorization``."""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from ccm.config import AuthorizationConfig
from ccm.workflow.errors import Forbidden, NotAuthenticated

_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


class Role(StrEnum):
    USER = "user"
    APPROVER = "approver"
    ADMIN = "admin"


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    email: str
    groups: frozenset[str] = frozenset()
    is_approver: bool = False
    is_admin: bool = False
    request_id: str | None = None
    """The request the actor made (the API's Lambda request id), recorded in the history entries it writes."""

    @classmethod
    def of(cls, email: str, groups: Iterable[str], authorization: AuthorizationConfig) -> Actor:
        """The verified caller; :class:`NotAuthenticated` if the email is unusable, :class:`Forbidden` by domain."""
        address = email.strip().lower()
        if not _EMAIL.match(address):
            raise NotAuthenticated("the identity header does not carry an email address")
        if not authorization.email_allowed(address):
            raise Forbidden(f"{address} is not in an allowed email domain")
        names = frozenset(group.strip() for group in groups if group.strip())
        is_admin = authorization.admin_group in names
        return cls(
            email=address,
            groups=names,
            is_admin=is_admin,
            is_approver=is_admin or authorization.approver_group in names,
        )

    @property
    def role(self) -> Role:
        if self.is_admin:
            return Role.ADMIN
        if self.is_approver:
            return Role.APPROVER
        return Role.USER

    def owns(self, owner: str) -> bool:
        return bool(owner) and owner.strip().lower() == self.email
