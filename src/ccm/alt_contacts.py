"""Alternate contacts (security, billing, operations) on every account of each customer's organization.

Contact details come from ``contact_config`` in config.json (or a ContactConfig.json file with the same keys:
``security_email``, ``security_name``, ``security_title``, ``security_phone``, likewise ``billing_`` and
``operations_``); a type is applied only when its email is set. Accounts are read from Organizations to the
last page through a role in the organization's management account.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ccm.aws.clients import error_code
from ccm.config import AppConfig, CustomerMapping
from ccm.errors import CcmError, ConfigError

if TYPE_CHECKING:
    from mypy_boto3_account import AccountClient
    from mypy_boto3_account.literals import AlternateContactTypeType
    from mypy_boto3_organizations import OrganizationsClient

CONTACT_TYPES: tuple[AlternateContactTypeType, ...] = ("SECURITY", "BILLING", "OPERATIONS")
_ROLE_ACCOUNT = 4


class NoAltContactRole(CcmError):
    def __init__(self, code: str) -> None:
        super().__init__(
            f"customer {code} has neither alt_contact_role_arn nor identity_center_role_arn (whose account is taken "
            "as the organization's management account)"
        )


class UnknownContactType(CcmError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown contact type {name!r}; use security, billing or operations")


@dataclass(frozen=True)
class AlternateContact:
    type: AlternateContactTypeType
    name: str
    title: str
    email: str
    phone: str


def contacts_from(values: Mapping[str, str]) -> list[AlternateContact]:
    contacts = []
    for contact_type in CONTACT_TYPES:
        prefix = contact_type.lower()
        email = values.get(f"{prefix}_email", "").strip()
        if email:
            contacts.append(
                AlternateContact(
                    contact_type,
                    values.get(f"{prefix}_name", "").strip(),
                    values.get(f"{prefix}_title", "").strip(),
                    email,
                    values.get(f"{prefix}_phone", "").strip(),
                )
            )
    return contacts


def load_contacts(config: AppConfig, path: Path | None) -> list[AlternateContact]:
    values: Mapping[str, Any] = config.contact_config
    if path is not None:
        try:
            values = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: file not found") from None
        except (OSError, json.JSONDecodeError) as error:
            raise ConfigError(f"{path}: not readable JSON: {error}") from None
        if not isinstance(values, dict):
            raise ConfigError(f"{path.name}: (top level): must be a JSON object")
    source = str(path) if path else "config.json contact_config"
    contacts = contacts_from({str(k): str(v) for k, v in values.items()})
    if not contacts:
        raise ConfigError(f"{source}: no contact type has an email address")
    for contact in contacts:
        # AWS requires every field of an alternate contact.
        missing = [key for key in ("name", "title", "phone") if not getattr(contact, key)]
        if missing:
            keys = ", ".join(f"{contact.type.lower()}_{key}" for key in missing)
            raise ConfigError(f"{source}: {contact.type.lower()}_email is set, so {keys} must be set too")
    return contacts


def contact_types(names: Iterable[str]) -> list[AlternateContactTypeType]:
    wanted: list[AlternateContactTypeType] = []
    for name in names:
        match = next((t for t in CONTACT_TYPES if t == name.strip().upper()), None)
        if match is None:
            raise UnknownContactType(name)
        wanted.append(match)
    return list(dict.fromkeys(wanted))


def alt_contact_role(config: AppConfig, customer: CustomerMapping) -> str:
    if customer.alt_contact_role_arn:
        return customer.alt_contact_role_arn
    if customer.identity_center_role_arn:
        account = customer.identity_center_role_arn.split(":")[_ROLE_ACCOUNT]
        return f"arn:aws:iam::{account}:role/{config.alt_contact_role_name}"
    raise NoAltContactRole(customer.customer_code)


@dataclass(frozen=True)
class ContactOutcome:
    account_id: str
    account_name: str
    type: str
    outcome: str

    def as_document(self) -> dict[str, str]:
        return {"account_id": self.account_id, "account": self.account_name, "type": self.type, "outcome": self.outcome}


class Organization:
    def __init__(self, organizations: OrganizationsClient, account: AccountClient, management_account_id: str) -> None:
        self.organizations = organizations
        self.account = account
        self.management_account_id = management_account_id

    def accounts(self) -> list[tuple[str, str]]:
        """Active member accounts (id, name), every page."""
        pages = self.organizations.get_paginator("list_accounts").paginate()
        return [
            (raw["Id"], raw.get("Name", raw["Id"]))
            for page in pages
            for raw in page["Accounts"]
            if raw.get("Status", "ACTIVE") == "ACTIVE"
        ]

    def _target(self, account_id: str) -> dict[str, str]:
        # The management account manages its own contacts only without AccountId.
        return {} if account_id == self.management_account_id else {"AccountId": account_id}

    def current(self, account_id: str, contact_type: AlternateContactTypeType) -> dict[str, str] | None:
        try:
            raw = self.account.get_alternate_contact(AlternateContactType=contact_type, **self._target(account_id))
        except ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                return None
            raise
        contact = raw["AlternateContact"]
        return {
            "name": contact.get("Name", ""),
            "title": contact.get("Title", ""),
            "email": contact.get("EmailAddress", ""),
            "phone": contact.get("PhoneNumber", ""),
        }

    def set(self, contacts: list[AlternateContact], *, overwrite: bool, dry_run: bool) -> list[ContactOutcome]:
        outcomes = []
        prefix = "would-" if dry_run else ""
        for account_id, name in self.accounts():
            for contact in contacts:
                current = self.current(account_id, contact.type)
                wanted = {"name": contact.name, "title": contact.title, "email": contact.email, "phone": contact.phone}
                if current == wanted:
                    outcome = "unchanged"
                elif current is not None and not overwrite:
                    outcome = "kept"
                else:
                    outcome = prefix + ("updated" if current else "added")
                    if not dry_run:
                        self.account.put_alternate_contact(
                            AlternateContactType=contact.type,
                            Name=contact.name,
                            Title=contact.title,
                            EmailAddress=contact.email,
                            PhoneNumber=contact.phone,
                            **self._target(account_id),
                        )
                outcomes.append(ContactOutcome(account_id, name, contact.type, outcome))
        return outcomes

    def delete(self, types: list[AlternateContactTypeType], *, dry_run: bool) -> list[ContactOutcome]:
        outcomes = []
        for account_id, name in self.accounts():
            for contact_type in types:
                if self.current(account_id, contact_type) is None:
                    outcome = "absent"
                elif dry_run:
                    outcome = "would-delete"
                else:
                    self.account.delete_alternate_contact(AlternateContactType=contact_type, **self._target(account_id))
                    outcome = "deleted"
                outcomes.append(ContactOutcome(account_id, name, contact_type, outcome))
        return outcomes

    def show(self) -> list[ContactOutcome]:
        outcomes = []
        for account_id, name in self.accounts():
            for contact_type in CONTACT_TYPES:
                current = self.current(account_id, contact_type)
                outcomes.append(ContactOutcome(account_id, name, contact_type, current["email"] if current else "-"))
        return outcomes
