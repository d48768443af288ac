"""The clock on moto: the window index, the claims in the table, the customers' queues; time is the test's.

Changes are stored as the API stores them (archive and catalog, window index included); the clock runs at moments
the test chooses, and what it handed over is read back from the customers' SQS queues.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from ccm.clock.due import DueWork
from ccm.clock.handover import QueueHandover
from ccm.clock.runner import Clock, ClockFailed
from ccm.clock.schedule_event import NotAScheduleEvent
from ccm.clock.wiring import build_clock
from ccm.config import AppConfig
from ccm.domain.due_actions import NudgeAction, ReminderAction, is_clock_message, read_action
from ccm.domain.times import format_rfc3339
from ccm.s3_events import queue_name
from ccm.settings import Settings
from ccm.storage.clock_claims import DynamoClockClaims
from ccm.storage.repository import Repository
from tests.backend_support import LambdaContext
from tests.conftest import EVENTS, TABLE
from tests.factories import make_change

NOW = datetime(2030, 1, 6, 12, 0, tzinfo=UTC)


def store_change(repository: Repository, start: datetime, *, hours: int = 2, **fields: Any) -> str:
    change = make_change(
        status=fields.pop("status", "approved"),
        implementationStart=format_rfc3339(start),
        implementationEnd=format_rfc3339(start + timedelta(hours=hours)),
        **fields,
    )
    repository.create(change, "archive")
    return change.id


def clock_for(config: AppConfig, repository: Repository, at: list[datetime]) -> Clock:
    """A clock over the real index, claims and queues; ``at[0]`` is what it believes the time is."""
    return Clock(
        DueWork(config, repository.catalog),
        DynamoClockClaims(TABLE),
        QueueHandover(config),
        clock=lambda: at[0],
    )


def handed(config: AppConfig, code: str) -> list[ReminderAction | NudgeAction]:
    """Every message on the customer's queue (received and deleted), read back as the backend reads it."""
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=queue_name(config.customer(code)))["QueueUrl"]
    found: list[ReminderAction | NudgeAction] = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return found
        for message in messages:
            body = json.loads(message["Body"])
            if is_clock_message(body):  # the queue also carries S3's test event of the notification set-up
                found.append(read_action(body))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def with_config(config: AppConfig, **changes: Any) -> AppConfig:
    document = config.model_dump(mode="json")
    for code, reminders in changes.pop("customer_reminders", {}).items():
        document["customer_mappings"][code]["reminders"] = reminders
    document.update(changes)
    return AppConfig.model_validate(document)


def test_each_customer_gets_one_reminder_at_its_offset_and_a_later_run_hands_over_nothing_again(
    repository: Repository, app_config: AppConfig
) -> None:
    change_id = store_change(repository, NOW + timedelta(days=1, minutes=-3), customers=["alpha", "bravo"])
    at = [NOW - timedelta(minutes=10)]
    clock = clock_for(app_config, repository, at)

    too_early = clock.run()
    at[0] = NOW
    first = clock.run()
    at[0] = NOW + timedelta(minutes=5)
    second = clock.run()

    assert too_early.due == 0
    assert (first.due, first.handed["reminder"], second.handed["reminder"], second.already) == (2, 2, 0, 2)
    for code in ("alpha", "bravo"):
        [reminder] = handed(app_config, code)
        assert isinstance(reminder, ReminderAction)
        assert (reminder.object_id, reminder.customer_code, reminder.offset) == (change_id, code, "P1D")


def test_a_customer_with_its_own_offsets_is_reminded_at_those(repository: Repository, app_config: AppConfig) -> None:
    config = with_config(app_config, customer_reminders={"alpha": ["P3D", "PT1H"], "bravo": []})
    store_change(repository, NOW + timedelta(minutes=58), customers=["alpha", "bravo", "charlie"])

    report = clock_for(config, repository, [NOW]).run()

    assert [r.offset for r in handed(config, "alpha") if isinstance(r, ReminderAction)] == ["PT1H"]
    assert handed(config, "bravo") == []
    assert handed(config, "charlie") == []  # its P1D moment passed 23 hours ago: too late
    assert (report.handed["reminder"], report.skipped) == (1, 2)


def test_a_reminder_whose_moment_passed_beyond_its_tolerance_is_skipped_and_recorded_as_skipped(
    repository: Repository, app_config: AppConfig
) -> None:
    change_id = store_change(repository, NOW + timedelta(hours=2), customers=["alpha"])

    report = clock_for(app_config, repository, [NOW]).run()
    again = clock_for(app_config, repository, [NOW + timedelta(minutes=5)]).run()

    assert (report.skipped, report.handed["reminder"], again.skipped, again.already) == (1, 0, 0, 1)
    assert handed(app_config, "alpha") == []
    start = format_rfc3339(NOW + timedelta(hours=2))
    row = boto3.client("dynamodb").get_item(
        TableName=TABLE, Key={"pk": {"S": f"CLOCK#{change_id}"}, "sk": {"S": f"REMINDER#alpha#P1D#{start}"}}
    )["Item"]
    assert row["state"]["S"] == "skipped" and "more than PT6H" in row["reason"]["S"]


