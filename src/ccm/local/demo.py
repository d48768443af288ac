"""Demo data of the local stack: an Identity Center directory per customer and its contacts.

Each customer's directory (in the account of its ``identity_center_role_arn``) holds the three demo users of the
development identity provider and one person of the customer's own, each in a role group shaped as the contact
import reads them (``<prefix><customer>-<environment>-<account>-idp-ccm-<role>``), plus the portal's approver
and admin groups. The contact lists are then filled by the real contact import, so they hold exactly what
``ccm identity-center import`` would write, and running it against the local stack changes nothing.

A customer with ``restricted_recipients`` gets only people on its allow-list (and a tester from it), so the
demo shows the failsafe rather than tripping over it. Few people per customer: the local SES sends one email
per second per account.

The first customer (``alpha``) also has SES's three mailbox simulator addresses as contacts with the approver's
topics; the local SES answers them as SES's simulator does (:mod:`ccm.local.ses_simulator`), so a change's Delivery
section shows a bounce, a complaint and a suppressed address on first start.

Every announcement type reaches someone: the administrator (and a restricted customer's tester) also holds the
``finance`` role that FinOps announcements go to, and every demo person has opted in to the topics that no role
brings and nobody receives by default (General updates), as a recipient does on the subscription preferences
page; the import leaves such a choice alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3

from ccm.aws.assume import RoleSessions
from ccm.aws.clients import RETRY_CONFIG
from ccm.aws.customer_clients import CustomerClients
from ccm.config import AppConfig, CustomerMapping, SesConfig, SubscriptionStatus
from ccm.contact_import.importer import ContactImporter, ImportOptions, ImportResult
from ccm.contact_import.record import GrantRecordStore
from ccm.fleet import Outcome, run_each
from ccm.local.ses_simulator import BOUNCE, COMPLAINT, SIMULATOR_ADDRESSES, SUPPRESSION_LIST
from ccm.ses_admin.contacts import ContactList
from ccm.ses_admin.subscription_record import SubscriptionRecordStore

if TYPE_CHECKING:
    from mypy_boto3_identitystore import IdentityStoreClient

logger = logging.getLogger(__name__)

FINANCE_ROLE = "finance"
"""The role SESConfig.json opts into FinOps announcements."""
LOCAL_RATE = 200.0
"""Requests per second allowed to the emulator: it publishes no limits, and the demo should seed in seconds."""


@dataclass(frozen=True)
class DemoPerson:
    user_name: str
    email: str
    display_name: str
    roles: tuple[str, ...]
    """The contact-import roles (``developer``, ``security``, ...) that decide the person's topics."""
    portal_groups: tuple[str, ...] = ()


def demo_people(config: AppConfig, customer: CustomerMapping) -> list[DemoPerson]:
    domain = config.authorization.allowed_email_domains[0]
    auth = config.authorization
    people = [
        DemoPerson("requester", f"requester@{domain}", "Demo Requester", ("developer",)),
        DemoPerson("approver", f"approver@{domain}", "Demo Approver", ("security",), (auth.approver_group,)),
        DemoPerson("admin", f"admin@{domain}", "Demo Administrator", ("cloudeng", FINANCE_ROLE), (auth.admin_group,)),
        DemoPerson(
            "operations",
            f"operations@{customer.customer_code}.{domain}",
            f"{customer.customer_name} Operations",
            ("devops",),
        ),
    ]
    if customer.customer_code == simulator_customer(config):
        people.extend(simulator_people())
    if not customer.restricted_recipients:
        return people
    allowed = [person for person in people if customer.allows_recipient(person.email)]
    known = {person.email.lower() for person in allowed}
    testers = [address for address in customer.restricted_recipients if address.lower() not in known]
    if testers:
        name = testers[0].split("@", 1)[0]
        allowed.append(DemoPerson(name, testers[0], f"{customer.customer_name} Tester", ("developer", FINANCE_ROLE)))
    return allowed


def simulator_customer(config: AppConfig) -> str:
    """The customer whose audience holds SES's mailbox simulator addresses, so every delivery state shows."""
    return next((code for code in config.customer_codes if not config.customer(code).restricted_recipients), "")


def simulator_people() -> list[DemoPerson]:
    """SES's simulator addresses as people with the approver's topics: approval requests and notices reach them,
    and the local SES answers each as SES's simulator would (a bounce, a complaint, a suppressed address)."""
    names = {BOUNCE: "Bounce", COMPLAINT: "Complaint", SUPPRESSION_LIST: "Suppression List"}
    return [
        DemoPerson(f"ses-{address.split('@')[0]}", address, f"SES Simulator {names[address]}", ("security",))
        for address in SIMULATOR_ADDRESSES
    ]


