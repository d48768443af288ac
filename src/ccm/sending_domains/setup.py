"""``ccm domain setup|deliverability|status``: the SES side per customer, then one DNS plan for all of them.

Every customer sends from the same domain through its own SES account, so each account has its own domain
identity and its own three DKIM selectors, while SPF, DMARC and MAIL FROM records are shared. The SES side
runs per customer (concurrently); the DNS side runs once, after, against one read of the zone, so customers
never race each other on the same record set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ccm.aws.customer_clients import CustomerClients
from ccm.config import AppConfig, CustomerMapping
from ccm.errors import CcmError
from ccm.sending_domains.records import (
    WantedRecord,
    configuration_set_name,
    deliverability_records,
    dkim_records,
    mail_domain,
    mail_from_domain,
)
from ccm.sending_domains.route53 import HostedZone, PlannedChange, change_batches, plan_changes
from ccm.sending_domains.ses_domain import IdentityState, SesDomain
from ccm.sending_domains.ses_events import CentralSns, EventsTopic

DKIM_TOKENS = 3


class IdentityMissing(CcmError):
    def __init__(self, domain: str) -> None:
        super().__init__(f"{domain} is not an SES identity in this account yet; run `ccm domain setup` first")


@dataclass(frozen=True)
class DomainOptions:
    dry_run: bool = False
    identity: bool = True
    """Create the domain identity (Easy DKIM) and publish its DKIM records."""
    deliverability: bool = True
    """MAIL FROM, configuration set (+ its SES events: topic, policy, the central queue's subscription), SPF,
    DMARC and MX."""


@dataclass
class CustomerDomain:
    code: str
    domain: str
    region: str
    state: IdentityState
    steps: dict[str, str] = field(default_factory=dict)
    configuration_set: str | None = None

    @property
    def dkim_ready(self) -> bool:
        return len(self.state.dkim_tokens) == DKIM_TOKENS

    def as_document(self) -> dict[str, Any]:
        return {
            "customer": self.code,
            "domain": self.domain,
            "steps": self.steps,
            "configuration_set": self.configuration_set,
            "identity": self.state.as_document(),
        }


class DomainSetup:
    def __init__(self, config: AppConfig, clients: CustomerClients, options: DomainOptions) -> None:
        self.config = config
        self.clients = clients
        self.options = options
        self.domain = mail_domain(config)
        self.central_sns = CentralSns()
        if options.deliverability:
            deliverability_records(config, [config.aws_region])  # fail early, once, on missing email settings

    def configure(self, customer: CustomerMapping) -> CustomerDomain:
        ses = SesDomain(self.clients.ses(customer), self.domain, dry_run=self.options.dry_run)
        if self.options.identity:
            state = ses.ensure_identity()
        else:
            state = ses.state()
            if not state.exists:
                raise IdentityMissing(self.domain)
        result = CustomerDomain(customer.customer_code, self.domain, customer.region, state)
        if self.options.deliverability:
            ses.ensure_mail_from(mail_from_domain(self.config), state)
            result.configuration_set = configuration_set_name(self.config, customer)
            ses.ensure_configuration_set(result.configuration_set)
            topic = customer.deliverability_sns_topic_arn
            queue = self.config.email_config.ses_events_queue_arn
            if queue:
                sns = self.clients.client(
                    customer.ses_role_arn, customer.region, "sns", f"{customer.customer_code}-ses-session"
                )
                events = EventsTopic(
                    sns, self.central_sns.client(customer.ses_events_topic_arn.split(":")[3]), ses.steps
                )
                topic = events.ensure(customer, result.configuration_set, queue)
            if topic:
                ses.ensure_event_destination(result.configuration_set, topic)
            ses.ensure_default_configuration_set(result.configuration_set, state)
        result.steps = ses.steps.done
        return result

    def wanted_records(self, customers: Iterable[CustomerDomain]) -> list[WantedRecord]:
        done = list(customers)
        records: list[WantedRecord] = []
        if self.options.identity:
            for customer in done:
                if customer.dkim_ready:
                    records.extend(dkim_records(self.domain, customer.state.dkim_tokens))
        if self.options.deliverability and done:
            records.extend(deliverability_records(self.config, [customer.region for customer in done]))
        return records


@dataclass
class DnsResult:
    zone: str
    changes: list[PlannedChange]
    batches: list[dict[str, Any]]
    change_ids: list[str] = field(default_factory=list)
    without_dkim: list[str] = field(default_factory=list)
    """Customers whose SES gave no DKIM tokens (yet): their CNAMEs are not in this plan."""

    def as_document(self) -> dict[str, Any]:
        return {
            "zone": self.zone,
            "change_batches": self.batches,
            "change_ids": self.change_ids,
            "without_dkim_tokens": self.without_dkim,
        }


def sync_dns(zone: HostedZone, wanted: list[WantedRecord], *, dry_run: bool, comment: str) -> DnsResult:
    zone.check_inside(record.name for record in wanted)
    changes = plan_changes(zone.record_sets(), wanted)
    batches = change_batches(changes, comment)
    result = DnsResult(zone.name, changes, batches)
    if not dry_run:
        result.change_ids = zone.apply(batches)
    return result
