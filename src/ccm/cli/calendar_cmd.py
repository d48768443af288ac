"""``ccm ses create-ics-invite`` and ``ccm ses create-multi-customer-meeting-invite``: meetings by hand; and the
``ccm calendar`` group (``freezes``, in :mod:`ccm.cli.freezes_cmd`).

* ``create-ics-invite`` writes the iCalendar invitation of a change or announcement (archived, or a JSON file)
  and, with ``--customer``, mails it through that customer's own SES to its calendar subscribers (or ``--to``),
  under the delivery ledger: running it again mails nobody twice.
* ``create-multi-customer-meeting-invite`` creates (or brings up to date) the one Teams meeting of an object,
  with the attendees of all its customers, exactly as the backend does; an archived object gets the meeting
  recorded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from ccm.aws.assume import RoleSessions
from ccm.cli.common import JsonOption, cli_errors, console, emit_json, fail, settings, table
from ccm.cli.fleet import DryRunOption
from ccm.cli.freezes_cmd import freezes
from ccm.domain.objects import AnyObject, InvalidDocument, MeetingMetadata, parse_document
from ccm.domain.times import utc_now
from ccm.errors import CcmError
from ccm.mail.decisions import Topics
from ccm.mail.delivery import Dispatcher, EmailSender
from ccm.mail.mime import valid_address
from ccm.mail.recipients import RecipientDirectory
from ccm.mail.ses import SesMailboxes
from ccm.mail.views import format_window
from ccm.meetings.graph_setup import GraphNotConfigured, build_graph_meetings
from ccm.meetings.ics import Method, render_ics
from ccm.meetings.invitation import invite_for
from ccm.meetings.invites import rescheduled
from ccm.meetings.plan import active_meeting, cancelled_meeting, meeting_plan, meeting_topic
from ccm.meetings.scheduler import email_only_meeting
from ccm.meetings.wiring import Meetings, build_meetings
from ccm.settings import Settings
from ccm.storage.archive import ArchiveStore, Stored
from ccm.storage.catalog import Catalog
from ccm.storage.ledger import DeliveryKey, DynamoLedger
from ccm.storage.meeting_claims import DynamoMeetingClaims
from ccm.storage.repository import Repository

CLI_USER = "ccm-cli"
ObjectIdOption = typer.Option(None, "--object-id", help="An archived change or announcement.")
FileOption = typer.Option(None, "--file", "-f", help="A change or announcement JSON document instead.")
SendThroughOption = typer.Option(
    None, "--customer", "-c", help="Mail it through this customer's SES to its calendar subscribers."
)
ToOption = typer.Option(None, "--to", help="Mail these addresses instead (repeatable).")
CancelOption = typer.Option(False, "--cancel", help="A cancellation (METHOD:CANCEL) instead of an invitation.")
OutputOption = typer.Option(None, "--output", "-o", help="Where to write the .ics (default: <id>.ics).")
PreviewOption = typer.Option(False, "--dry-run", help="Show who would be invited; touch no calendar.")


app = typer.Typer(help="The change calendar: freeze windows.", no_args_is_help=True)
app.command("freezes")(freezes)


def register(ses_app: typer.Typer) -> None:
    """The meeting commands live under ``ccm ses``, where the original tool had them."""
    ses_app.command("create-ics-invite")(create_ics_invite)
    ses_app.command("create-multi-customer-meeting-invite")(create_multi_customer_meeting)


def _repository(current: Settings) -> Repository:
    return Repository(ArchiveStore(current.bucket), Catalog(current.table))


def _load(current: Settings, object_id: str | None, file: Path | None) -> tuple[Stored, bool]:
    """The object, and whether it is the archived one (meeting details can be recorded on it)."""
    if (object_id is None) == (file is None):
        raise fail("give exactly one of --object-id or --file")
    if object_id is not None:
        return _repository(current).get(object_id), True
    assert file is not None
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise fail(f"cannot read {file}: {error}") from None
    if not isinstance(document, dict):
        raise fail(f"{file} must hold one JSON object")
    try:
        return Stored(parse_document(document), etag="", location="archive"), False
    except InvalidDocument as error:
        raise fail(f"{file} is not a valid change or announcement: {error}") from None


def _parts(current: Settings, *, graph: bool) -> tuple[Meetings, EmailSender]:
    config, ses_config = current.config, current.ses_config
    mailboxes = SesMailboxes(config, RoleSessions(session_prefix="ccm-cli"))
    directory = RecipientDirectory(config, mailboxes)
    service = build_graph_meetings(config) if graph else None
    if graph and service is None:
        raise GraphNotConfigured("config.json has no graph_config: Teams meetings are not configured")
    meetings = build_meetings(
        config,
        ses_config,
        repository=_repository(current),
        directory=directory,
        claims=DynamoMeetingClaims(current.table),
        service=service,
        user=lambda: CLI_USER,
    )
    return meetings, EmailSender(config, mailboxes, Dispatcher(DynamoLedger(current.table)))


def _meeting(obj: AnyObject, parts: Meetings, topics: Topics) -> MeetingMetadata:
    """The recorded meeting, or the one the object describes (kept by invitations alone)."""
    recorded = active_meeting(obj) or cancelled_meeting(obj)
    if recorded is not None:
        return recorded
    plan = meeting_plan(obj, topics)
    if plan is None:
        raise CcmError(f"{obj.id} names no meeting time (meetingTime, implementationStart or meeting_date)")
    return email_only_meeting(plan, parts.scheduler.organizer, parts.scheduler.uid_domain)


@cli_errors
def create_ics_invite(
    object_id: str | None = ObjectIdOption,
    file: Path | None = FileOption,
    customer: str | None = SendThroughOption,
    to: list[str] | None = ToOption,
    cancel: bool = CancelOption,
    output: Path | None = OutputOption,
    dry_run: bool = DryRunOption,
    as_json: bool = JsonOption,
) -> None:
    """Write a meeting's iCalendar invitation and, with --customer, mail it (nobody twice, even if run again)."""
    current = settings()
    stored, _ = _load(current, object_id, file)
    obj, config = stored.obj, current.config
    topics = Topics.from_ses_config(current.ses_config)
    parts, sender = _parts(current, graph=False)
    meeting = _meeting(obj, parts, topics)
    method: Method = "CANCEL" if cancel or (active_meeting(obj) is None and cancelled_meeting(obj)) else "REQUEST"
    topic = meeting_topic(obj, topics)
    mapping = config.customer(customer) if customer else None
    refused: list[str] = []
    if to:
        recipients = [
            a.strip() for a in to if valid_address(a.strip()) and (not mapping or mapping.allows_recipient(a))
        ]
        refused = [address for address in to if address.strip() not in recipients]
    elif mapping is not None:
        recipients = parts.invites.directory.recipients(mapping.customer_code, topic)
    else:
        recipients = []
    now = utc_now()
    invite = invite_for(
        obj,
        meeting,
        method=method,
        content=parts.content,
        organizer=parts.scheduler.organizer,
        attendees=tuple(recipients),
        now=now,
    )
    target = output or Path(f"{obj.id}.ics")
    target.write_text(render_ics(invite, method, now), encoding="utf-8", newline="")
    report: dict[str, Any] = {
        "file": str(target),
        "uid": invite.uid,
        "sequence": invite.sequence,
        "method": method,
        "customer": customer,
        "recipients": recipients,
        "refused": refused,
        "sent": 0,
        "already_sent": 0,
        "dry_run": dry_run,
    }
    if mapping is not None and recipients and not dry_run:
        key = DeliveryKey(obj.id, obj.version, f"cli_{method.lower()}", mapping.customer_code)
        email = parts.content.invitation_email(
            obj, invite, method, mapping.customer_code, topic, now, rescheduled=rescheduled(obj, meeting)
        )
        delivered = sender.deliver(key, mapping, email, recipients, topic, now=now)
        report.update(sent=delivered.sent, already_sent=delivered.already_sent)
    if as_json:
        emit_json(report)
        return
    console.print(f"wrote {target} (UID {invite.uid}, SEQUENCE {invite.sequence}, METHOD {method})")
    if refused:
        console.print(f"[yellow]not sent to (malformed or outside the customer's allow-list):[/] {', '.join(refused)}")
    if mapping is not None:
        verb = "would mail" if dry_run else f"mailed {report['sent']} ({report['already_sent']} before)"
        console.print(f"{verb} through {mapping.customer_code}'s SES: {', '.join(recipients) or 'nobody'}")


