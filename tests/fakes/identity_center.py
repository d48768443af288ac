"""Seed moto's Identity Center quickly: straight into its backend, so thousands of users cost milliseconds."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

REGION = "us-east-1"


@dataclass(frozen=True)
class SeedUser:
    user_name: str
    email: str | None
    groups: Sequence[str]


def identity_store_id(account: str, region: str = REGION) -> str:
    from moto.ssoadmin.models import ssoadmin_backends

    return ssoadmin_backends[account][region].instances[0].identity_store_id


def role_group(org: str, role: str, account: str = "123456789012", app: str = "app") -> str:
    """A group in the shape the import reads roles from."""
    return f"ccoe-cloud-{org}-prod-{account}-idp-{app}-{role}"


class SeededDirectory:
    """One account's Identity Center directory, written through moto's backend objects."""

    def __init__(self, account: str, region: str = REGION) -> None:
        from moto.identitystore.models import identitystore_backends

        self.store_id = identity_store_id(account, region)
        self.backend = identitystore_backends[account][region]
        self.groups: dict[str, str] = {}
        self.user_ids: dict[str, str] = {}

    def _data(self) -> Any:
        from moto.identitystore.models import IdentityStoreData

        return self.backend.identity_stores.setdefault(self.store_id, IdentityStoreData())

    def group(self, name: str) -> str:
        if name not in self.groups:
            self.groups[name], _ = self.backend.create_group(self.store_id, name, "")
        return self.groups[name]

    def add_users(self, users: Iterable[SeedUser]) -> None:
        from moto.identitystore.models import Name, User

        data = self._data()
        for seed in users:
            user_id = str(uuid.uuid4())
            emails: list[Any] = [{"Value": seed.email, "Type": "work", "Primary": True}] if seed.email else []
            data.users[user_id] = User(
                UserId=user_id,
                IdentityStoreId=self.store_id,
                UserName=seed.user_name,
                Name=Name.from_dict({"GivenName": seed.user_name, "FamilyName": "User"}),
                DisplayName=seed.user_name,
                NickName="",
                ProfileUrl="",
                Emails=emails,
                Addresses=[],
                PhoneNumbers=[],
                UserType="",
                Title="",
                PreferredLanguage="",
                Locale="",
                Timezone="",
            )
            self.user_ids[seed.user_name] = user_id
            for group in seed.groups:
                self.join(seed.user_name, group)

    def join(self, user_name: str, group: str) -> None:
        membership = str(uuid.uuid4())
        self._data().group_memberships[membership] = {
            "IdentityStoreId": self.store_id,
            "MembershipId": membership,
            "GroupId": self.group(group),
            "MemberId": {"UserId": self.user_ids[user_name]},
        }

    def leave(self, user_name: str, group: str) -> None:
        data = self._data()
        group_id, user_id = self.groups[group], self.user_ids[user_name]
        for key, membership in list(data.group_memberships.items()):
            if membership["GroupId"] == group_id and membership["MemberId"]["UserId"] == user_id:
                del data.group_memberships[key]

    def remove_user(self, user_name: str) -> None:
        data = self._data()
        user_id = self.user_ids.pop(user_name)
        del data.users[user_id]
        for key, membership in list(data.group_memberships.items()):
            if membership["MemberId"]["UserId"] == user_id:
                del data.group_memberships[key]
