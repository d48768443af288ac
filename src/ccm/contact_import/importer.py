"""``ccm identity-center import``: bring every customer's SES contact list in line with its directory."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ccm.aws.customer_clients import CustomerClients, directory_key
from ccm.config import CustomerMapping, SesConfig
from ccm.contact_import.directory import Directory, IdentityCenterReader
from ccm.contact_import.record import GrantRecordStore
from ccm.contact_import.roles import TopicMapper
from ccm.contact_import.sync import Held, desired_contacts, plan_import
from ccm.ses_admin.contact_changes import ChangeCounts, WriteProgress, apply_changes, contact_list


@dataclass(frozen=True)
class ImportOptions:
    group_prefix: str
    dry_run: bool = False
    prune: bool = False
    user_name: str | None = None
    directory_workers: int = 4


@dataclass(kw_only=True)
class ImportResult(ChangeCounts):
    code: str
    identity_store_id: str
    users: int
    contacts_before: int
    list_outcome: str
    kept: int = 0

    def as_document(self) -> dict[str, Any]:
        return {
            "customer": self.code,
            "identity_store_id": self.identity_store_id,
            "users": self.users,
            "contacts_before": self.contacts_before,
            "contact_list": self.list_outcome,
            "dry_run": self.dry_run,
            "kept": self.kept,
            **self.counts_document(),
        }


class ImportProgress(WriteProgress):
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

    def run(self, customer: CustomerMapping) -> ImportResult:
        directory = self.directory(customer)
        desired = desired_contacts(directory, self.mapper, self.options.user_name)
        contacts, list_outcome = contact_list(self.clients.ses(customer), self.ses_config, dry_run=self.options.dry_run)
        existing = contacts.all_contacts() if contacts else {}
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
        if self.options.dry_run or contacts is None:
            result.add_plan(plan)
            return result
        code = customer.customer_code
        self.progress.planned(code, plan.writes)
        apply_changes(contacts, plan, result, on_write=lambda: self.progress.wrote(code))
        if plan.record_after != record.grants:
            self.records.write(record, plan.record_after)
        return result
