"""``ccm ses send-*``: emails an operator sends by hand, through each customer's own SES.

Everything that goes to subscribers goes through the backend's recipient lookup (topic, allow-list, suppression)
and its delivery ledger: running a command again mails only whoever did not get the message yet, and ``--force``
sends it to everyone once more.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from ccm.cli.common import JsonOption, cli_errors, console, fail, settings, table
from ccm.cli.fleet import (
    Column,
    ConcurrencyOption,
    CustomersOption,
    DryRunOption,
    exit_on_failure,
    print_summary,
    run_for_customers,
)
from ccm.cli.options import FleetOptions, fleet_command
from ccm.config import CustomerMapping, SesConfig, Topic
from ccm.domain.objects import AnyObject
from ccm.domain.times import utc_now
from ccm.errors import CcmError, ObjectNotFound
from ccm.mail.decisions import EmailEvent, Notice, Topics
from ccm.mail.mime import RenderedEmail, valid_address
from ccm.mailouts.mailer import (
    PREFERENCES_LEDGER_ID,
    TOPIC_TEST_LEDGER_ID,
    Mailer,
    Mailout,
    MailoutResult,
    content_event,
    fresh_event,
)
from ccm.mailouts.messages import preferences_notice, topic_test
from ccm.mailouts.objects import approval_notice, notification_notice, read_metadata_file, target_customers
from ccm.settings import Settings
from ccm.storage.ledger import DeliveryKey

app = typer.Typer()

PREFERENCES_TOPIC = "subscription-preferences"

ObjectIdArgument = typer.Argument(None, help="Change or announcement id, read from the archive in CCM_BUCKET.")
MetadataOption = typer.Option(
    None, "--json-metadata", help="A change or announcement as JSON (instead of an id); validated before use."
)
TopicOverrideOption = typer.Option(
    None, "--topic", "--topic-name", help="Send to this topic's subscribers instead of the one the status calls for."
)
ForceOption = typer.Option(
    False, "--force", help="Send again to everyone, also to those who already received this email."
)
NoteOption = typer.Option("", "--note", help="A short message from the platform team, shown in the email.")


class Notification(StrEnum):
    APPROVED = "approved"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


EventOption = typer.Option(
    None, "--event", help="The notification to send; by default the one the object's status calls for."
)


# -- output ------------------------------------------------------------------------------------------------


def _excluded(result: MailoutResult) -> str:
    return ", ".join(f"{count} {reason}" for reason, count in result.excluded.items()) or "-"


def _columns(dry_run: bool) -> list[Column[MailoutResult]]:
    done: Column[MailoutResult] = (
        Column("would send", lambda r: len(r.would_send)) if dry_run else Column("sent", lambda r: r.sent)
    )
    return [
        Column("topic", lambda r: r.topic),
        Column("subscribed", lambda r: r.audience.subscribed),
        Column("excluded", _excluded),
        done,
        Column("already sent", lambda r: r.already_sent),
    ]


def _mail_customers(
    title: str,
    customers: Sequence[CustomerMapping],
    build: Callable[[CustomerMapping], Mailout],
    *,
    mailer: Mailer,
    now: datetime,
    dry_run: bool,
    max_concurrency: int,
    as_json: bool,
    extra: dict[str, Any],
) -> None:
    """Each customer's mailout at once (bounded); the recipients on a dry run; one summary; exit 1 on failure."""
    title = f"{title} (dry run)" if dry_run else title
    columns = _columns(dry_run)
    outcomes = run_for_customers(
        title,
        customers,
        lambda customer: mailer.run(build(customer), now=now, dry_run=dry_run),
        max_concurrency=max_concurrency,
        as_json=as_json,
        columns=columns,
        document=MailoutResult.document,
        problem=MailoutResult.problem,
        report=False,
    )
    if dry_run and not as_json:
        rows = []
        for outcome in outcomes:
            if outcome.value is None:
                continue
            pending = {address.lower() for address in outcome.value.would_send}
            for address in outcome.value.audience.recipients:
                state = "would send" if address.lower() in pending else "already sent"
                rows.append([outcome.key, outcome.value.topic, escape(address), state])
        console.print(table(f"{len(rows)} recipient(s)", ["customer", "topic", "recipient", "state"], rows))
    print_summary(title, outcomes, as_json=as_json, columns=columns, document=MailoutResult.document, extra=extra)
    exit_on_failure(outcomes)


