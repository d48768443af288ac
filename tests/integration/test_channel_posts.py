"""The backend's channel posts over moto (DynamoDB ledger, SSM parameters) to receivers on the loopback interface:
exactly once per channel under redelivery and under two concurrent workers, and through the Lambda handler."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import cast

import boto3
import pytest
from functions.backend import app

from ccm.backend.channel_step import ChannelStep
from ccm.backend.processor import MessageFailed
from ccm.config import AppConfig
from ccm.domain.due_actions import reminder
from ccm.domain.objects import Change
from ccm.storage.channel_log import DynamoChannelLog
from ccm.storage.ledger import DeliveryKey
from tests.backend_support import NOW, Harness, LambdaContext, bucket_and_table, sqs_event, trigger_body
from tests.channels.support import SECRET, Answer, Receiver, receiver
from tests.conftest import TABLE
from tests.factories import make_change

CUSTOMER = "xray"


@pytest.fixture
def hooks(aws: None, app_config: AppConfig, monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    """xray's four demo channels pointed at one receiver, each at its own path."""
    monkeypatch.setenv("CCM_CHANNELS_LOOPBACK_HTTP", "1")
    ssm = boto3.client("ssm")
    with receiver(Answer(200)) as state:
        for channel in app_config.customer(CUSTOMER).channels:
            ssm.put_parameter(Name=channel.url_parameter, Value=f"{state.url}/{channel.name}", Type="SecureString")
            if channel.secret_parameter:
                ssm.put_parameter(Name=channel.secret_parameter, Value=SECRET, Type="SecureString")
        yield state


@pytest.fixture
def harness(hooks: Receiver) -> Harness:
    harness = Harness.build(bucket_and_table())
    step = cast(ChannelStep, harness.backend.pipeline.channels)
    step.poster.sleep = lambda seconds: None
    harness.subscribe(CUSTOMER, "aws-announce", "ops@xray.example.com")
    return harness


def approved_change(harness: Harness) -> str:
    change = make_change(status="submitted", customers=[CUSTOMER])
    harness.repository.create(change, "archive")
    return harness.transition(change.id, "approved").id


def paths(hooks: Receiver) -> list[str]:
    return sorted(request.path for request in hooks.received)


APPROVED_CHANNELS = ["/flaky-webhook", "/itsm-webhook", "/ops-slack", "/ops-teams"]


def test_an_approval_is_posted_once_to_each_channel_that_takes_it_and_each_attempt_is_logged(
    harness: Harness, hooks: Receiver
) -> None:
    object_id = approved_change(harness)
    harness.deliver(CUSTOMER, object_id)
    assert paths(hooks) == APPROVED_CHANNELS
    attempts = DynamoChannelLog(TABLE).for_object(object_id)
    assert sorted((a.channel, a.outcome, a.status) for a in attempts) == [
        ("flaky-webhook", "sent", 200),
        ("itsm-webhook", "sent", 200),
        ("ops-slack", "sent", 200),
        ("ops-teams", "sent", 200),
    ]
    assert [a.object_id for a in DynamoChannelLog(TABLE).for_customer(CUSTOMER)] == [object_id] * 4


def test_a_redelivered_message_posts_only_to_the_channel_that_failed(harness: Harness, hooks: Receiver) -> None:
    object_id = approved_change(harness)
    hooks.failing = {"/itsm-webhook"}
    with pytest.raises(MessageFailed):
        harness.deliver(CUSTOMER, object_id)
    first = len(hooks.received)
    assert sum(1 for r in hooks.received if r.path == "/itsm-webhook") == 4  # every attempt of the invocation
    hooks.failing = set()

    harness.deliver(CUSTOMER, object_id)
    harness.deliver(CUSTOMER, object_id)

    assert [r.path for r in hooks.received[first:]] == ["/itsm-webhook"]
    version = harness.repository.archive.read_at("archive", object_id).obj.version
    sent = harness.ledger.delivered(DeliveryKey(object_id, version, "approved", CUSTOMER))
    assert sent == {"ops@xray.example.com", *(f"channel:{path.strip('/')}" for path in APPROVED_CHANNELS)}
    assert [mail.recipient for mail in harness.mail.outbox.sent] == ["ops@xray.example.com"]


def test_two_workers_with_the_same_message_at_once_post_each_channel_once(harness: Harness, hooks: Receiver) -> None:
    object_id = approved_change(harness)
    both_started = threading.Barrier(2, timeout=10)
    first_post = threading.Event()

    def hold_the_first_post() -> None:
        # The first post waits until the other worker has had time to reach the same claims.
        if not first_post.is_set():
            first_post.set()
            threading.Event().wait(1.0)

    hooks.on_request = hold_the_first_post
    outcomes: list[str] = []

    def worker() -> None:
        both_started.wait()
        try:
            harness.deliver(CUSTOMER, object_id)
            outcomes.append("done")
        except MessageFailed:
            outcomes.append("retry")

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # A worker that met the other's claim failed its message; the queue's redelivery finishes it.
    assert len(outcomes) == 2
    harness.deliver(CUSTOMER, object_id)

    assert paths(hooks) == APPROVED_CHANNELS


def test_the_handler_posts_and_publishes_the_channel_metrics(
    harness: Harness, hooks: Receiver, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setattr(app, "_backend", harness.backend)
    monkeypatch.setattr(app, "_entry", None)
    object_id = approved_change(harness)
    event = sqs_event([trigger_body(CUSTOMER, object_id, bucket=harness.bucket)])

    assert app.handler(event, LambdaContext()) == {"batchItemFailures": []}  # type: ignore[arg-type]

    assert paths(hooks) == APPROVED_CHANNELS
    metrics = next(json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line)
    assert metrics["ChannelPostsSent"] == [4.0] and metrics["ChannelPostsFailed"] == [0.0]


def test_a_reminder_is_posted_to_the_channels_that_take_reminders_once_per_offset(
    harness: Harness, hooks: Receiver
) -> None:
    object_id = approved_change(harness)
    harness.deliver(CUSTOMER, object_id)
    change = harness.repository.archive.read_at("archive", object_id).obj
    assert isinstance(change, Change) and change.implementation_start is not None
    before = len(hooks.received)
    action = reminder(object_id, CUSTOMER, change.version, "P1D", change.implementation_start, NOW)

    harness.backend.processor.process_message(action.body())
    harness.backend.processor.process_message(action.body())  # the queue delivers it again

    reminded = sorted(request.path for request in hooks.received[before:])
    assert reminded == ["/itsm-webhook", "/ops-slack", "/ops-teams"]  # flaky-webhook takes no reminders
    cards = [json.loads(r.body) for r in hooks.received[before:] if r.path == "/ops-teams"]
    assert cards[0]["attachments"][0]["content"]["body"][0]["text"].startswith("Reminder: ")
