"""``ccm identity-center import``: bring every customer's SES contact list in line with its directory."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ccm.aws.customer_clients import CustomerClients, directory_key
from ccm.aws.ses_lists import ensure_contact_list, find_contact_list
from ccm.config import CustomerMapping, SesConfig
from ccm.contact_import.directory import Directory, IdentityCenterReader
from ccm.contact_import.record import GrantRecordStore
from ccm.contact_import.roles import TopicMapper
from ccm.contact_import.sync import Held, ImportPlan, apply_plan, desired_contacts, plan_import
from ccm.ses_admin.contacts import Contact, ContactList


@dataclass(frozen=True)
class ImportOptions:
    group_prefix: str
    dry_run: bool = False
    prune: bool = False
    user_name: str | None = None
    directory_workers: int = 4


@dataclass
class ImportResult:
    code: str
    identity_store_id: str
    users: int
    contacts_before: int
    list_outcome: str
    dry_run: bool
    created: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    kept: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    planned: dict[str, list[str]] = field(default_factory=dict)
    """Addresses per kind of change; in a dry run the whole plan, otherwise empty."""

    @property
    def problem(self) -> str | None:
        if not self.failed:
            return None
        return f"{self.failed} contact write(s) failed: " + "; ".join(self.errors)

    def as_document(self) -> dict[str, Any]:
        document = {
            "customer": self.code,
            "identity_store_id": self.identity_store_id,
            "users": self.users,
            "contacts_before": self.contacts_before,
            "contact_list": self.list_outcome,
            "dry_run": self.dry_run,
            "created": self.created,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "kept": self.kept,
            "failed": self.failed,
            "errors": self.errors,
        }
        if self.dry_run:
            document["planned"] = self.planned
        return document


class ImportProgress:
    """Hooks for a progress display; the default shows nothing."""

    def planned(self, code: str, writes: int) -> None:
        """The plan of one customer is known: ``writes`` SES writes will follow."""

    def wrote(self, code: str) -> None:
        """One SES contact write finished."""

    def note(self, code: str, message: str) -> None:
        """A step of a long read finished."""


class ContactImporter:
    """One run. Each directory is read once, however many customers it serves, and shared between threads."""

    def __init__(
        self,
        clients: CustomerClients,
        ses_config: SesConfig,
        records: GrantRecordStore,
        options: ImportOptions,
        progress: ImportProgress | None = None,
        held_elsewhere: Callable[[str], Held] | None = None,
    ) -> None:
        self.clients = clients
        self.ses_config = ses_config
        self.records = records
        self.options = options
        self.progress = progress or ImportProgress()
        self.held_elsewhere = held_elsewhere or (lambda code: {})
        """Customer code -> grants of the subscription file, which the import leaves alone."""
        self.mapper = TopicMapper(ses_config, options.group_prefix)
        self._directories: dict[tuple[str, str], Directory] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()

    def directory(self, customer: CustomerMapping) -> Directory:
        key = directory_key(customer)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._directories:
                sso_admin, store = self.clients.identity_center(customer)
                code = customer.customer_code
                reader = IdentityCenterReader(
                    sso_admin,
                    store,
                    workers=self.options.directory_workers,
                    progress=lambda message: self.progress.note(code, message),
                )
                user = self.options.user_name
                self._directories[key] = reader.read_user(user) if user else reader.read()
            return self._directories[key]

    def _contact_list(self, customer: CustomerMapping) -> tuple[ContactList | None, str]:
        ses = self.clients.ses(customer)
        if self.options.dry_run:
            name = find_contact_list(ses)
            return (ContactList(ses, name), "exists") if name else (None, "would-create")
        name, outcome = ensure_contact_list(ses, self.ses_config)
        return ContactList(ses, name), outcome

    def run(self, customer: CustomerMapping) -> ImportResult:
        directory = self.directory(customer)
        desired = desired_contacts(directory, self.mapper, self.options.user_name)
        contact_list, list_outcome = self._contact_list(customer)
        existing = contact_list.all_contacts() if contact_list else {}
        record = self.records.read(customer.customer_code)
        plan = plan_import(
            desired,
            existing,
            record.grants,
            self.ses_config.topic_names(),
            prune=self.options.prune,
            partial=self.options.user_name is not None,
            store_id=directory.identity_store_id,
            held=self.held_elsewhere(customer.customer_code),
        )
        result = ImportResult(
            code=customer.customer_code,
            identity_store_id=directory.identity_store_id,
            users=len(directory.users),
            contacts_before=len(existing),
            list_outcome=list_outcome,
            dry_run=self.options.dry_run,
            unchanged=plan.unchanged,
            kept=plan.kept,
        )
        if self.options.dry_run or contact_list is None:
            return self._as_planned(result, plan)
        self.progress.planned(customer.customer_code, plan.writes)
        applied = apply_plan(contact_list, plan, on_write=lambda: self.progress.wrote(customer.customer_code))
        result.created, result.updated, result.removed = applied.created, applied.updated, applied.removed
        result.failed, result.errors = applied.failed, applied.errors
        if plan.grants_after != record.grants:
            self.records.write(record, plan.grants_after)
        return result

    @staticmethod
    def _as_planned(result: ImportResult, plan: ImportPlan) -> ImportResult:
        def emails(contacts: list[Contact]) -> list[str]:
            return [contact.email for contact in contacts]

        result.created, result.updated, result.removed = len(plan.creates), len(plan.updates), len(plan.removals)
        result.planned = {
            "create": emails(plan.creates),
            "update": emails([after for _, after in plan.updates]),
            "remove": emails(plan.removals),
        }
        return result
