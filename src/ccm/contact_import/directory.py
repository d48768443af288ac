"""One read of an Identity Center directory: users, groups and which users are in which groups.

Memberships are read per group (``ListGroupMemberships``), not per user: a directory has far fewer groups
than users, so a run costs about ``users/100 + groups`` requests instead of one or more per user.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ccm.errors import CcmError

if TYPE_CHECKING:
    from mypy_boto3_identitystore import IdentityStoreClient
    from mypy_boto3_sso_admin import SSOAdminClient

PAGE_SIZE = 100
"""The most Identity Center returns per page."""


class DirectoryError(CcmError):
    """The directory cannot be read as configured (no instance, several instances, unknown user)."""


@dataclass(frozen=True)
class DirectoryUser:
    user_id: str
    user_name: str
    display_name: str
    email: str | None
    given_name: str = ""
    family_name: str = ""

    def as_document(self) -> dict[str, Any]:
        """The user as the original tool's user dump wrote it (``identity-center-users-*.json``)."""
        return {
            "user_id": self.user_id,
            "user_name": self.user_name,
            "display_name": self.display_name,
            "email": self.email or "",
            "given_name": self.given_name,
            "family_name": self.family_name,
            "active": True,
        }


@dataclass
class Directory:
    identity_store_id: str
    users: list[DirectoryUser]
    groups: dict[str, str]
    """Group id -> display name."""
    members: dict[str, list[str]] = field(default_factory=dict)
    """User id -> ids of the groups the user belongs to."""

    def group_names_of(self, user_id: str) -> list[str]:
        return sorted(self.groups.get(group_id, group_id) for group_id in self.members.get(user_id, []))

    def memberships_document(self) -> list[dict[str, Any]]:
        """User-centric memberships as the original tool wrote them (``identity-center-group-memberships-…``)."""
        return [
            {
                "user_id": user.user_id,
                "user_name": user.user_name,
                "display_name": user.display_name,
                "email": user.email or "",
                "groups": self.group_names_of(user.user_id),
            }
            for user in self.users
        ]

    @property
    def membership_count(self) -> int:
        return sum(len(groups) for groups in self.members.values())


def _primary_email(user: Any) -> str | None:
    emails = [entry for entry in user.get("Emails") or [] if entry.get("Value")]
    primary = next((entry for entry in emails if entry.get("Primary")), None)
    chosen = primary or (emails[0] if emails else None)
    return str(chosen["Value"]).strip() if chosen else None


def _user(raw: Any) -> DirectoryUser:
    name = raw.get("Name") or {}
    return DirectoryUser(
        user_id=raw["UserId"],
        user_name=raw.get("UserName", ""),
        display_name=raw.get("DisplayName") or raw.get("UserName", ""),
        email=_primary_email(raw),
        given_name=name.get("GivenName", ""),
        family_name=name.get("FamilyName", ""),
    )


class IdentityCenterReader:
    """Reads one directory through an Identity Center role (clients already rate limited by the caller)."""

    def __init__(
        self,
        sso_admin: SSOAdminClient,
        identitystore: IdentityStoreClient,
        *,
        workers: int = 4,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self._sso_admin = sso_admin
        self._store = identitystore
        self._workers = max(1, workers)
        self._progress = progress or (lambda message: None)

    def identity_store_id(self) -> str:
        instances = [
            instance
            for page in self._sso_admin.get_paginator("list_instances").paginate()
            for instance in page.get("Instances", [])
        ]
        if len(instances) != 1:
            arns = ", ".join(instance.get("InstanceArn", "?") for instance in instances) or "none"
            raise DirectoryError(f"expected exactly one Identity Center instance, found {len(instances)} ({arns})")
        return instances[0]["IdentityStoreId"]

    def users(self, store_id: str) -> list[DirectoryUser]:
        pages = self._store.get_paginator("list_users").paginate(
            IdentityStoreId=store_id, PaginationConfig={"PageSize": PAGE_SIZE}
        )
        return [_user(raw) for page in pages for raw in page.get("Users", [])]

    def user_named(self, store_id: str, user_name: str) -> DirectoryUser:
        try:
            user_id = self._store.get_user_id(
                IdentityStoreId=store_id,
                AlternateIdentifier={
                    # The API takes any JSON value here; the stubs only know objects.
                    "UniqueAttribute": {"AttributePath": "userName", "AttributeValue": user_name}  # type: ignore[typeddict-item]
                },
            )["UserId"]
        except self._store.exceptions.ResourceNotFoundException:
            raise DirectoryError(f"no user named {user_name!r} in directory {store_id}") from None
        return _user(self._store.describe_user(IdentityStoreId=store_id, UserId=user_id))

    def groups(self, store_id: str) -> dict[str, str]:
        pages = self._store.get_paginator("list_groups").paginate(
            IdentityStoreId=store_id, PaginationConfig={"PageSize": PAGE_SIZE}
        )
        return {
            group["GroupId"]: group.get("DisplayName", group["GroupId"]) for page in pages for group in page["Groups"]
        }

    def _members_of(self, store_id: str, group_id: str) -> tuple[str, list[str]]:
        pages = self._store.get_paginator("list_group_memberships").paginate(
            IdentityStoreId=store_id, GroupId=group_id, PaginationConfig={"PageSize": PAGE_SIZE}
        )
        users = [
            membership["MemberId"]["UserId"]
            for page in pages
            for membership in page.get("GroupMemberships", [])
            if "UserId" in membership.get("MemberId", {})
        ]
        return group_id, users

    def memberships(self, store_id: str, group_ids: Iterable[str]) -> dict[str, list[str]]:
        by_user: dict[str, list[str]] = defaultdict(list)
        ids = list(group_ids)
        with ThreadPoolExecutor(max_workers=self._workers) as pool:
            for done, (group_id, users) in enumerate(pool.map(lambda g: self._members_of(store_id, g), ids), 1):
                for user_id in users:
                    by_user[user_id].append(group_id)
                if done % 50 == 0 or done == len(ids):
                    self._progress(f"memberships of {done}/{len(ids)} groups read")
        return dict(by_user)

    def read(self) -> Directory:
        store_id = self.identity_store_id()
        users = self.users(store_id)
        self._progress(f"{len(users)} users read from {store_id}")
        groups = self.groups(store_id)
        self._progress(f"{len(groups)} groups read from {store_id}")
        return Directory(store_id, users, groups, self.memberships(store_id, groups))

    def read_user(self, user_name: str) -> Directory:
        """Only one user and that user's groups (``--username``): a handful of calls, whatever the directory size."""
        store_id = self.identity_store_id()
        user = self.user_named(store_id, user_name)
        pages = self._store.get_paginator("list_group_memberships_for_member").paginate(
            IdentityStoreId=store_id, MemberId={"UserId": user.user_id}, PaginationConfig={"PageSize": PAGE_SIZE}
        )
        group_ids = [membership["GroupId"] for page in pages for membership in page.get("GroupMemberships", [])]
        groups = {group_id: self._group_name(store_id, group_id) for group_id in group_ids}
        return Directory(store_id, [user], groups, {user.user_id: group_ids})

    def _group_name(self, store_id: str, group_id: str) -> str:
        return self._store.describe_group(IdentityStoreId=store_id, GroupId=group_id).get("DisplayName", group_id)


def iter_users_with_groups(directory: Directory) -> Iterator[tuple[DirectoryUser, list[str]]]:
    for user in directory.users:
        yield user, directory.group_names_of(user.user_id)
