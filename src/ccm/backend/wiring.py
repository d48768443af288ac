"""The backend's composition root: every real object built once, from the settings, with nothing called yet.

The handler calls :func:`build_backend` once per cold start; tests pass fakes for the ports they replace.
Further steps (meetings) are added to ``backend.plan`` here, next to the email step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ccm.aws.assume import RoleSessions
from ccm.backend.decisions import Topics
from ccm.backend.delivery import Dispatcher
from ccm.backend.identity import BackendIdentity
from ccm.backend.ledger import DeliveryLedger, DynamoLedger
from ccm.backend.mail import Mailboxes
from ccm.backend.processor import TriggerProcessor
from ccm.backend.recipients import RecipientDirectory
from ccm.backend.render import EmailRenderer
from ccm.backend.ses import SesMailboxes
from ccm.backend.steps import EmailStep, Notifier, StepPlan
from ccm.config import AppConfig, SesConfig
from ccm.domain.times import utc_now
from ccm.meetings.claims import DynamoMeetingClaims, MeetingClaims
from ccm.meetings.graph_setup import build_graph_meetings
from ccm.meetings.port import MeetingService
from ccm.meetings.steps import CalendarInviteStep, MeetingStep, install
from ccm.meetings.wiring import Meetings, build_meetings
from ccm.settings import Settings
from ccm.storage.archive import ArchiveStore
from ccm.storage.catalog import Catalog
from ccm.storage.repository import Repository


@dataclass
class Backend:
    config: AppConfig
    ses_config: SesConfig
    repository: Repository
    mailboxes: Mailboxes
    ledger: DeliveryLedger
    directory: RecipientDirectory
    renderer: EmailRenderer
    notifier: Notifier
    plan: StepPlan
    processor: TriggerProcessor
    meetings: Meetings | None = None


def build_backend(
    settings: Settings,
    *,
    repository: Repository | None = None,
    mailboxes: Mailboxes | None = None,
    ledger: DeliveryLedger | None = None,
    identity: BackendIdentity | None = None,
    dispatcher: Dispatcher | None = None,
    clock: Callable[[], datetime] = utc_now,
    meeting_service: MeetingService | Literal["config"] | None = "config",
    meeting_claims: MeetingClaims | None = None,
) -> Backend:
    """``meeting_service``: the calendar for Teams meetings; ``"config"`` builds the Graph client from config.json,
    ``None`` means no Teams (every customer gets invitations by email)."""
    config, ses_config = settings.config, settings.ses_config
    identity = identity or BackendIdentity()
    repository = repository or Repository(ArchiveStore(settings.bucket), Catalog(settings.table))
    mailboxes = mailboxes or SesMailboxes(config, RoleSessions(session_prefix="ccm-backend"))
    ledger = ledger or DynamoLedger(settings.table)
    directory = RecipientDirectory(config, mailboxes)
    renderer = EmailRenderer(config, ses_config)
    notifier = Notifier(config, mailboxes, dispatcher or Dispatcher(ledger))
    plan = StepPlan.with_email(EmailStep(renderer, directory, notifier))
    calendar = build_meetings(
        config,
        ses_config,
        repository=repository,
        directory=directory,
        notifier=notifier,
        claims=meeting_claims or DynamoMeetingClaims(settings.table),
        service=build_graph_meetings(config) if meeting_service == "config" else meeting_service,
        user=lambda: identity.user_id,
        clock=clock,
    )
    install(plan, MeetingStep(calendar.scheduler, calendar.recorder, repository), CalendarInviteStep(calendar.invites))
    processor = TriggerProcessor(config, repository, identity, plan, Topics.from_ses_config(ses_config), clock=clock)
    return Backend(
        config=config,
        ses_config=ses_config,
        repository=repository,
        mailboxes=mailboxes,
        ledger=ledger,
        directory=directory,
        renderer=renderer,
        notifier=notifier,
        plan=plan,
        processor=processor,
        meetings=calendar,
    )