@cli_errors
def create_multi_customer_meeting(
    object_id: str | None = ObjectIdOption,
    file: Path | None = FileOption,
    dry_run: bool = PreviewOption,
    as_json: bool = JsonOption,
) -> None:
    """Create (or update) the one Teams meeting of a change or announcement, with all its customers' attendees."""
    current = settings()
    stored, archived = _load(current, object_id, file)
    obj = stored.obj
    parts, _ = _parts(current, graph=True)
    scheduler = parts.scheduler
    plan = meeting_plan(obj, scheduler.topics)
    if plan is None:
        raise fail(f"{obj.id} names no meeting time (meetingTime, implementationStart or meeting_date)")
    window = format_window(plan.start, plan.end, plan.timezone)
    report: dict[str, Any] = {
        "object_id": obj.id,
        "subject": plan.subject,
        "window": window.local if window else None,
        "timezone": plan.timezone,
        "topic": plan.topic,
    }
    if dry_run:
        audience = scheduler.audience(plan)
        report.update(attendees=list(audience.teams), by_email=list(audience.by_email), dry_run=True)
    else:
        outcome = scheduler.reconcile(obj, wanted=True)
        recorded = archived and parts.recorder.record(obj.id, obj.version, outcome.entries) is not None
        meeting = outcome.meeting
        report.update(
            action=outcome.detail,
            meeting_id=meeting.meeting_id if meeting else None,
            join_url=meeting.join_url if meeting else None,
            ical_uid=meeting.ical_uid if meeting else None,
            provider=meeting.provider if meeting else None,
            recorded=recorded,
        )
    if as_json:
        emit_json(report)
        return
    console.print(table(obj.id, ["field", "value"], [(key, _cell(value)) for key, value in report.items()]))


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "-"
    return "-" if value is None else str(value)
