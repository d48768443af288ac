"""``ccm ses``: each customer's SES account: contact list, contacts, topics, suppression, backup and restore."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ccm.aws.ses_lists import find_contact_list
from ccm.cli import ses_contacts_cmd, ses_lists_cmd, ses_subscriptions_cmd
from ccm.cli import ses_send_cmd as send_commands
from ccm.cli.common import JsonOption, cli_errors, console, fail, settings, table
from ccm.cli.fleet import (
    Column,
    DryRunOption,
    SesRateOption,
    customer_clients,
    progress_bar,
    report_failures,
    run_for_customers,
)
from ccm.cli.operator_records import Audited
from ccm.cli.options import FleetOptions, fleet_command
from ccm.config import CustomerMapping
from ccm.domain.operator_audit import OperatorAction
from ccm.ses_admin.backup import backup_document, plan_restore, read_backup, write_backup
from ccm.ses_admin.contacts import ContactList
from ccm.ses_admin.edits import BulkResult, remove_all, restore
from ccm.ses_admin.suppression import SuppressionList, SuppressionReason

app = typer.Typer(
    help="Each customer's SES account: contact list, contacts, topics, suppression.", no_args_is_help=True
)
app.add_typer(ses_lists_cmd.lists_app, name="lists")
app.add_typer(ses_contacts_cmd.app, name="contacts")
app.add_typer(ses_lists_cmd.topics_app, name="topics")
app.add_typer(ses_subscriptions_cmd.app, name="subscriptions")
suppression_app = typer.Typer(help="The account-level suppression list.", no_args_is_help=True)
app.add_typer(suppression_app, name="suppression")
app.add_typer(send_commands.app)  # send-test-email, send-approval-request, ... directly under `ccm ses`

BackupDirOption = typer.Option(Path("."), "--output-dir", help="Directory for the backup files.")
ReasonOption = typer.Option(SuppressionReason.BOUNCE, "--reason", help="bounce or complaint.")
BackupFileArgument = typer.Argument(..., help="A backup file written by `ccm ses backup`.")
RestoreCustomerOption = typer.Option(..., "--customer", "-c", help="The customer whose list receives the backup.")


@suppression_app.command("add")
@cli_errors
@fleet_command(rates=("ses",))
def suppress(
    emails: list[str] = ses_contacts_cmd.EmailsOption,
    reason: SuppressionReason = ReasonOption,
    *,
    fleet: FleetOptions,
    dry_run: bool = DryRunOption,
) -> None:
    """Put addresses on the suppression list: SES will not send to them."""
    clients = fleet.clients()

    def work(customer: CustomerMapping) -> dict[str, str]:
        suppression = SuppressionList(clients.ses(customer))
        done = {}
        for email in emails:
            if not dry_run:
                suppression.add(email, reason)
            done[email] = f"would-add ({reason})" if dry_run else f"added ({reason})"
        return done

    fleet.run(
        "suppression",
        settings().config,
        work,
        columns=[Column("outcome", lambda d: ", ".join(f"{e}: {o}" for e, o in d.items()))],
        document=lambda d: {"addresses": d},
        audited=None
        if dry_run
        else Audited(
            OperatorAction.SUPPRESSION_ADDED, lambda d: {"addresses": d, "reason": reason.value}, lambda d: bool(d)
        ),
    )


@suppression_app.command("remove")
@cli_errors
@fleet_command(rates=("ses",))
def unsuppress(
    emails: list[str] = ses_contacts_cmd.EmailsOption,
    *,
    fleet: FleetOptions,
    dry_run: bool = DryRunOption,
) -> None:
    """Take addresses off the suppression list."""
    clients = fleet.clients()

    def work(customer: CustomerMapping) -> dict[str, str]:
        suppression = SuppressionList(clients.ses(customer))
        done = {}
        for email in emails:
            if suppression.get(email) is None:
                done[email] = "absent"
            elif dry_run:
                done[email] = "would-remove"
            else:
                done[email] = "removed" if suppression.remove(email) else "absent"
        return done

    fleet.run(
        "suppression",
        settings().config,
        work,
        columns=[Column("outcome", lambda d: ", ".join(f"{e}: {o}" for e, o in d.items()))],
        document=lambda d: {"addresses": d},
        audited=None
        if dry_run
        else Audited(
            OperatorAction.SUPPRESSION_REMOVED,
            lambda d: {"addresses": {e: o for e, o in d.items() if o == "removed"}},
            lambda d: "removed" in d.values(),
        ),
    )


@suppression_app.command("list")
@cli_errors
@fleet_command(rates=("ses",))
def list_suppressed(
    *,
    fleet: FleetOptions,
) -> None:
    """Every suppressed address (all pages) with its reason and date."""
    clients = fleet.clients()

    def work(customer: CustomerMapping) -> list[dict[str, Any]]:
        return [entry.as_document() for entry in SuppressionList(clients.ses(customer)).entries()]

    outcomes = fleet.run(
        "suppression",
        settings().config,
        work,
        columns=[],
        document=lambda entries: {"suppressed": entries},
        report=fleet.as_json,
    )
    if fleet.as_json:
        return
    rows = [[o.key, e["email"], e["reason"], e["since"] or ""] for o in outcomes if o.value for e in o.value]
    console.print(table(f"{len(rows)} suppressed", ["customer", "email", "reason", "since"], rows))
    report_failures(outcomes)


@app.command("backup")
@cli_errors
@fleet_command(rates=("ses",))
def backup(
    *,
    fleet: FleetOptions,
    output_dir: Path = BackupDirOption,
) -> None:
    """Write each customer's list (topics) and every contact (all pages) to a JSON file."""
    clients = fleet.clients()

    def work(customer: CustomerMapping) -> dict[str, Any]:
        contact_list = ContactList.find(clients.ses(customer))
        contacts = list(contact_list.contacts())
        document = backup_document(customer.customer_code, contact_list.details(), contacts, "backup")
        return {"file": str(write_backup(output_dir, customer.customer_code, document)), "contacts": len(contacts)}

    fleet.run(
        "backup",
        settings().config,
        work,
        columns=[Column("contacts", lambda r: r["contacts"]), Column("file", lambda r: r["file"])],
        document=lambda r: r,
    )


