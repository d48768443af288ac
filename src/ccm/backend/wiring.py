"""The backend's composition root: every real object built once, from the settings, with nothing called yet.

The handler calls :func:`build_backend` once per cold start; tests pass fakes for the ports they replace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ccm.aws.assume import RoleSessions
from ccm.backend.channel_step import ChannelStep
from ccm.backend.clock_work import ClockWork
from ccm.backend.delegation_notices import DelegationNotices
from ccm.backend.feedback_notices import FeedbackNotices
from ccm.backend.meeting_steps import CalendarInviteStep, MeetingStep
from ccm.backend.notices import NoticePlanner
from ccm.backend.principal import BackendPrincipal
from ccm.backend.processor import TriggerProcessor
from ccm.backend.steps import EmailStep, Pipeline, RequesterStep
from ccm.backend.ticket_step import TicketStep
from ccm.channels.delivery import ChannelPoster
from ccm.channels.message import MessageBuilder
from ccm.channels.poster import RequestsTransport
from ccm.channels.secrets import ParameterSecrets
from ccm.config import AppConfig
from ccm.domain.times import utc_now
from ccm.integrations.follow import TicketFollower
from ccm.integrations.wiring import build_clients
from ccm.mail.decisions import Topics
from ccm.mail.delivery import Dispatcher, EmailSender
from ccm.mail.port import Mailboxes
from ccm.mail.recipients import RecipientDirectory
from ccm.mail.render import EmailRenderer
from ccm.mail.ses import SesMailboxes
from ccm.mail.views import ViewBuilder
from ccm.mail.what_changed import ChangeRows
from ccm.meetings.graph_setup import build_graph_meetings
from ccm.meetings.port import MeetingService
from ccm.meetings.wiring import Meetings, build_meetings
from ccm.settings import Settings
from ccm.storage.archive import ArchiveStore
from ccm.storage.catalog import Catalog
from ccm.storage.channel_log import DynamoChannelLog
from ccm.storage.delegations import DelegationStore, DynamoDelegations
from ccm.storage.feedback import DynamoFeedback, DynamoFeedbackKeys
from ccm.storage.ledger import DeliveryLedger, DynamoLedger
from ccm.storage.meeting_claims import DynamoMeetingClaims, MeetingClaims
from ccm.storage.repository import Repository
from ccm.storage.trigger_failures import TriggerFailures


@dataclass
class Backend:
    """What the handler runs (``processor``) and what tests look into."""

    config: AppConfig
    repository: Repository
    pipeline: Pipeline
    processor: TriggerProcessor
    meetings: Meetings


def build_backend(
    settings: Settings,
    *,
    repository: Repository | None = None,
    mailboxes: Mailboxes | None = None,
    ledger: DeliveryLedger | None = None,
    principal: BackendPrincipal | None = None,
    dispatcher: Dispatcher | None = None,
    clock: Callable[[], datetime] = utc_now,
    meeting_service: MeetingService | Literal["config"] | None = "config",
    meeting_claims: MeetingClaims | None = None,
    delegations: DelegationStore | None = None,
    channel_poster: ChannelPoster | None = None,
    ticket_follower: TicketFollower | None = None,
) -> Backend:
    """``meeting_service``: the calendar for Teams meetings; ``"config"`` builds the Graph client from config.json,
    ``None`` means no Teams (every customer gets invitations by email)."""
    config, ses_config = settings.config, settings.ses_config
    principal = principal or BackendPrincipal()
    repository = repository or Repository(ArchiveStore(settings.bucket), Catalog(settings.table))
    mailboxes = mailboxes or SesMailboxes(config, RoleSessions(session_prefix="ccm-backend"))
    directory = RecipientDirectory(config, mailboxes)
    ledger = ledger or (dispatcher.ledger if dispatcher is not None else DynamoLedger(settings.table))
    sender = EmailSender(config, mailboxes, dispatcher or Dispatcher(ledger))
    channels = ChannelStep(
        channel_poster
        or ChannelPoster(
            ledger,
            DynamoChannelLog(settings.table),
            ParameterSecrets(),
            RequestsTransport(),
            allow_loopback_http=settings.channels_loopback_http,
        ),
        MessageBuilder(config),
    )
    tickets = ticket_follower or _ticket_follower(config, settings.table, ledger, repository, principal)
    calendar = build_meetings(
        config,
        ses_config,
        repository=repository,
        directory=directory,
        claims=meeting_claims or DynamoMeetingClaims(settings.table),
        service=build_graph_meetings(config) if meeting_service == "config" else meeting_service,
        user=lambda: principal.user_id,
        clock=clock,
    )
    topics = Topics.from_ses_config(ses_config)
    planner = NoticePlanner(topics, repository, ChangeRows(config))
    renderer = EmailRenderer(config, ses_config, feedback_keys=DynamoFeedbackKeys(settings.table).keys)
    pipeline = Pipeline(
        email=EmailStep(renderer, directory, sender, planner),
        meeting=MeetingStep(calendar.scheduler, calendar.recorder, repository),
        invites=CalendarInviteStep(calendar.invites, sender),
        requester=RequesterStep(renderer, sender),
        channels=channels,
        tickets=TicketStep(tickets, ViewBuilder(config)) if tickets is not None else None,
    )
    notices = DelegationNotices(
        config, repository.archive, delegations or DynamoDelegations(settings.table), sender, clock
    )
    clock_work = ClockWork(config, repository.archive, topics, renderer, directory, sender, channels=channels)
    processor = TriggerProcessor(
        config,
        repository,
        principal,
        pipeline,
        topics,
        clock=clock,
        notices=notices,
        feedback_notices=FeedbackNotices(config, repository.archive, DynamoFeedback(settings.table), sender, clock),
        clock_work=clock_work,
        failures=TriggerFailures(settings.table),
    )
    return Backend(config=config, repository=repository, pipeline=pipeline, processor=processor, meetings=calendar)


def _ticket_follower(
    config: AppConfig, table: str, ledger: DeliveryLedger, repository: Repository, principal: BackendPrincipal
) -> TicketFollower | None:
    """ServiceNow and Jira, when config.json names them (the clients read their credentials on first use)."""
    integrations = config.integrations
    clients = build_clients(integrations)
    if not clients.any:
        return None
    return TicketFollower(
        ledger,
        DynamoChannelLog(table),
        repository,
        servicenow=clients.servicenow,
        jira=clients.jira,
        create_change_requests=bool(integrations.servicenow and integrations.servicenow.create_change_requests),
        user=lambda: principal.user_id,
    )