def _known_topic(ses_config: SesConfig, name: str) -> Topic:
    topic = ses_config.topic(name)
    if topic is None:
        raise fail(f"unknown topic {name!r}; SESConfig.json has: {', '.join(ses_config.topic_names())}", 2)
    return topic


# -- a change's or an announcement's own emails ------------------------------------------------------------


def _load(mailer: Mailer, object_id: str | None, metadata_file: Path | None) -> AnyObject:
    if (object_id is None) == (metadata_file is None):
        raise fail("name the change or announcement: give its id, or --json-metadata FILE (one of the two)", 2)
    if metadata_file is not None:
        try:
            return read_metadata_file(metadata_file)
        except CcmError as error:
            raise fail(str(error), 2) from None
    archive = mailer.archive
    try:
        return archive.read(str(object_id)).obj
    except ObjectNotFound:
        raise fail(f"{object_id} is not in s3://{archive.bucket} (archive/ or drafts/)") from None


def _object_mailout(
    decide: Callable[[AnyObject, Topics], Notice],
    *,
    object_id: str | None,
    metadata_file: Path | None,
    customers: list[str] | None,
    topic: str | None,
    force: bool,
    dry_run: bool,
    max_concurrency: int,
    as_json: bool,
) -> None:
    current = settings()
    if topic is not None:
        _known_topic(current.ses_config, topic)
    mailer = Mailer(current)
    obj = _load(mailer, object_id, metadata_file)
    notice = decide(obj, Topics.from_ses_config(current.ses_config))
    targets = target_customers(obj, current.config, customers)
    now = utc_now()
    event = fresh_event(notice.event.value, now) if force else notice.event.value

    def build(customer: CustomerMapping) -> Mailout:
        email = mailer.renderer.render(obj, notice, customer.customer_code, now)
        return Mailout(customer, notice.topic, DeliveryKey(obj.id, obj.version, event, customer.customer_code), email)

    _mail_customers(
        f"{notice.event.value.replace('_', ' ')} of {obj.id} v{obj.version}",
        targets,
        build,
        mailer=mailer,
        now=now,
        dry_run=dry_run,
        max_concurrency=max_concurrency,
        as_json=as_json,
        extra={"object_id": obj.id, "version": obj.version, "event": notice.event.value, "ledger_event": event},
    )


@app.command("send-approval-request")
@cli_errors
def send_approval_request(
    object_id: str | None = ObjectIdArgument,
    metadata_file: Path | None = MetadataOption,
    customers: list[str] | None = CustomersOption,
    topic: str | None = TopicOverrideOption,
    force: bool = ForceOption,
    dry_run: bool = DryRunOption,
    max_concurrency: int = ConcurrencyOption,
    as_json: bool = JsonOption,
) -> None:
    """Mail the approval request of a change or announcement to each of its customers' approvers."""
    _object_mailout(
        lambda obj, topics: approval_notice(obj, topics, topic),
        object_id=object_id,
        metadata_file=metadata_file,
        customers=customers,
        topic=topic,
        force=force,
        dry_run=dry_run,
        max_concurrency=max_concurrency,
        as_json=as_json,
    )


@app.command("send-change-notification")
@cli_errors
def send_change_notification(
    object_id: str | None = ObjectIdArgument,
    metadata_file: Path | None = MetadataOption,
    customers: list[str] | None = CustomersOption,
    topic: str | None = TopicOverrideOption,
    event: Notification | None = EventOption,
    force: bool = ForceOption,
    dry_run: bool = DryRunOption,
    max_concurrency: int = ConcurrencyOption,
    as_json: bool = JsonOption,
) -> None:
    """Mail the approved, completed or cancelled notification of a change or announcement to each customer."""
    chosen_event = EmailEvent(event.value) if event is not None else None
    _object_mailout(
        lambda obj, topics: notification_notice(obj, topics, chosen_event, topic),
        object_id=object_id,
        metadata_file=metadata_file,
        customers=customers,
        topic=topic,
        force=force,
        dry_run=dry_run,
        max_concurrency=max_concurrency,
        as_json=as_json,
    )


