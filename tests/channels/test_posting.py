"""Posting over real HTTP to a receiver on the loopback interface: success, retries, permanent failures, limits."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

import pytest

from ccm.channels.delivery import ChannelPoster, ChannelPostsPending, ledger_recipient
from ccm.channels.poster import KEPT_BODY_BYTES, RequestsTransport, parse_retry_after
from ccm.channels.secrets import SecretMissing
from ccm.config import ChannelConfig, CustomerMapping
from ccm.storage.channel_log import FAILED, RETRY, SENT, InMemoryChannelLog
from ccm.storage.ledger import Claim, DeliveryKey
from tests.backend_fakes import MemoryLedger
from tests.channels.support import NOW, SECRET, Answer, channel, message, receiver

KEY = DeliveryKey("CHG-2030-0001", 3, "approved", "xray")


@dataclass
class DictSecrets:
    values: dict[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str:
        if name not in self.values:
            raise SecretMissing(f"the SSM parameter {name} does not exist")
        return self.values[name]


@dataclass
class World:
    ledger: MemoryLedger = field(default_factory=MemoryLedger)
    log: InMemoryChannelLog = field(default_factory=InMemoryChannelLog)
    secrets: DictSecrets = field(default_factory=DictSecrets)
    slept: list[float] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def poster(self, **options: object) -> ChannelPoster:
        return ChannelPoster(
            self.ledger,
            self.log,
            self.secrets,
            RequestsTransport(timeout=options.pop("timeout", 5.0)),  # type: ignore[arg-type]
            allow_loopback_http=True,
            now=lambda: NOW,
            sleep=self.slept.append,
            **options,  # type: ignore[arg-type]
        )

    def customer(self, url: str, *channels: ChannelConfig) -> CustomerMapping:
        for each in channels:
            self.secrets.values[each.url_parameter] = f"{url}/{each.name}"
            if each.secret_parameter:
                self.secrets.values[each.secret_parameter] = SECRET
        return CustomerMapping.model_validate(
            {
                "customer_code": "xray",
                "customer_name": "Xray Imaging",
                "ses_role_arn": "arn:aws:iam::100000000024:role/ccm-ses-sender",
                "channels": [each.model_dump() for each in channels],
            }
        )

    def post(self, poster: ChannelPoster, customer: CustomerMapping, **options: object) -> None:
        poster.post_event(KEY, customer, message(), counts=self.counts, **options)  # type: ignore[arg-type]


def test_a_2xx_is_sent_once_and_a_second_delivery_of_the_same_key_posts_nothing() -> None:
    world = World()
    with receiver(Answer(202)) as hooks:
        customer = world.customer(hooks.url, channel("ops", "teams"), channel("chat", "slack"), channel("itsm"))
        poster = world.poster()
        world.post(poster, customer)
        world.post(poster, customer)
    assert sorted(r.path for r in hooks.received) == ["/chat", "/itsm", "/ops"]
    assert world.counts["ChannelPostsSent"] == 3
    assert world.ledger.delivered(KEY) == {"channel:ops", "channel:chat", "channel:itsm"}
    assert [a.outcome for a in world.log.for_object(KEY.object_id)] == [SENT, SENT, SENT]


def test_only_the_channels_that_take_the_event_are_posted() -> None:
    world = World()
    with receiver(Answer(200)) as hooks:
        customer = world.customer(hooks.url, channel("all"), channel("endings", events=["completed", "cancelled"]))
        world.post(world.poster(), customer)
    assert [r.path for r in hooks.received] == ["/all"]


def test_a_429_is_retried_after_the_time_retry_after_asks_for() -> None:
    world = World()
    with receiver(Answer(429, {"Retry-After": "7"}), Answer(200)) as hooks:
        customer = world.customer(hooks.url, channel("itsm"))
        world.post(world.poster(backoff_base=0.01), customer)
    assert len(hooks.received) == 2
    assert world.slept == [7.0]
    attempts = sorted(world.log.for_object(KEY.object_id), key=lambda a: a.number)
    assert [(a.number, a.status, a.outcome) for a in attempts] == [(1, 429, RETRY), (2, 200, SENT)]
    # Both attempts are one delivery: the same message id, each freshly signed.
    assert hooks.received[0].headers["webhook-id"] == hooks.received[1].headers["webhook-id"]


def test_5xx_after_the_last_attempt_releases_the_claim_and_fails_the_message_for_the_queue_to_retry() -> None:
    world = World()
    with receiver(Answer(503)) as hooks:
        customer = world.customer(hooks.url, channel("itsm"))
        with pytest.raises(ChannelPostsPending, match="itsm"):
            world.post(world.poster(attempts=3, backoff_base=0.01), customer)
        assert len(hooks.received) == 3
        assert world.counts["ChannelPostsRetried"] == 1
        assert world.ledger.settled(KEY) == {}
        hooks.answers = [Answer(200)]
        world.post(world.poster(), customer)
    assert world.ledger.delivered(KEY) == {ledger_recipient("itsm")}


def test_no_retry_starts_that_would_end_after_the_invocations_deadline() -> None:
    world = World()
    with receiver(Answer(429, {"Retry-After": "120"})) as hooks:
        customer = world.customer(hooks.url, channel("itsm"))
        with pytest.raises(ChannelPostsPending):
            poster = world.poster()
            world.post(poster, customer, deadline=poster.clock() + 60)
    assert len(hooks.received) == 1 and world.slept == []


def test_a_404_is_a_permanent_failure_recorded_counted_and_never_posted_again() -> None:
    world = World()
    with receiver(Answer(404, body=b"no such hook")) as hooks:
        customer = world.customer(hooks.url, channel("itsm"), channel("ops", "teams"))
        hooks.answers = [Answer(404, body=b"no such hook")]
        world.post(world.poster(), customer)
        world.post(world.poster(), customer)
    assert len(hooks.received) == 2  # one per channel, and nothing on the second delivery
    assert world.counts["ChannelPostsFailed"] == 2
    assert world.ledger.settled(KEY) == {"channel:itsm": "rejected", "channel:ops": "rejected"}
    [attempt, _] = world.log.for_object(KEY.object_id)
    assert attempt.outcome == FAILED and attempt.status == 404 and attempt.response == "no such hook"


def test_a_redirect_is_not_followed_and_fails_for_good() -> None:
    world = World()
    with receiver(Answer(200)) as elsewhere, receiver(Answer(302, {"Location": f"{elsewhere.url}/stolen"})) as hooks:
        customer = world.customer(hooks.url, channel("itsm"))
        world.post(world.poster(), customer)
    assert elsewhere.received == []
    [attempt] = world.log.for_object(KEY.object_id)
    assert attempt.outcome == FAILED and attempt.status == 302
    assert attempt.error is not None and "redirects are not followed" in attempt.error


def test_a_url_the_checks_refuse_is_never_requested_and_fails_for_good() -> None:
    world = World()
    customer = world.customer("https://10.0.0.8", channel("itsm"))
    world.post(world.poster(), customer)
    [attempt] = world.log.for_object(KEY.object_id)
    assert attempt.outcome == FAILED and attempt.status is None
    assert attempt.error is not None and "private" in attempt.error and "10.0.0.8" not in attempt.error
    assert world.counts["ChannelPostsFailed"] == 1


def test_an_http_url_is_refused_when_the_loopback_setting_is_off() -> None:
    world = World()
    with receiver(Answer(200)) as hooks:
        customer = world.customer(hooks.url, channel("itsm"))
        poster = world.poster()
        poster.allow_loopback_http = False
        world.post(poster, customer)
    assert hooks.received == []
    assert world.counts["ChannelPostsFailed"] == 1


def test_a_missing_url_parameter_is_a_permanent_failure_naming_the_parameter() -> None:
    world = World()
    customer = world.customer("https://itsm.example.com", channel("itsm"))
    del world.secrets.values["/test/itsm/url"]
    world.post(world.poster(), customer)
    [attempt] = world.log.for_object(KEY.object_id)
    assert attempt.error == "refused: the SSM parameter /test/itsm/url does not exist"


def test_at_most_one_kilobyte_of_an_answer_is_kept() -> None:
    world = World()
    with receiver(Answer(200, body=b"y" * 50_000)) as hooks:
        customer = world.customer(hooks.url, channel("itsm"))
        world.post(world.poster(), customer)
    [attempt] = world.log.for_object(KEY.object_id)
    assert attempt.response == "y" * KEPT_BODY_BYTES


def test_a_receiver_that_does_not_answer_in_time_is_a_retryable_failure() -> None:
    import threading

    release = threading.Event()
    world = World()
    with receiver(Answer(200), on_request=lambda: release.wait(5)) as hooks:
        customer = world.customer(hooks.url, channel("itsm"))
        with pytest.raises(ChannelPostsPending):
            world.post(world.poster(timeout=0.2, attempts=1), customer)
        release.set()
    [attempt] = world.log.for_object(KEY.object_id)
    assert attempt.outcome == RETRY and attempt.status is None and attempt.error == "no answer within 0.2 s"


def test_the_posted_bodies_are_each_channels_own_format() -> None:
    world = World()
    with receiver(Answer(200)) as hooks:
        customer = world.customer(hooks.url, channel("ops", "teams"), channel("chat", "slack"), channel("itsm"))
        world.post(world.poster(), customer)
    bodies = {r.path: (r.headers, json.loads(r.body)) for r in hooks.received}
    assert bodies["/ops"][1]["attachments"][0]["content"]["type"] == "AdaptiveCard"
    assert bodies["/chat"][1]["blocks"][0]["type"] == "header"
    headers, event = bodies["/itsm"]
    assert event["type"] == "com.ccm.change.approved" and headers["content-type"] == "application/cloudevents+json"
    assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= set(headers)
    assert "webhook-signature" not in bodies["/ops"][0]


@pytest.mark.parametrize(("header", "seconds"), [("12", 12.0), (None, None), ("soon", None)])
def test_retry_after_in_seconds_or_missing_or_unreadable(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


def test_retry_after_as_an_http_date() -> None:
    assert parse_retry_after("Sun, 06 Jan 2030 12:00:30 GMT", now=lambda: NOW.timestamp()) == 30.0


class LedgerThatCannotRecord(MemoryLedger):
    def mark_sent(self, claim: Claim, message_id: str) -> None:
        raise RuntimeError("the table is unavailable")


def test_a_post_that_went_out_is_not_posted_again_when_recording_it_fails() -> None:
    world = World(ledger=LedgerThatCannotRecord())
    with receiver(Answer(200)) as hooks:
        customer = world.customer(hooks.url, channel("itsm"))
        world.post(world.poster(), customer)
        # The claim stays until its lease runs out: a redelivery meanwhile finds it held, never free to post.
        with pytest.raises(ChannelPostsPending):
            world.post(world.poster(), customer)
    assert len(hooks.received) == 1
    assert world.counts["ChannelPostsSent"] == 1
