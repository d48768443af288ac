"""The meeting parts, built once from the mail parts the backend (or the CLI) uses, calling nothing yet."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from ccm.config import AppConfig, SesConfig
from ccm.domain.times import utc_now
from ccm.mail.decisions import Topics
from ccm.mail.recipients import RecipientDirectory
from ccm.meetings.content import MeetingContent
from ccm.meetings.invites import CalendarInvites
from ccm.meetings.port import MeetingService
from ccm.meetings.record import MeetingRecorder
from ccm.meetings.scheduler import MeetingScheduler
from ccm.storage.meeting_claims import WAIT_SECONDS, MeetingClaims
from ccm.storage.repository import Repository


@dataclass
class Meetings:
    scheduler: MeetingScheduler
    recorder: MeetingRecorder
    invites: CalendarInvites
    content: MeetingContent
    service: MeetingService | None


def build_meetings(
    config: AppConfig,
    ses_config: SesConfig,
    *,
    repository: Repository,
    directory: RecipientDirectory,
    claims: MeetingClaims,
    service: MeetingService | None,
    user: Callable[[], str],
    clock: Callable[[], datetime] = utc_now,
    sleep: Callable[[float], None] = time.sleep,
    wait_seconds: float = WAIT_SECONDS,
) -> Meetings:
    topics = Topics.from_ses_config(ses_config)
    content = MeetingContent(config, ses_config)
    scheduler = MeetingScheduler(
        config, topics, directory, claims, service, content, clock=clock, sleep=sleep, wait_seconds=wait_seconds
    )
    recorder = MeetingRecorder(repository, user, clock=clock, sleep=sleep)
    invites = CalendarInvites(topics, directory, content, scheduler.organizer)
    return Meetings(scheduler=scheduler, recorder=recorder, invites=invites, content=content, service=service)
