"""``ccm ses contacts``: list, show, add, remove, subscribe and unsubscribe contacts."""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape

from ccm.cli.common import JsonOption, cli_errors, console, fail, settings, table
from ccm.cli.fleet import (
    AllOption,
    Column,
    ConcurrencyOption,
    CustomersOption,
    DryRunOption,
    SesRateOption,
    chosen,
    customer_clients,
    report_failures,
    run_for_customers,
)
from ccm.config import CustomerMapping, SubscriptionStatus
from ccm.ses_admin.contacts import Contact, ContactList, ListDetails, check_topics
from ccm.ses_admin.edits import add_contact, remove_contact, set_topics

app = typer.Typer(help="Contacts of each customer's SES contact list.", no_args_is_help=True)

EmailsOption = typer.Option(..., "--email", "-e", help="Contact address; repeat for several.")
TopicsOption = typer.Option("", "--topics", help="Comma-separated topic names.")


def split_topics(text: str) -> list[str]:
    return [topic.strip() for topic in text.split(",") if topic.strip()]


def _emails(emails: list[str]) -> list[str]:
    cleaned = [email.strip() for email in emails if email.strip()]
    bad = [email for email in cleaned if "@" not in email]
    if bad:
        raise fail(f"not an email address: {', '.join(bad)}", 2)
    return cleaned


def _describe(contact: Contact, details: ListDetails) -> dict[str, Any]:
    return {
        "email": contact.email,
        "unsubscribe_all": contact.unsubscribe_all,
        "updated": contact.updated.isoformat() if contact.updated else None,
        "preferences": {name: status.value for name, status in contact.preferences.items()},
        "receives": [topic.name for topic in details.topics if contact.receives(topic)],
    }


@app.command("list")
@cli_errors
def list_contacts(
    customers: list[str] | None = CustomersOption,
    every: bool = AllOption,
    topic: str | None = typer.Option(None, "--topic", help="Only contacts who receive this topic."),
    max_concurrency: int = ConcurrencyOption,
    ses_rps: float = SesRateOption,
    as_json: bool = JsonOption,
) -> None:
    """Every contact (all pages) with its explicit preferences; topics without one follow the topic default."""
    config = settings().config
    clients = customer_clients(ses_rps)

    def work(customer: CustomerMapping) -> list[dict[str, Any]]:
        contacts = ContactList.find(clients.ses(customer))
        details = contacts.details()
        wanted = check_topics([topic], details) if topic else []
        listed = [_describe(contact, details) for contact in contacts.contacts()]
        return [entry for entry in listed if not wanted or wanted[0] in entry["receives"]]

    outcomes = run_for_customers(
        "contacts",
        chosen(config, customers, every),
        work,
        max_concurrency=max_concurrency,
        as_json=as_json,
        columns=[Column[list[dict[str, Any]]]("contacts", len)],
        document=lambda entries: {"contacts": entries},
        report=as_json,
    )
    if as_json:
        return
    rows = [
        [
            o.key,
            escape(entry["email"]),
            ", ".join(f"{k}={v}" for k, v in entry["preferences"].items()) or "none (list defaults)",
            "yes" if entry["unsubscribe_all"] else "",
        ]
        for o in outcomes
        if o.value
        for entry in o.value
    ]
    console.print(table(f"{len(rows)} contacts", ["customer", "email", "explicit preferences", "unsubscribed"], rows))
    report_failures(outcomes)


@app.command("show")
@cli_errors
def show(
    email: str = typer.Option(..., "--email", "-e", help="Contact address."),
    customers: list[str] | None = CustomersOption,
    every: bool = AllOption,
    max_concurrency: int = ConcurrencyOption,
    ses_rps: float = SesRateOption,
    as_json: bool = JsonOption,
) -> None:
    """One contact's status for every topic, explicit or by the topic's default."""
    config = settings().config
    clients = customer_clients(ses_rps)

    def work(customer: CustomerMapping) -> dict[str, Any]:
        contacts = ContactList.find(clients.ses(customer))
        details = contacts.details()
        contact = contacts.require(email)
        topics = []
        for topic in details.topics:
            status, explicit = contact.status(topic)
            topics.append({"topic": topic.name, "status": status.value, "explicit": explicit})
        return {**_describe(contact, details), "topics": topics}

    outcomes = run_for_customers(
        "contact",
        chosen(config, customers, every),
        work,
        max_concurrency=max_concurrency,
        as_json=as_json,
        columns=[
            Column("state", lambda d: "UNSUBSCRIBED" if d["unsubscribe_all"] else "active"),
            Column("receives", lambda d: ", ".join(d["receives"]) or "-"),
        ],
        document=lambda d: d,
        report=as_json,
    )
    if as_json:
        return
    for outcome in outcomes:
        if outcome.value:
            rows = [
                [t["topic"], t["status"], "explicit" if t["explicit"] else "default"] for t in outcome.value["topics"]
            ]
            state = "UNSUBSCRIBED from all" if outcome.value["unsubscribe_all"] else "active"
            console.print(table(f"{outcome.key}: {escape(email)} ({state})", ["topic", "status", "source"], rows))
    report_failures(outcomes)


