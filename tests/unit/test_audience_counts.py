"""Counting whom an object reaches: each customer's SES read at most once a minute, and the meeting rule."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from ccm.config import AppConfig, CustomerMapping, SesConfig
from ccm.mail.audience import CustomerAudiences
from ccm.meetings.audience import AudienceCounter
from tests.factories import make_change

T0 = datetime(2030, 1, 6, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class CountingSource:
    """One customer's contact list: every topic's subscribers, and how often it was read."""

    def __init__(self, topics: dict[str, list[str]], suppressed: frozenset[str] = frozenset()) -> None:
        self.topics = topics
        self.blocked = suppressed
        self.reads = 0
        self.gate: threading.Event | None = None

    def topic_subscribers(self) -> dict[str, list[str]]:
        if self.gate is not None:
            self.gate.wait(5)
        self.reads += 1
        return {topic: list(addresses) for topic, addresses in self.topics.items()}

    def suppressed(self) -> frozenset[str]:
        return self.blocked


class Sources:
    def __init__(self, by_code: dict[str, CountingSource]) -> None:
        self.by_code = by_code

    def for_customer(self, customer: CustomerMapping) -> CountingSource:
        return self.by_code[customer.customer_code]


def test_a_customers_audience_is_read_once_a_minute_whatever_the_number_of_objects(app_config: AppConfig) -> None:
    source = CountingSource({"aws-announce": ["a@example.com", "b@example.com"]})
    clock = Clock()
    audiences = CustomerAudiences(app_config, Sources({"alpha": source}), clock=clock)

    first = audiences.topics_of("alpha")
    clock.now += timedelta(seconds=59)
    again = audiences.topics_of("alpha")
    clock.now += timedelta(seconds=2)
    later = audiences.topics_of("alpha")

    assert source.reads == 2
    assert first is again and first.read_at == T0
    assert later.read_at == T0 + timedelta(seconds=61)
    assert later.recipients == {"aws-announce": ["a@example.com", "b@example.com"]}


def test_requests_arriving_together_for_one_customer_read_its_ses_once(app_config: AppConfig) -> None:
    source = CountingSource({"aws-announce": ["a@example.com"]})
    source.gate = threading.Event()
    audiences = CustomerAudiences(app_config, Sources({"alpha": source}))
    workers = [threading.Thread(target=audiences.topics_of, args=("alpha",)) for _ in range(5)]
    for worker in workers:
        worker.start()
    source.gate.set()
    for worker in workers:
        worker.join()

    assert source.reads == 1


def test_recipients_are_counted_as_the_backend_mails_them(app_config: AppConfig) -> None:
    zulu = CountingSource({"aws-announce": ["sandbox-tester@example.com", "outsider@example.com", "not an address"]})
    alpha = CountingSource(
        {"aws-announce": ["A@example.com", "a@EXAMPLE.com", "bounced@example.com"]},
        suppressed=frozenset({"bounced@example.com"}),
    )
    audiences = CustomerAudiences(app_config, Sources({"alpha": alpha, "zulu": zulu}))

    assert audiences.topics_of("zulu").recipients == {"aws-announce": ["sandbox-tester@example.com"]}
    assert audiences.topics_of("alpha").recipients == {"aws-announce": ["A@example.com"]}


def test_the_meeting_counts_each_invitee_once_and_listed_attendees_only_where_teams_invites(
    app_config: AppConfig, ses_config: SesConfig
) -> None:
    calendar = "aws-calendar"
    sources = Sources(
        {
            "alpha": CountingSource({calendar: ["ops@example.com", "guest@example.com"], "aws-announce": []}),
            "xray": CountingSource({calendar: ["radiology@xray.example.com"], "aws-announce": []}),
        }
    )
    counter = AudienceCounter(app_config, ses_config, CustomerAudiences(app_config, sources), teams_available=True)
    by_email_only = AudienceCounter(
        app_config, ses_config, CustomerAudiences(app_config, sources), teams_available=False
    )
    change = make_change(customers=["alpha", "xray"], include_meeting=True, attendees="guest@example.com, x@y.org")

    meeting = counter.reach(change).meeting
    email_meeting = by_email_only.reach(change).meeting

    assert meeting is not None and (meeting.invited, meeting.listed) == (4, 2)
    assert {c.code: c.invited_by for c in counter.reach(change).customers} == {"alpha": "teams", "xray": "email"}
    assert email_meeting is not None and (email_meeting.invited, email_meeting.listed) == (3, 0)
