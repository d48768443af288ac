"""``ccm ses subscriptions apply``: bring each customer's SES contact list in line with SubscriptionConfig.json.

One run per customer: read the subscription record and the import's record (S3), the contact list (every page,
through the customer's rate-limited SES client), plan the difference, write only that, then the record if it
changed. A customer the file does not concern (nothing listed, nothing granted before) costs no SES call.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ccm.aws.customer_clients import CustomerClients
from ccm.config import CustomerMapping, SesConfig
from ccm.ses_admin.contact_changes import ChangeCounts, WriteProgress, apply_changes, contact_list
from ccm.ses_admin.contacts import Contact, ContactList
from ccm.ses_admin.subscription_plan import AddedMeanwhile, plan_subscriptions
from ccm.ses_admin.subscription_record import SubscriptionRecordStore
from ccm.subscription_config import SubscriptionConfig

HeldElsewhere = Callable[[str], Mapping[str, Collection[str]]]
"""Customer code -> the grants another tool recorded (the Identity Center import's), which are never withdrawn."""


@dataclass(frozen=True)
class ApplyOptions:
    dry_run: bool = False
    prune: bool = False


@dataclass(kw_only=True)
class SubscriptionResult(ChangeCounts):
    code: str
    listed: int
    contacts_before: int = 0
    list_outcome: str = "not needed"
    unsubscribed: list[str] = field(default_factory=list)
    opted_out: list[str] = field(default_factory=list)
    awaiting_prune: list[str] = field(default_factory=list)
    not_mailed: list[str] = field(default_factory=list)
    """Listed addresses the customer's ``restricted_recipients`` will never mail."""

    def as_document(self) -> dict[str, Any]:
        return {
            "customer": self.code,
            "listed": self.listed,
            "contacts_before": self.contacts_before,
            "contact_list": self.list_outcome,
            "dry_run": self.dry_run,
            "unsubscribed_all": self.unsubscribed,
            "opted_out": self.opted_out,
            "awaiting_prune": self.awaiting_prune,
            "not_mailed": self.not_mailed,
            **self.counts_document(),
        }


class SubscriptionApplier:
    def __init__(
        self,
        clients: CustomerClients,
        ses_config: SesConfig,
        subscriptions: SubscriptionConfig,
        records: SubscriptionRecordStore,
        held_elsewhere: HeldElsewhere,
        options: ApplyOptions,
        progress: WriteProgress | None = None,
    ) -> None:
        self.clients = clients
        self.ses_config = ses_config
        self.subscriptions = subscriptions
        self.records = records
        self.held_elsewhere = held_elsewhere
        self.options = options
        self.progress = progress or WriteProgress()

    def run(self, customer: CustomerMapping) -> SubscriptionResult:
        code = customer.customer_code
        listed = self.subscriptions.listed_for(code)
        record = self.records.read(code)
        result = SubscriptionResult(code=code, listed=len(listed), dry_run=self.options.dry_run)
        if not listed and not record.grants:
            return result
        held = self.held_elsewhere(code)
        contacts, result.list_outcome = contact_list(
            self.clients.ses(customer), self.ses_config, dry_run=self.options.dry_run
        )
        existing = contacts.all_contacts() if contacts else {}
        result.contacts_before = len(existing)
        plan = plan_subscriptions(listed, existing, record.grants, held, prune=self.options.prune)
        result.unchanged = plan.unchanged
        result.unsubscribed, result.opted_out = plan.unsubscribed, plan.opted_out
        result.awaiting_prune = plan.awaiting_prune
        result.not_mailed = sorted(want.email for want in listed.values() if not customer.allows_recipient(want.email))
        if self.options.dry_run or contacts is None:
            result.add_plan(plan)
            return result
        self.progress.planned(code, plan.writes)
        apply_changes(
            contacts, plan, result, create=partial(_create, contacts), on_write=lambda: self.progress.wrote(code)
        )
        if plan.record_after != record.grants:
            self.records.write(record, plan.record_after)
        return result


def _create(contacts: ContactList, contact: Contact) -> None:
    """A listed address that became a contact since the list was read: the next run sees it and plans again."""
    if not contacts.create(contact):
        raise AddedMeanwhile(contact.email)