def _edit(
    title: str,
    customers: list[str] | None,
    every: bool,
    emails: list[str],
    change: Any,
    *,
    max_concurrency: int,
    ses_rps: float,
    as_json: bool,
    topics: list[str] | None = None,
) -> None:
    config = settings().config
    clients = customer_clients(ses_rps)
    addresses = _emails(emails)

    def work(customer: CustomerMapping) -> dict[str, str]:
        contacts = ContactList.find(clients.ses(customer))
        wanted = check_topics(topics, contacts.details()) if topics is not None else []
        return {email: change(contacts, email, wanted) for email in addresses}

    run_for_customers(
        title,
        chosen(config, customers, every),
        work,
        max_concurrency=max_concurrency,
        as_json=as_json,
        columns=[Column("outcome", lambda done: ", ".join(f"{escape(e)}: {o}" for e, o in done.items()))],
        document=lambda done: {"contacts": done},
    )


@app.command("add")
@cli_errors
def add(
    emails: list[str] = EmailsOption,
    topics: str = TopicsOption,
    customers: list[str] | None = CustomersOption,
    every: bool = AllOption,
    dry_run: bool = DryRunOption,
    max_concurrency: int = ConcurrencyOption,
    ses_rps: float = SesRateOption,
    as_json: bool = JsonOption,
) -> None:
    """Add contacts subscribed to --topics; an existing contact is subscribed to them and otherwise kept."""
    wanted = split_topics(topics)
    _edit(
        "add contacts",
        customers,
        every,
        emails,
        lambda contacts, email, checked: add_contact(contacts, email, checked, dry_run=dry_run),
        topics=wanted,
        max_concurrency=max_concurrency,
        ses_rps=ses_rps,
        as_json=as_json,
    )


@app.command("remove")
@cli_errors
def remove(
    emails: list[str] = EmailsOption,
    customers: list[str] | None = CustomersOption,
    every: bool = AllOption,
    dry_run: bool = DryRunOption,
    max_concurrency: int = ConcurrencyOption,
    ses_rps: float = SesRateOption,
    as_json: bool = JsonOption,
) -> None:
    """Remove contacts from the list."""
    _edit(
        "remove contacts",
        customers,
        every,
        emails,
        lambda contacts, email, _: remove_contact(contacts, email, dry_run=dry_run),
        max_concurrency=max_concurrency,
        ses_rps=ses_rps,
        as_json=as_json,
    )


def _require_topics(topics: str) -> list[str]:
    wanted = split_topics(topics)
    if not wanted:
        raise fail("name the topics with --topics a,b", 2)
    return wanted


@app.command("subscribe")
@cli_errors
def subscribe(
    emails: list[str] = EmailsOption,
    topics: str = TopicsOption,
    customers: list[str] | None = CustomersOption,
    every: bool = AllOption,
    dry_run: bool = DryRunOption,
    max_concurrency: int = ConcurrencyOption,
    ses_rps: float = SesRateOption,
    as_json: bool = JsonOption,
) -> None:
    """Opt existing contacts in to --topics (an explicit OPT_IN); nothing else about them changes."""
    wanted = _require_topics(topics)
    _edit(
        "subscribe",
        customers,
        every,
        emails,
        lambda contacts, email, checked: set_topics(
            contacts, email, checked, SubscriptionStatus.OPT_IN, dry_run=dry_run
        ),
        topics=wanted,
        max_concurrency=max_concurrency,
        ses_rps=ses_rps,
        as_json=as_json,
    )


@app.command("unsubscribe")
@cli_errors
def unsubscribe(
    emails: list[str] = EmailsOption,
    topics: str = TopicsOption,
    customers: list[str] | None = CustomersOption,
    every: bool = AllOption,
    dry_run: bool = DryRunOption,
    max_concurrency: int = ConcurrencyOption,
    ses_rps: float = SesRateOption,
    as_json: bool = JsonOption,
) -> None:
    """Opt contacts out of --topics (an explicit OPT_OUT, which the Identity Center import respects)."""
    wanted = _require_topics(topics)
    _edit(
        "unsubscribe",
        customers,
        every,
        emails,
        lambda contacts, email, checked: set_topics(
            contacts, email, checked, SubscriptionStatus.OPT_OUT, dry_run=dry_run
        ),
        topics=wanted,
        max_concurrency=max_concurrency,
        ses_rps=ses_rps,
        as_json=as_json,
    )