@pytest.mark.parametrize("status", ["draft", "submitted", "completed", "cancelled"])
def test_only_approved_changes_are_reminded_of(repository: Repository, app_config: AppConfig, status: str) -> None:
    store_change(repository, NOW + timedelta(hours=23), customers=["alpha"], status=status)

    assert clock_for(app_config, repository, [NOW]).run().due == 0


def test_two_clocks_racing_at_the_same_moment_hand_each_reminder_over_once(
    repository: Repository, app_config: AppConfig
) -> None:
    for hours in (20, 21, 22):
        store_change(repository, NOW + timedelta(hours=hours), customers=["alpha", "bravo", "charlie"])
    clocks = [clock_for(app_config, repository, [NOW]) for _ in range(2)]
    start = threading.Barrier(2)
    reports: list[Any] = []

    def run(clock: Clock) -> None:
        start.wait()
        reports.append(clock.run())

    threads = [threading.Thread(target=run, args=(clock,)) for clock in clocks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(report.handed["reminder"] for report in reports) == 9
    assert sum(report.already for report in reports) == 9
    assert sum(len(handed(app_config, code)) for code in ("alpha", "bravo", "charlie")) == 9


def test_the_requester_is_nudged_an_hour_after_the_window_then_daily_three_times_at_most(
    repository: Repository, app_config: AppConfig
) -> None:
    end = NOW - timedelta(hours=2)
    change_id = store_change(repository, end - timedelta(hours=2), customers=["zulu", "bravo"])
    at = [end + timedelta(minutes=30)]
    clock = clock_for(app_config, repository, at)

    numbers = []
    for moment in (
        end + timedelta(minutes=30),
        end + timedelta(hours=1),
        end + timedelta(hours=2),
        end + timedelta(hours=25),
        end + timedelta(hours=49),
        end + timedelta(hours=73),
        end + timedelta(days=10),
    ):
        at[0] = moment
        clock.run()
        numbers.append([a.number for a in handed(app_config, "bravo") if isinstance(a, NudgeAction)])

    assert numbers == [[], [1], [], [2], [3], [], []]
    at[0] = end + timedelta(hours=1)
    assert clock.run().already == 1
    # zulu's allow-list leaves the requester out: bravo, the first customer that may mail them, sends it.
    assert handed(app_config, "zulu") == []
    assert change_id


def test_a_completed_change_is_not_nudged(repository: Repository, app_config: AppConfig) -> None:
    store_change(repository, NOW - timedelta(hours=4), customers=["alpha"], status="completed")

    assert clock_for(app_config, repository, [NOW]).run().due == 0


def test_a_failed_hand_over_frees_its_claim_for_the_next_run(
    repository: Repository, app_config: AppConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_change(repository, NOW + timedelta(hours=23), customers=["alpha"])
    clock = clock_for(app_config, repository, [NOW])
    send = clock.handover.send

    def refused(action: Any) -> None:
        raise RuntimeError("SQS is unavailable")

    monkeypatch.setattr(clock.handover, "send", refused)
    with pytest.raises(ClockFailed, match="1 of 1 due action"):
        clock.run()
    monkeypatch.setattr(clock.handover, "send", send)
    report = clock.run()

    assert report.handed["reminder"] == 1 and len(handed(app_config, "alpha")) == 1


def test_the_clock_function_runs_on_eventbridge_schedulers_event_and_reports_what_it_did(
    repository: Repository, app_config: AppConfig, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from functions.clock import app

    store_change(repository, NOW + timedelta(hours=20), customers=["alpha"])
    # Named as the deployed stack names its queues (<stack>-trigger-<code>): the IAM check reads these calls.
    prefix = f"{TABLE.removesuffix('-table')}-trigger-"
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=f"{prefix}alpha")["QueueUrl"]
    settings = Settings.from_env().model_copy(update={"trigger_queue_prefix": prefix})
    monkeypatch.setattr(app, "_clock", build_clock(settings, clock=lambda: NOW))
    event = json.loads((EVENTS / "scheduler_clock.json").read_text())

    result = app.handler(event, LambdaContext(function_name="ccm-clock"))  # type: ignore[arg-type]

    assert result["handed"] == {"reminder": 1} and result["now"] == "2030-01-06T12:00:00Z"
    [message] = sqs.receive_message(QueueUrl=url).get("Messages", [])
    assert read_action(json.loads(message["Body"])).action == "reminder"
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert metrics[-1]["RemindersHandedOver"] == [1.0]
    with pytest.raises(NotAScheduleEvent, match=r"not on 'aws\.events'"):
        app.handler({"source": "aws.events"}, LambdaContext(function_name="ccm-clock"))  # type: ignore[arg-type]