@app.command("restore")
@cli_errors
def restore_backup(
    backup_file: Path = BackupFileArgument,
    customer: str = RestoreCustomerOption,
    dry_run: bool = DryRunOption,
    ses_rps: float = SesRateOption,
    as_json: bool = JsonOption,
) -> None:
    """Bring back every contact of a backup as it was; contacts not in the backup are left alone.

    A missing list is created with the backup's topics; an existing list keeps its topics, and preferences for
    topics it no longer has are reported as dropped.
    """
    config = settings().config
    target = config.customer(customer)
    saved = read_backup(backup_file)
    backed_up_for = saved.backup_metadata.get("customer")
    if backed_up_for and backed_up_for != customer:
        raise fail(f"{backup_file.name} is a backup of {backed_up_for}, not of {customer}", 2)
    clients = customer_clients(ses_rps)

    def work(mapping: CustomerMapping) -> dict[str, Any]:
        ses = clients.ses(mapping)
        name = find_contact_list(ses)
        if name is None:
            list_outcome = "would-create" if dry_run else "created"
            contact_list, existing = ContactList(ses, saved.contact_list.name), {}
            if not dry_run:
                contact_list.create_list(saved.contact_list.description, saved.list_topics())
            topics = [topic.name for topic in saved.list_topics()]
        else:
            list_outcome = "exists"
            contact_list = ContactList(ses, name)
            existing = contact_list.all_contacts()
            topics = contact_list.details().topic_names()
        plan = plan_restore(saved, existing, topics)
        result = BulkResult()
        if not dry_run:
            with progress_bar("restoring", quiet=as_json) as progress:
                task = progress.add_task("restore", total=len(plan.creates) + len(plan.updates))
                result = restore(contact_list, plan, lambda: progress.advance(task))
        return {
            "contact_list": list_outcome,
            "created": len(plan.creates),
            "updated": len(plan.updates),
            "unchanged": plan.unchanged,
            "dropped_topics": plan.dropped_topics,
            "failed": result.failed,
            "errors": result.errors,
            "dry_run": dry_run,
        }

    run_for_customers(
        "restore (dry run)" if dry_run else "restore",
        [target],
        work,
        max_concurrency=1,
        as_json=as_json,
        columns=[
            Column("list", lambda r: r["contact_list"]),
            Column("created", lambda r: r["created"]),
            Column("updated", lambda r: r["updated"]),
            Column("unchanged", lambda r: r["unchanged"]),
            Column("dropped topics", lambda r: ", ".join(r["dropped_topics"]) or "-"),
        ],
        document=lambda r: r,
        problem=lambda r: f"{r['failed']} contact write(s) failed: {'; '.join(r['errors'])}" if r["failed"] else None,
        audited=None
        if dry_run
        else Audited(
            OperatorAction.CONTACTS_RESTORED,
            lambda r: {**r, "backup_file": backup_file.name},
            lambda r: bool(r["created"] or r["updated"] or r["contact_list"] == "created"),
        ),
    )


@app.command("remove-all-contacts")
@cli_errors
@fleet_command(rates=("ses",))
def remove_all_contacts(
    *,
    fleet: FleetOptions,
    output_dir: Path = BackupDirOption,
    yes: bool = typer.Option(False, "--yes", help="Confirm: without it nothing is removed."),
    dry_run: bool = DryRunOption,
) -> None:
    """Back up, then remove every contact of the list (the list and its topics stay)."""
    if not dry_run and not yes:
        raise fail("this removes every contact; add --yes to go ahead (a backup is written first), or --dry-run", 2)
    clients = fleet.clients()

    def work(customer: CustomerMapping) -> dict[str, Any]:
        contact_list = ContactList.find(clients.ses(customer))
        contacts = list(contact_list.contacts())
        if dry_run:
            return {"contacts": len(contacts), "removed": 0, "file": None, "failed": 0, "errors": []}
        document = backup_document(customer.customer_code, contact_list.details(), contacts, "remove-all-contacts")
        path = write_backup(output_dir, customer.customer_code, document)
        with progress_bar(f"removing {customer.customer_code}", quiet=fleet.as_json) as progress:
            task = progress.add_task("remove", total=len(contacts))
            result = remove_all(contact_list, contacts, lambda: progress.advance(task))
        return {
            "contacts": len(contacts),
            "removed": result.done,
            "file": str(path),
            "failed": result.failed,
            "errors": result.errors,
        }

    fleet.run(
        "remove all contacts (dry run)" if dry_run else "remove all contacts",
        settings().config,
        work,
        columns=[
            Column("contacts", lambda r: r["contacts"]),
            Column("removed", lambda r: r["removed"]),
            Column("backup", lambda r: r["file"] or "-"),
        ],
        document=lambda r: r,
        problem=lambda r: f"{r['failed']} removal(s) failed: {'; '.join(r['errors'])}" if r["failed"] else None,
        audited=None
        if dry_run
        else Audited(OperatorAction.ALL_CONTACTS_REMOVED, lambda r: r, lambda r: bool(r["removed"])),
    )
