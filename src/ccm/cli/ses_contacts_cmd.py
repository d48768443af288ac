"""``ccm ses contacts``: list, show, add, remove, subscribe and unsubscribe contacts."""

from __future__ import annotations

from typing import Any

import typer
from rich.markup import escape

from ccm.cli.common import cli_errors, console, fail, settings, table
from ccm.cli.fleet import (
    Column,
    DryRunOption,
    report_failures,
)
from ccm.cli.operator_records import Audited, edits_changed, edits_details
from ccm.cli.options import FleetOptions, fleet_command
from ccm.config import CustomerMapping, SubscriptionStatus
from ccm.domain.operator_audit import OperatorAction
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
@fleet_command(rates=("ses",))
def list_contacts(
    *,
    fleet: FleetOptions,
    topic: str | None = typer.Option(None, "--topic", help="Only contacts who receive this topic."),
) -> None:
    """Every contact (all pages) with its explicit preferences; topics without one follow the topic default."""
    config = settings().config
    clients = fleet.clients()

    def work(customer: CustomerMapping) -> list[dict[str, Any]]:
        contacts = ContactList.find(clients.ses(customer))
        details = contacts.details()
        wanted = check_topics([topic], details) if topic else []
        listed = [_describe(contact, details) for contact in contacts.contacts()]
        return [entry for entry in listed if not wanted or wanted[0] in entry["receives"]]

    outcomes = fleet.run(
        "contacts",
        config,
        work,
        columns=[Column[list[dict[str, Any]]]("contacts", len)],
        document=lambda entries: {"contacts": entries},
        report=fleet.as_json,
    )
    if fleet.as_json:
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
@fleet_command(rates=("ses",))
def show(
    email: str = typer.Option(..., "--email", "-e", help="Contact address."),
    *,
    fleet: FleetOptions,
) -> None:
    """One contact's status for every topic, explicit or by the topic's default."""
    config = settings().config
    clients = fleet.clients()

    def work(customer: CustomerMapping) -> dict[str, Any]:
        contacts = ContactList.find(clients.ses(customer))
        details = contacts.details()
        contact = contacts.require(email)
        topics = []
        for topic in details.topics:
            status, explicit = contact.status(topic)
            topics.append({"topic": topic.name, "status": status.value, "explicit": explicit})
        return {**_describe(contact, details), "topics": topics}

    outcomes = fleet.run(
        "contact",
        config,
        work,
        columns=[
            Column("state", lambda d: "UNSUBSCRIBED" if d["unsubscribe_all"] else "active"),
            Column("receives", lambda d: ", ".join(d["receives"]) or "-"),
        ],
        document=lambda d: d,
        report=fleet.as_json,
    )
    if fleet.as_json:
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
    fleet: FleetOptions,
    emails: list[str],
    change: Any,
    *,
    action: OperatorAction,
    dry_run: bool,
    topics: list[str] | None = None,
) -> None:
    config = settings().config
    clients = fleet.clients()
    addresses = _emails(emails)

    def work(customer: CustomerMapping) -> dict[str, str]:
        contacts = ContactList.find(clients.ses(customer))
        wanted = check_topics(topics, contacts.details()) if topics is not None else []
        return {email: change(contacts, email, wanted) for email in addresses}

    fleet.run(
        title,
        config,
        work,
        columns=[Column("outcome", lambda done: ", ".join(f"{escape(e)}: {o}" for e, o in done.items()))],
        document=lambda done: {"contacts": done},
        audited=None
        if dry_run
        else Audited(action, lambda done: {**edits_details(done), "topics": topics or []}, edits_changed),
    )


@app.command("add")
@cli_errors
@fleet_command(rates=("ses",))
def add(
    emails: list[str] = EmailsOption,
    topics: str = TopicsOption,
    *,
    fleet: FleetOptions,
    dry_run: bool = DryRunOption,
) -> None:
    """Add contacts subscribed to --topics; an existing contact is subscribed to them and otherwise kept."""
    wanted = split_topics(topics)
    _edit(
        "add contacts",
        fleet,
        emails,
        lambda contacts, email, checked: add_contact(contacts, email, checked, dry_run=dry_run),
        action=OperatorAction.CONTACTS_ADDED,
        dry_run=dry_run,
        topics=wanted,
    )


@app.command("remove")
@cli_errors
@fleet_command(rates=("ses",))
def remove(
    emails: list[str] = EmailsOption,
    *,
    fleet: FleetOptions,
    dry_run: bool = DryRunOption,
) -> None:
    """Remove contacts from the list."""
    _edit(
        "remove contacts",
        fleet,
        emails,
        lambda contacts, email, _: remove_contact(contacts, email, dry_run=dry_run),
        action=OperatorAction.CONTACTS_REMOVED,
        dry_run=dry_run,
    )


def _require_topics(topics: str) -> list[str]:
    wanted = split_topics(topics)
    if not wanted:
        raise fail("name the topics with --topics a,b", 2)
    return wanted


@app.command("subscribe")
@cli_errors
@fleet_command(rates=("ses",))
def subscribe(
    emails: list[str] = EmailsOption,
    topics: str = TopicsOption,
    *,
    fleet: FleetOptions,
    dry_run: bool = DryRunOption,
) -> None:
    """Opt existing contacts in to --topics (an explicit OPT_IN); nothing else about them changes."""
    wanted = _require_topics(topics)
    _edit(
        "subscribe",
        fleet,
        emails,
        lambda contacts, email, checked: set_topics(
            contacts, email, checked, SubscriptionStatus.OPT_IN, dry_run=dry_run
        ),
        action=OperatorAction.CONTACTS_SUBSCRIBED,
        dry_run=dry_run,
        topics=wanted,
    )


@app.command("unsubscribe")
@cli_errors
@fleet_command(rates=("ses",))
def unsubscribe(
    emails: list[str] = EmailsOption,
    topics: str = TopicsOption,
    *,
    fleet: FleetOptions,
    dry_run: bool = DryRunOption,
) -> None:
    """Opt contacts out of --topics (an explicit OPT_OUT, which the Identity Center import respects)."""
    wanted = _require_topics(topics)
    _edit(
        "unsubscribe",
        fleet,
        emails,
        lambda contacts, email, checked: set_topics(
            contacts, email, checked, SubscriptionStatus.OPT_OUT, dry_run=dry_run
        ),
        action=OperatorAction.CONTACTS_UNSUBSCRIBED,
        dry_run=dry_run,
        topics=wanted,
    )