def role_group_name(config: AppConfig, customer: CustomerMapping, role: str) -> str:
    prefix = config.identity_center.group_prefix
    return f"{prefix}{customer.customer_code}-{customer.environment}-{customer.account_id}-idp-ccm-{role}"


class DemoDirectory:
    """Writes the demo people into each customer's Identity Center through the public API."""

    def __init__(self, config: AppConfig, sessions: RoleSessions | None = None) -> None:
        self.config = config
        self.sessions = sessions or RoleSessions(session_prefix="ccm-local-demo")

    def seed(self, customer: CustomerMapping) -> int:
        """The customer's people, groups and memberships; returns how many people were written."""
        if not customer.identity_center_role_arn:
            return 0
        region = customer.identity_center_region or customer.region
        session = self.sessions.session(customer.identity_center_role_arn, region, "ccm-local-demo")
        instances = session.client("sso-admin", config=RETRY_CONFIG).list_instances()["Instances"]
        store_id = instances[0]["IdentityStoreId"]
        store: IdentityStoreClient = session.client("identitystore", config=RETRY_CONFIG)
        groups: dict[str, str] = {}

        def group(name: str) -> str:
            if name not in groups:
                groups[name] = store.create_group(IdentityStoreId=store_id, DisplayName=name)["GroupId"]
            return groups[name]

        people = demo_people(self.config, customer)
        for person in people:
            given, _, family = person.display_name.partition(" ")
            user_id = store.create_user(
                IdentityStoreId=store_id,
                UserName=person.user_name,
                DisplayName=person.display_name,
                Name={"GivenName": given, "FamilyName": family or given},
                Emails=[{"Value": person.email, "Type": "work", "Primary": True}],
            )["UserId"]
            role_groups = [role_group_name(self.config, customer, role) for role in person.roles]
            for name in (*role_groups, *person.portal_groups):
                store.create_group_membership(
                    IdentityStoreId=store_id, GroupId=group(name), MemberId={"UserId": user_id}
                )
        return len(people)


def seed_directories(config: AppConfig, concurrency: int = 8) -> list[Outcome[int]]:
    directory = DemoDirectory(config)
    customers = [config.customer(code) for code in config.customer_codes]
    return run_each(customers, directory.seed, key=lambda c: c.customer_code, max_concurrency=concurrency)


def import_contacts(
    config: AppConfig, ses_config: SesConfig, bucket: str, concurrency: int = 8
) -> list[Outcome[ImportResult]]:
    """Run the real contact import for every customer, as ``ccm identity-center import --all`` does."""
    clients = CustomerClients(ses_rate=LOCAL_RATE, identity_center_rate=LOCAL_RATE)
    s3 = boto3.client("s3", config=RETRY_CONFIG)
    options = ImportOptions(group_prefix=config.identity_center.group_prefix)
    held = SubscriptionRecordStore(s3, bucket).held_topics
    importer = ContactImporter(clients, ses_config, GrantRecordStore(s3, bucket), options, held_elsewhere=held)
    customers = [config.customer(code) for code in config.customer_codes]
    return run_each(
        customers,
        importer.run,
        key=lambda c: c.customer_code,
        max_concurrency=concurrency,
        problem=lambda result: result.problem,
    )


def topics_chosen_by_hand(ses_config: SesConfig) -> list[str]:
    """Topics that no role brings and nobody receives by default: only a recipient's own choice subscribes them."""
    return [
        topic.name
        for topic in ses_config.expanded_topics
        if not topic.opt_in_roles and topic.default_status is SubscriptionStatus.OPT_OUT
    ]


def opt_in_by_choice(config: AppConfig, ses_config: SesConfig, concurrency: int = 8) -> list[Outcome[int]]:
    """Every demo person opts in to :func:`topics_chosen_by_hand`; returns how many contacts changed."""
    chosen = dict.fromkeys(topics_chosen_by_hand(ses_config), SubscriptionStatus.OPT_IN)
    sessions = RoleSessions(session_prefix="ccm-local-demo")

    def choose(customer: CustomerMapping) -> int:
        session = sessions.session(customer.ses_role_arn, customer.region, "ccm-local-demo")
        contacts = ContactList.find(session.client("sesv2", config=RETRY_CONFIG))
        changed = 0
        for person in demo_people(config, customer):
            contact = contacts.get(person.email)
            if contact is not None and any(contact.preferences.get(name) != status for name, status in chosen.items()):
                contacts.update(contact.with_preferences({**contact.preferences, **chosen}))
                changed += 1
        return changed

    customers = [config.customer(code) for code in config.customer_codes]
    return run_each(customers, choose, key=lambda c: c.customer_code, max_concurrency=concurrency)


def report_failures(what: str, outcomes: list[Outcome[Any]], log: Callable[[str], None]) -> None:
    for outcome in outcomes:
        if not outcome.ok:
            log(f"{what} failed for {outcome.key}: {outcome.error}")
