"""``ccm identity-center``: read customers' directories, and import their users as SES contacts."""

from __future__ import annotations

from typing import Any

import boto3
import typer
from rich.markup import escape

from ccm.aws.clients import RETRY_CONFIG
from ccm.cli.common import cli_errors, console, settings, table
from ccm.cli.fleet import (
    Column,
    DryRunOption,
    WritesOnProgressBar,
    customer_clients,
    exit_on_failure,
    print_summary,
    progress_bar,
)
from ccm.cli.operator_records import Audited, contact_list_details, list_or_contacts_changed, record_actions
from ccm.cli.options import FleetOptions, fleet_command
from ccm.config import AppConfig, CustomerMapping
from ccm.contact_import.directory import Directory, IdentityCenterReader
from ccm.contact_import.importer import ContactImporter, ImportOptions, ImportProgress, ImportResult
from ccm.contact_import.record import GrantRecordStore
from ccm.contact_import.roles import TopicMapper
from ccm.domain.operator_audit import OperatorAction
from ccm.fleet import Outcome, run_each
from ccm.ses_admin.subscription_record import SubscriptionRecordStore

app = typer.Typer(help="Identity Center: list users, groups and memberships; import users as SES contacts.")

UserOption = typer.Option(None, "--username", help="Only this Identity Center user name.")
GroupPrefixOption = typer.Option(
    None, "--group-prefix", help="Prefix of role groups (default: identity_center.group_prefix in config.json)."
)
SAMPLE = 5


def _rate(per_second: float) -> str:
    return f"{per_second:g} req/s" if per_second else "no rate limit"


def _ic_rate(config: AppConfig, given: float | None) -> float:
    return config.identity_center.requests_per_second if given is None else given


def _read(
    customers: list[CustomerMapping],
    config: AppConfig,
    user: str | None,
    ic_rps: float | None,
    concurrency: int,
    quiet: bool,
) -> list[Outcome[Directory]]:
    clients = customer_clients(ic_rate=_ic_rate(config, ic_rps))

    def read(customer: CustomerMapping) -> Directory:
        reader = IdentityCenterReader(*clients.identity_center(customer))
        return reader.read_user(user) if user else reader.read()

    with progress_bar("reading directories", quiet=quiet) as progress:
        task = progress.add_task("read", total=len(customers))
        return run_each(
            customers,
            read,
            key=lambda c: c.customer_code,
            max_concurrency=concurrency,
            on_done=lambda _: progress.advance(task),
        )


def _counts(directory: Directory) -> dict[str, Any]:
    return {
        "identity_store_id": directory.identity_store_id,
        "users": len(directory.users),
        "groups": len(directory.groups),
        "memberships": directory.membership_count,
    }


COUNT_COLUMNS: list[Column[Directory]] = [
    Column("directory", lambda d: d.identity_store_id),
    Column("users", lambda d: len(d.users)),
    Column("groups", lambda d: len(d.groups)),
    Column("memberships", lambda d: d.membership_count),
]


@app.command("users")
@cli_errors
@fleet_command(rates=("identity-center",))
def users(
    *,
    fleet: FleetOptions,
    username: str | None = UserOption,
) -> None:
    """List the users of each customer's directory (all pages)."""
    config = settings().config
    outcomes = _read(fleet.customers(config), config, username, fleet.ic_rps, fleet.max_concurrency, fleet.as_json)
    if not fleet.as_json:
        rows = [
            [o.key, u.user_name, u.display_name, u.email or "-", u.user_id[:8]]
            for o in outcomes
            if o.value
            for u in o.value.users
        ]
        console.print(table(f"{len(rows)} users", ["customer", "user name", "display name", "email", "id"], rows))
    print_summary(
        "directories",
        outcomes,
        as_json=fleet.as_json,
        columns=COUNT_COLUMNS,
        document=lambda d: {**_counts(d), "users": [u.as_document() for u in d.users]},
    )
    exit_on_failure(outcomes)


@app.command("groups")
@cli_errors
@fleet_command(rates=("identity-center",), last=("group_prefix",))
def groups(
    *,
    fleet: FleetOptions,
    group_prefix: str | None = GroupPrefixOption,
) -> None:
    """List each directory's groups with their member counts and the role each grants."""
    current = settings()
    config = current.config
    mapper = TopicMapper(current.ses_config, group_prefix or config.identity_center.group_prefix)
    outcomes = _read(fleet.customers(config), config, None, fleet.ic_rps, fleet.max_concurrency, fleet.as_json)

    def group_rows(directory: Directory) -> list[dict[str, Any]]:
        members: dict[str, int] = {}
        for group_ids in directory.members.values():
            for group_id in group_ids:
                members[group_id] = members.get(group_id, 0) + 1
        return [
            {
                "group_id": group_id,
                "name": name,
                "members": members.get(group_id, 0),
                "role": next(iter(mapper.roles([name])), None),
            }
            for group_id, name in sorted(directory.groups.items(), key=lambda item: item[1])
        ]

    if not fleet.as_json:
        rows = [
            [o.key, g["name"], g["members"], g["role"] or "-"] for o in outcomes if o.value for g in group_rows(o.value)
        ]
        console.print(table(f"{len(rows)} groups", ["customer", "group", "members", "role"], rows))
    print_summary(
        "directories",
        outcomes,
        as_json=fleet.as_json,
        columns=COUNT_COLUMNS,
        document=lambda d: {**_counts(d), "groups": group_rows(d)},
    )
    exit_on_failure(outcomes)


