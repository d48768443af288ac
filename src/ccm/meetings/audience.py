"""Whom an object reaches once approved, counted from each customer's SES as the backend would mail and invite.

Per customer: the recipients of the notification the approval sends (the change announcement topic, or the
announcement's type topic) and, when the object asks for a meeting, of the meeting topic. Then the meeting as the
backend would make it (:func:`ccm.meetings.invitees.invitees`): how many are invited, or that nobody is and no
meeting will be made. Each customer's audience comes from :class:`ccm.mail.audience.CustomerAudiences`, which reads
a customer at most once a minute; a customer whose SES cannot be read is reported with the reason, the others
still counted.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from botocore.exceptions import BotoCoreError, ClientError

from ccm.config import AppConfig, SesConfig
from ccm.domain.audience import CustomerReach, MeetingReach, ObjectAudience, TopicReach
from ccm.domain.objects import AnyObject
from ccm.errors import CcmError
from ccm.mail.audience import CustomerAudiences, CustomerTopics
from ccm.mail.decisions import EmailEvent, Topics, topic_for
from ccm.meetings.invitees import invitees
from ccm.meetings.plan import listed_attendees, meeting_plan

logger = logging.getLogger(__name__)

READ_WORKERS = 8


@dataclass(frozen=True)
class _Read:
    topics: CustomerTopics | None
    problem: str | None


class AudienceCounter:
    """The workflow's ``audience`` port (:class:`ccm.workflow.audience.AudienceSource`) on the customers' SES."""

    def __init__(
        self,
        config: AppConfig,
        ses_config: SesConfig,
        audiences: CustomerAudiences,
        *,
        teams_available: bool,
    ) -> None:
        self.config = config
        self.topics = Topics.from_ses_config(ses_config)
        self.audiences = audiences
        self.teams_available = teams_available

    def reach(self, obj: AnyObject) -> ObjectAudience:
        codes = [code for code in obj.customers if code in self.config.customer_mappings]
        reads = self._read_all(codes)
        notification_topic = topic_for(obj, EmailEvent.APPROVED, self.topics)
        plan = meeting_plan(obj, self.topics) if obj.include_meeting else None
        teams = {code for code in codes if self.teams_available and self.config.customer(code).uses_teams}
        customers = []
        for code in codes:
            read = reads[code]
            name = self.config.customer(code).customer_name
            if read.topics is None:
                customers.append(CustomerReach(code, name, problem=read.problem))
                continue
            wanted = [notification_topic, *([plan.topic] if plan else [])]
            missing = [topic for topic in wanted if topic not in read.topics.recipients]
            customers.append(
                CustomerReach(
                    code,
                    name,
                    notification=self._topic(read.topics, notification_topic),
                    meeting=self._topic(read.topics, plan.topic) if plan else None,
                    invited_by=("teams" if code in teams else "email") if plan else None,
                    problem=f"its contact list has no topic {', '.join(missing)}" if missing else None,
                )
            )
        meeting_reach = None
        if plan is not None:
            unknown = any(customer.problem for customer in customers)
            found = {
                code: read.topics.recipients.get(plan.topic, [])
                for code, read in reads.items()
                if read.topics is not None
            }
            invited = invitees(self.config, codes, found, plan.listed_attendees, teams_available=self.teams_available)
            listed = {address.lower() for address in listed_attendees(obj.attendees)}
            meeting_reach = MeetingReach(
                topic=plan.topic,
                invited=invited.count,
                listed=sum(1 for address in invited.teams if address.lower() in listed),
                unknown=unknown,
            )
        read_times = [read.topics.read_at for read in reads.values() if read.topics is not None]
        counted_at = min(read_times) if read_times else self.audiences.clock()
        return ObjectAudience(obj.id, counted_at, customers, meeting_reach)

    @staticmethod
    def _topic(read: CustomerTopics, topic: str) -> TopicReach | None:
        found = read.recipients.get(topic)
        return TopicReach(topic, len(found)) if found is not None else None

    def _read_all(self, codes: list[str]) -> dict[str, _Read]:
        if not codes:
            return {}
        with ThreadPoolExecutor(max_workers=min(READ_WORKERS, len(codes))) as pool:
            return dict(zip(codes, pool.map(self._read, codes), strict=True))

    def _read(self, code: str) -> _Read:
        try:
            return _Read(self.audiences.topics_of(code), None)
        except (CcmError, ClientError, BotoCoreError) as error:
            logger.warning("cannot count the audience of %s: %s", code, error)
            return _Read(None, f"its audience cannot be read now: {error}")
