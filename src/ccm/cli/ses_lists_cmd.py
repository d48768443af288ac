"""``ccm ses lists`` and ``ccm ses topics``: the contact list of each customer's account and its topics."""

from __future__ import annotations

from typing import Any

import typer

from ccm.aws.ses_lists import ensure_contact_list, find_contact_list, plan_topics
from ccm.cli.common import cli_errors, console, settings, table
from ccm.cli.fleet import (
    Column,
    DryRunOption,
    exit_on_failure,
    print_summary,
    report_failures,
)
from ccm.cli.operator_records import Audited
from ccm.cli.options import FleetOptions, fleet_command
from ccm.config import CustomerMapping
from ccm.domain.operator_audit import OperatorAction
from ccm.ses_admin.contacts import ContactList, check_topics
from ccm.ses_admin.topics import topic_counts

lists_app = typer.Typer(help="The one contact list of each customer's SES account.", no_args_is_help=True)
topics_app = typer.Typer(help="Topics of the contact lists, compared with SESConfig.json.", no_args_is_help=True)

SAMPLE = 5


@lists_app.command("create")
@cli_errors
@fleet_command(rates=("ses",))
def create(
    *,
    fleet: FleetOptions,
    dry_run: bool = DryRunOption,
) -> None:
    """Create the contact list with the topics of SESConfig.json where there is none (an existing list is kept)."""
    current = settings()
    clients = fleet.clients()

    def work(customer: CustomerMapping) -> dict[str, str]:
        name, outcome = ensure_contact_list(clients.ses(customer), current.ses_config, dry_run=dry_run)
        return {"contact_list": name, "outcome": outcome}

    fleet.run(
        "contact lists",
        current.config,
        work,
        columns=[Column("list", lambda r: r["contact_list"]), Column("outcome", lambda r: r["outcome"])],
        document=lambda r: r,
        audited=None
        if dry_run
        else Audited(OperatorAction.CONTACT_LIST_CREATED, lambda r: r, lambda r: r["outcome"] == "created"),
    )


@lists_app.command("describe")
@cli_errors
@fleet_command(rates=("ses",))
def describe(
    *,
    fleet: FleetOptions,
) -> None:
    """The list: description, dates, topics with their defaults and counts, and the first contacts."""
    current = settings()
    clients = fleet.clients()

    def work(customer: CustomerMapping) -> dict[str, Any]:
        ses = clients.ses(customer)
        if find_contact_list(ses) is None:
            return {"contact_list": None, "contacts": 0, "topics": []}
        contact_list = ContactList.find(ses)
        details = contact_list.details()
        contacts = list(contact_list.contacts())
        return {
            "contact_list": details.name,
            "description": details.description,
            "created": details.created.isoformat() if details.created else None,
            "updated": details.updated.isoformat() if details.updated else None,
            "contacts": len(contacts),
            "unsubscribed_all": sum(contact.unsubscribe_all for contact in contacts),
            "topics": [count.as_document() for count in topic_counts(details, contacts)],
            "first_contacts": [contact.email for contact in contacts[:SAMPLE]],
        }

    columns: list[Column[dict[str, Any]]] = [
        Column("list", lambda r: r["contact_list"] or "none"),
        Column("contacts", lambda r: r["contacts"]),
        Column("unsubscribed", lambda r: r.get("unsubscribed_all", 0)),
        Column("topics", lambda r: len(r["topics"])),
    ]
    outcomes = fleet.run(
        "contact lists",
        current.config,
        work,
        columns=columns,
        document=lambda r: r,
        report=False,
    )
    print_summary("contact lists", outcomes, as_json=fleet.as_json, columns=columns, document=lambda r: r)
    if not fleet.as_json:
        for outcome in outcomes:
            if outcome.value and outcome.value["topics"]:
                rows = [
                    [
                        t["topic"],
                        t["display_name"],
                        t["default"],
                        t["explicit_opt_in"],
                        t["explicit_opt_out"],
                        t["receivers"],
                    ]
                    for t in outcome.value["topics"]
                ]
                headers = ["topic", "display name", "default", "explicit in", "explicit out", "receivers"]
                console.print(table(f"{outcome.key}: {outcome.value['contact_list']}", headers, rows))
    exit_on_failure(outcomes)


@topics_app.command("describe")
@cli_errors
@fleet_command(rates=("ses",))
def describe_topics(
    *,
    fleet: FleetOptions,
    topic: str | None = typer.Option(None, "--topic", help="Only this topic, with the addresses that receive it."),
) -> None:
    """Who is in or out of each topic, counting the topic's default for contacts without a choice."""
    current = settings()
    clients = fleet.clients()

    def work(customer: CustomerMapping) -> list[dict[str, Any]]:
        contact_list = ContactList.find(clients.ses(customer))
        details = contact_list.details()
        wanted = set(check_topics([topic], details)) if topic else None
        counts = topic_counts(details, contact_list.contacts())
        return [c.as_document(with_receivers=bool(topic)) for c in counts if wanted is None or c.topic.name in wanted]

    outcomes = fleet.run(
        "topics",
        current.config,
        work,
        columns=[],
        document=lambda rows: {"topics": rows},
        report=fleet.as_json,
    )
    if fleet.as_json:
        return
    rows = [
        [o.key, t["topic"], t["default"], t["opted_in"], t["opted_out"], t["unsubscribed_all"], t["receivers"]]
        for o in outcomes
        if o.value
        for t in o.value
    ]
    headers = ["customer", "topic", "default", "in", "out", "unsubscribed all", "receivers"]
    console.print(table("topics", headers, rows))
    if topic:
        for outcome in outcomes:
            for entry in outcome.value or []:
                console.print(f"{outcome.key} {entry['topic']}: {', '.join(entry['receiver_addresses']) or '-'}")
    report_failures(outcomes)


@topics_app.command("update")
@cli_errors
@fleet_command(rates=("ses",))
def update_topics(
    *,
    fleet: FleetOptions,
    dry_run: bool = DryRunOption,
) -> None:
    """Bring each list's topics in line with SESConfig.json by UpdateContactList; contacts are never touched."""
    current = settings()
    clients = fleet.clients()

    def work(customer: CustomerMapping) -> dict[str, Any]:
        ses = clients.ses(customer)
        details = ContactList(ses, name).details() if (name := find_contact_list(ses)) else None
        plan = plan_topics([topic.shape for topic in details.topics] if details else [], current.ses_config)
        _, outcome = ensure_contact_list(ses, current.ses_config, dry_run=dry_run)
        return {**plan.as_document(), "outcome": outcome}

    fleet.run(
        "topics (dry run)" if dry_run else "topics",
        current.config,
        work,
        columns=[
            Column("add", lambda r: ", ".join(r["add"]) or "-"),
            Column("change", lambda r: ", ".join(r["change"]) or "-"),
            Column("remove", lambda r: ", ".join(r["remove"]) or "-"),
            Column("outcome", lambda r: r["outcome"]),
        ],
        document=lambda r: r,
        audited=None
        if dry_run
        else Audited(OperatorAction.TOPICS_UPDATED, lambda r: r, lambda r: r["outcome"] in ("created", "updated")),
    )


topics_app.command("manage", hidden=True, help="Same as `update` (the original tool's name).")(update_topics)