# -- service messages -----------------------------------------------------------------------------------------


def _service_mailout(
    current: Settings,
    title: str,
    ledger_id: str,
    base_event: str,
    topic: Topic,
    render: Callable[[CustomerMapping, datetime], RenderedEmail],
    *,
    fleet: FleetOptions,
    force: bool,
    dry_run: bool,
) -> None:
    targets = fleet.customers(current.config)
    mailer = Mailer(current)
    now = utc_now()
    event = fresh_event(base_event, now) if force else base_event

    def build(customer: CustomerMapping) -> Mailout:
        key = DeliveryKey(ledger_id, 1, event, customer.customer_code)
        return Mailout(customer, topic.name, key, render(customer, now))

    _mail_customers(
        title,
        targets,
        build,
        mailer=mailer,
        now=now,
        dry_run=dry_run,
        max_concurrency=fleet.max_concurrency,
        as_json=fleet.as_json,
        extra={"topic": topic.name, "ledger_event": event},
    )


@app.command("send-topic-test")
@cli_errors
@fleet_command()
def send_topic_test(
    topic_name: str = typer.Option(..., "--topic", "--topic-name", help="The topic whose subscribers are mailed."),
    *,
    fleet: FleetOptions,
    note: str = NoteOption,
    force: bool = ForceOption,
    dry_run: bool = DryRunOption,
) -> None:
    """Mail a test message to every subscriber of a topic: proves who receives that topic, and that mail arrives.

    The same test (topic and note) reaches each person once; --force sends it again.
    """
    current = settings()
    topic = _known_topic(current.ses_config, topic_name)
    _service_mailout(
        current,
        f"test of {topic.name}",
        TOPIC_TEST_LEDGER_ID,
        content_event(topic.name, note),
        topic,
        lambda customer, now: topic_test(customer, topic, note, now),
        fleet=fleet,
        force=force,
        dry_run=dry_run,
    )


@app.command("send-general-preferences")
@cli_errors
@fleet_command()
def send_general_preferences(
    *,
    fleet: FleetOptions,
    note: str = NoteOption,
    force: bool = ForceOption,
    dry_run: bool = DryRunOption,
) -> None:
    """Mail subscribers of subscription-preferences a link to their own SES subscription page.

    The same notice (same note) reaches each person once; --force sends it again.
    """
    current = settings()
    topic = _known_topic(current.ses_config, PREFERENCES_TOPIC)
    offered = current.ses_config.expanded_topics
    _service_mailout(
        current,
        "subscription preferences notice",
        PREFERENCES_LEDGER_ID,
        content_event("notice", note),
        topic,
        lambda customer, now: preferences_notice(customer, topic, offered, note, now),
        fleet=fleet,
        force=force,
        dry_run=dry_run,
    )


# -- one test message to one address ----------------------------------------------------------------------


@app.command("send-test-email")
@cli_errors
def send_test_email(
    customer: str = typer.Option(..., "--customer", "-c", help="The customer whose SES account sends."),
    to: str = typer.Option(..., "--to", "--email", help="The address that receives the test."),
    sender: str | None = typer.Option(
        None, "--sender", "--sender-email", help="From address (a verified identity); default: email_config."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Send one short test message through a customer's SES, to check that its sending works."""
    current = settings()
    mapping = current.config.customer(customer)
    from_address = sender or current.config.email_config.sender_address
    for label, address in (("--to", to), ("--sender", from_address)):
        if not valid_address(address):
            raise fail(f"{label} {address!r} is not an email address", 2)
    mailer = Mailer(current)

    def work(target: CustomerMapping) -> dict[str, str]:
        message_id = mailer.send_test(target, to, from_address, utc_now())
        return {"from": from_address, "to": to, "message_id": message_id}

    run_for_customers(
        "test email",
        [mapping],
        work,
        max_concurrency=1,
        as_json=as_json,
        columns=[
            Column("from", lambda r: r["from"]),
            Column("to", lambda r: r["to"]),
            Column("message id", lambda r: r["message_id"]),
        ],
        document=lambda r: r,
    )