@app.command("memberships")
@cli_errors
@fleet_command(rates=("identity-center",), last=("group_prefix",))
def memberships(
    *,
    fleet: FleetOptions,
    username: str | None = UserOption,
    group_prefix: str | None = GroupPrefixOption,
) -> None:
    """Each user's groups, and the SES topics those groups give them."""
    current = settings()
    config = current.config
    mapper = TopicMapper(current.ses_config, group_prefix or config.identity_center.group_prefix)
    outcomes = _read(fleet.customers(config), config, username, fleet.ic_rps, fleet.max_concurrency, fleet.as_json)

    def documents(directory: Directory) -> list[dict[str, Any]]:
        return [
            {**entry, "topics": mapper.topics_for_groups(entry["groups"])} for entry in directory.memberships_document()
        ]

    if not fleet.as_json:
        rows = [
            [o.key, d["user_name"], d["email"] or "-", ", ".join(d["groups"]) or "-", ", ".join(d["topics"])]
            for o in outcomes
            if o.value
            for d in documents(o.value)
        ]
        console.print(table(f"{len(rows)} users", ["customer", "user name", "email", "groups", "topics"], rows))
    print_summary(
        "directories",
        outcomes,
        as_json=fleet.as_json,
        columns=COUNT_COLUMNS,
        document=lambda d: {**_counts(d), "users": documents(d)},
    )
    exit_on_failure(outcomes)


class _ProgressDisplay(WritesOnProgressBar, ImportProgress):
    """The import's writes on the progress bar (its directory reading notes are not shown)."""


IMPORT_COLUMNS: list[Column[ImportResult]] = [
    Column("users", lambda r: r.users),
    Column("contacts before", lambda r: r.contacts_before),
    Column("created", lambda r: r.created),
    Column("updated", lambda r: r.updated),
    Column("removed", lambda r: r.removed),
    Column("unchanged", lambda r: r.unchanged),
    Column("kept", lambda r: r.kept),
    Column("list", lambda r: r.list_outcome),
]


@app.command("import")
@cli_errors
@fleet_command(rates=("ses", "identity-center"))
def import_contacts(
    *,
    fleet: FleetOptions,
    dry_run: bool = DryRunOption,
    prune: bool = typer.Option(
        False, "--prune", help="Also remove contacts that are not in the directory and were not imported."
    ),
    username: str | None = typer.Option(None, "--username", help="Import only this user; remove nobody."),
    group_prefix: str | None = GroupPrefixOption,
) -> None:
    """Make each customer's SES contact list match its Identity Center directory, writing only the difference.

    New users become contacts subscribed to their roles' topics; role changes subscribe new topics and withdraw
    the ones the import granted; explicit opt-outs and unsubscribe-all are kept; contacts the import created are
    removed when their user leaves; others stay unless --prune. This is what the scheduled ECS task runs.
    """
    current = settings()
    config = current.config
    selected = fleet.customers(config)
    prefix = group_prefix if group_prefix is not None else config.identity_center.group_prefix
    clients = fleet.clients(ic_rps=_ic_rate(config, fleet.ic_rps))
    s3 = boto3.client("s3", config=RETRY_CONFIG)
    records = GrantRecordStore(s3, current.bucket)
    subscriptions = SubscriptionRecordStore(s3, current.bucket)  # the subscription file's grants stay as they are
    options = ImportOptions(group_prefix=prefix, dry_run=dry_run, prune=prune, user_name=username)
    if not fleet.as_json:
        console.print(
            f"importing {len(selected)} customer(s), {fleet.max_concurrency} at a time; Identity Center "
            f"{_rate(_ic_rate(config, fleet.ic_rps))}, SES {_rate(fleet.ses_rps)}; group prefix {prefix!r}"
            + ("; [bold]dry run[/]" if dry_run else ""),
            highlight=False,
        )
    with progress_bar("importing", quiet=fleet.as_json) as progress:
        customers_task = progress.add_task("customers", total=len(selected))
        writes_task = progress.add_task("contact writes", total=0)
        importer = ContactImporter(
            clients,
            current.ses_config,
            records,
            options,
            _ProgressDisplay(progress, writes_task),
            held_elsewhere=subscriptions.held_topics,
        )
        outcomes = run_each(
            selected,
            importer.run,
            key=lambda c: c.customer_code,
            max_concurrency=fleet.max_concurrency,
            problem=lambda r: r.problem,
            on_done=lambda _: progress.advance(customers_task),
        )
    title = "import (dry run)" if dry_run else "import"
    print_summary(
        title,
        outcomes,
        as_json=fleet.as_json,
        columns=IMPORT_COLUMNS,
        document=lambda r: r.as_document(),
        extra={"dry_run": dry_run, "group_prefix": prefix},
    )
    if dry_run and not fleet.as_json:
        _print_samples(outcomes)
    if not dry_run:
        record_actions(
            Audited[ImportResult](OperatorAction.CONTACTS_IMPORTED, contact_list_details, list_or_contacts_changed),
            outcomes,
            group_prefix=prefix,
            prune=prune,
            **({"username": username} if username else {}),
        )
    exit_on_failure(outcomes)


def _print_samples(outcomes: list[Outcome[ImportResult]]) -> None:
    for outcome in outcomes:
        if outcome.value is None:
            continue
        for kind, emails in outcome.value.planned.items():
            if not emails:
                continue
            more = f" … and {len(emails) - SAMPLE} more" if len(emails) > SAMPLE else ""
            console.print(f"{outcome.key}: would {kind} {escape(', '.join(emails[:SAMPLE]))}{more}", highlight=False)
