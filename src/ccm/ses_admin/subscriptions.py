"""``ccm ses subscriptions apply``: bring each customer's SES contact list in line with SubscriptionConfig.json.

One run per customer: read the subscription record and the import's record (S3), the contact list (every page,
through the customer's rate-limited SES client), plan the difference, write only that, then the record if it
changed. A customer the file does not concern (nothing listed, nothing granted before) costs no SES call.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from ccm.aws.customer_clients import CustomerClients
from ccm.aws.ses_lists import ensure_contact_list, find_contact_list
from ccm.config import CustomerMapping, SesConfig
from ccm.ses_admin.contacts import Contact, ContactList
from ccm.ses_admin.subscription_plan import SubscriptionPlan, apply_subscription_plan, plan_subscriptions
from ccm.ses_admin.subscription_record import SubscriptionRecordStore
from ccm.subscription_config import SubscriptionConfig

HeldElsewhere = Callable[[str], Mapping[str, Collection[str]]]
"""Customer code -> the grants another tool recorded (the Identity Center import's), which are never withdrawn."""


@dataclass(frozen=True)
class ApplyOptions:
    dry_run: bool = False
    prune: bool = False


@dataclass
class SubscriptionResult:
    code: str
    listed: int
    contacts_before: int
    list_outcome: str
    dry_run: bool
    created: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    unsubscribed: list[str] = field(default_factory=list)
    opted_out: list[str] = field(default_factory=list)
    awaiting_prune: list[str] = field(default_factory=list)
    not_mailed: list[str] = field(default_factory=list)
    """Listed addresses the customer's ``restricted_recipients`` will never mail."""
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
        document: dict[str, Any] = {
            "customer": self.code,
            "listed": self.listed,
            "contacts_before": self.contacts_before,
            "contact_list": self.list_outcome,
            "dry_run": self.dry_run,
            "created": self.created,
            "updated": self.updated,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "unsubscribed_all": self.unsubscribed,
            "opted_out": self.opted_out,
            "awaiting_prune": self.awaiting_prune,
            "not_mailed": self.not_mailed,
            "failed": self.failed,
            "errors": self.errors,
        }
        if self.dry_run:
            document["planned"] = self.planned
        return document


class ApplyProgress:
    """Hooks for a progress display; the default shows nothing."""

    def planned(self, code: str, writes: int) -> None:
        """The plan of one customer is known: ``writes`` SES writes will follow."""

    def wrote(self, code: str) -> None:
        """One SES contact write finished."""


class SubscriptionApplier:
    def __init__(
        self,
        clients: CustomerClients,
        ses_config: SesConfig,
        subscriptions: SubscriptionConfig,
        records: SubscriptionRecordStore,
        held_elsewhere: HeldElsewhere,
        options: ApplyOptions,
        progress: ApplyProgress | None = None,
    ) -> None:
        self.clients = clients
        self.ses_config = ses_config
        self.subscriptions = subscriptions
        self.records = records
        self.held_elsewhere = held_elsewhere
        self.options = options
        self.progress = progress or ApplyProgress()

    def _contact_list(self, customer: CustomerMapping) -> tuple[ContactList | None, str]:
        ses = self.clients.ses(customer)
        if self.options.dry_run:
            name = find_contact_list(ses)
            return (ContactList(ses, name), "exists") if name else (None, "would-create")
        name, outcome = ensure_contact_list(ses, self.ses_config)
        return ContactList(ses, name), outcome

    def run(self, customer: CustomerMapping) -> SubscriptionResult:
        code = customer.customer_code
        listed = self.subscriptions.listed_for(code)
        record = self.records.read(code)
        result = SubscriptionResult(code, len(listed), 0, "not needed", self.options.dry_run)
        if not listed and not record.grants:
            return result
        held = self.held_elsewhere(code)
        contact_list, result.list_outcome = self._contact_list(customer)
        existing = contact_list.all_contacts() if contact_list else {}
        result.contacts_before = len(existing)
        plan = plan_subscriptions(listed, existing, record.grants, held, prune=self.options.prune)
        result.unchanged = plan.unchanged
        result.unsubscribed, result.opted_out = plan.unsubscribed, plan.opted_out
        result.awaiting_prune = plan.awaiting_prune
        result.not_mailed = sorted(want.email for want in listed.values() if not customer.allows_recipient(want.email))
        if self.options.dry_run or contact_list is None:
            return self._as_planned(result, plan)
        self.progress.planned(code, plan.writes)
        applied = apply_subscription_plan(contact_list, plan, on_write=lambda: self.progress.wrote(code))
        result.created, result.updated, result.removed = applied.created, applied.updated, applied.removed
        result.failed, result.errors = applied.failed, applied.errors
        if plan.record_after != record.grants:
            self.records.write(record, plan.record_after)
        return result

    @staticmethod
    def _as_planned(result: SubscriptionResult, plan: SubscriptionPlan) -> SubscriptionResult:
        def emails(contacts: list[Contact]) -> list[str]:
            return [contact.email for contact in contacts]

        result.created, result.updated, result.removed = len(plan.creates), len(plan.updates), len(plan.removals)
        result.planned = {
            "create": emails(plan.creates),
            "update": emails([after for _, after in plan.updates]),
            "remove": emails(plan.removals),
        }
        return result
