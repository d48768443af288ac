"""The real backend following changes in the ServiceNow and Jira stand-ins over the loopback interface (moto for
S3, DynamoDB and SSM): the change request created once whatever the redeliveries, the state mapping, Jira comments
in ADF, an outage failing the SQS record until the other system is back, and no credential in any log line."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from functions.backend import app

from ccm.backend.processor import MessageFailed
from ccm.backend.ticket_step import TicketStep
from ccm.domain.objects import Change, ModificationType
from ccm.domain.outcome import ChangeOutcome
from ccm.storage.channel_log import DynamoChannelLog
from tests.backend_support import NOW, Harness, LambdaContext, bucket_and_table, sqs_event, trigger_body
from tests.conftest import TABLE
from tests.factories import make_change
from tests.tickets.support import SECRETS, StandIns, put_credentials, stand_ins, write_config

CUSTOMERS = ["alpha", "bravo"]


@pytest.fixture
def tickets(aws: None, tmp_path: Path) -> Iterator[StandIns]:
    with stand_ins(tmp_path) as running:
        put_credentials()
        yield running


def build(tmp_path: Path, tickets: StandIns, monkeypatch: pytest.MonkeyPatch, **servicenow: Any) -> Harness:
    monkeypatch.setenv("CCM_CONFIG", str(write_config(tmp_path, tickets.url, **servicenow)))
    harness = Harness.build(bucket_and_table())
    step = cast(TicketStep, harness.backend.pipeline.tickets)
    step.follower.sleep = lambda seconds: None
    for code in CUSTOMERS:
        for topic in ("aws-approval", "aws-announce"):
            harness.subscribe(code, topic, f"ops@{code}.example.com")
    return harness


@pytest.fixture
def harness(tmp_path: Path, tickets: StandIns, monkeypatch: pytest.MonkeyPatch) -> Harness:
    return build(tmp_path, tickets, monkeypatch)


def submitted(harness: Harness, **fields: Any) -> Change:
    change = make_change(status="submitted", customers=CUSTOMERS, **fields)
    harness.publish(change)
    return change


def stored(harness: Harness, change_id: str) -> Change:
    obj = harness.repository.archive.read_at("archive", change_id).obj
    assert isinstance(obj, Change)
    return obj


def deliver_all(harness: Harness, change_id: str) -> None:
    for code in CUSTOMERS:
        harness.deliver(code, change_id)


def complete(harness: Harness, change_id: str, outcome: ChangeOutcome) -> None:
    def done(obj: Any) -> None:
        obj.outcome = outcome
        obj.transition("completed", "requester@example.com", NOW)

    update = harness.repository.update(change_id, done, location="archive")
    harness._triggers(update.after.obj)


def test_submitting_without_a_number_creates_one_change_request_whatever_the_redeliveries(
    harness: Harness, tickets: StandIns
) -> None:
    change = submitted(harness, snowTicket="", jiraTicket="")

    deliver_all(harness, change.id)
    harness.deliver("alpha", change.id, principal="AWS:AROA2EXAMPLEAPIROLE1:ccm-api")  # SQS delivers it again

    assert len(tickets.created()) == 1
    record = tickets.created()[0]
    linked = stored(harness, change.id)
    assert (linked.snow_ticket, linked.snow_sys_id) == (record["number"], record["sys_id"])
    assert record["correlation_id"] == change.id and record["type"] == "normal"
    assert record["short_description"] == change.change_title
    assert record["start_date"] == "2030-01-07 15:00:00" and record["end_date"] == "2030-01-07 17:00:00"
    assert record["assignment_group"] == "Platform Operations"
    assert "Certificates expire next month" in record["description"] and change.id in record["description"]
    entries = [m for m in linked.modifications if m.modification_type is ModificationType.TICKET_CREATED]
    assert [entry.detail for entry in entries] == [f"ServiceNow {record['number']}"]


def test_a_create_whose_answer_was_lost_is_found_by_the_change_id_instead_of_made_twice(
    harness: Harness, tickets: StandIns
) -> None:
    change = submitted(harness, snowTicket="", jiraTicket="")
    # An earlier attempt created the record, then its invocation died before the change was written.
    earlier = tickets.servicenow.records
    earlier.change_requests.append(
        {"sys_id": "a" * 32, "number": "CHG0039999", "state": "-5", "correlation_id": change.id}
    )

    deliver_all(harness, change.id)

    assert [r["number"] for r in tickets.created()] == ["CHG0039999"]
    assert stored(harness, change.id).snow_ticket == "CHG0039999"


def test_a_change_approved_before_its_submit_was_processed_gets_its_change_request_and_its_state(
    harness: Harness, tickets: StandIns
) -> None:
    change = submitted(harness, snowTicket="", jiraTicket="")
    harness.transition(change.id, "approved")

    deliver_all(harness, change.id)
    deliver_all(harness, change.id)

    [record] = tickets.created()
    assert stored(harness, change.id).snow_ticket == record["number"] and record["state"] == "-2"


def test_without_create_change_requests_nothing_is_created(
    tmp_path: Path, tickets: StandIns, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness = build(tmp_path, tickets, monkeypatch, create_change_requests=False)
    change = submitted(harness, snowTicket="", jiraTicket="")

    deliver_all(harness, change.id)

    assert tickets.created() == [] and stored(harness, change.id).snow_ticket == ""


def test_each_transition_moves_the_change_request_through_the_standard_states_with_work_notes(
    harness: Harness, tickets: StandIns
) -> None:
    change = submitted(harness, snowTicket="", jiraTicket="OPS-101")
    deliver_all(harness, change.id)
    number = stored(harness, change.id).snow_ticket
    assert tickets.record(number)["state"] == "-5"

    harness.transition(change.id, "approved")
    deliver_all(harness, change.id)
    deliver_all(harness, change.id)  # redelivered: no second note
    assert tickets.record(number)["state"] == "-2"

    complete(harness, change.id, ChangeOutcome.ROLLED_BACK)
    deliver_all(harness, change.id)

    record = tickets.record(number)
    assert (record["state"], record["close_code"]) == ("3", "unsuccessful")
    notes = [note["text"] for note in record["work_notes_journal"]]
    assert len(notes) == 2
    assert notes[0].startswith(f"ccm change {change.id} was approved: ") and "edit-change.html?changeId=" in notes[0]
    assert notes[1].splitlines()[1] == "Outcome: Rolled back"
    updates = [w["body"] for w in tickets.records.writes if w["system"] == "servicenow" and w["action"] == "update"]
    assert [u.get("state") for u in updates] == ["-2", "0", "3"]


@pytest.mark.parametrize(
    ("outcome", "code"),
    [
        (ChangeOutcome.SUCCESSFUL, "successful"),
        (ChangeOutcome.SUCCESSFUL_WITH_ISSUES, "successful_issues"),
        (ChangeOutcome.FAILED, "unsuccessful"),
    ],
)
def test_the_close_code_follows_the_outcome(
    harness: Harness, tickets: StandIns, outcome: ChangeOutcome, code: str
) -> None:
    change = submitted(harness, snowTicket="", jiraTicket="")
    deliver_all(harness, change.id)
    harness.transition(change.id, "approved")
    complete(harness, change.id, outcome)
    deliver_all(harness, change.id)

    assert tickets.record(stored(harness, change.id).snow_ticket)["close_code"] == code


def test_a_cancelled_change_cancels_its_change_request(harness: Harness, tickets: StandIns) -> None:
    change = submitted(harness, snowTicket="", jiraTicket="")
    deliver_all(harness, change.id)
    harness.transition(change.id, "cancelled")
    deliver_all(harness, change.id)

    assert tickets.record(stored(harness, change.id).snow_ticket)["state"] == "4"


def test_the_linked_jira_issue_gets_one_adf_comment_per_transition(harness: Harness, tickets: StandIns) -> None:
    change = submitted(harness, snowTicket="", jiraTicket="OPS-102")
    deliver_all(harness, change.id)
    harness.transition(change.id, "approved")
    deliver_all(harness, change.id)
    deliver_all(harness, change.id)

    comments = tickets.records.issues["OPS-102"]["comments"]
    assert len(comments) == 1  # submitted is not among the default comment_on events
    body = comments[0]["body"]
    assert body["type"] == "doc" and body["version"] == 1
    link = body["content"][-1]["content"][-1]
    assert link["marks"][0]["type"] == "link" and f"changeId={change.id}" in link["marks"][0]["attrs"]["href"]
    attempts = DynamoChannelLog(TABLE).for_object(change.id)
    assert {(a.channel, a.outcome, a.status) for a in attempts} >= {("jira", "sent", 201), ("servicenow", "sent", 200)}


def test_an_outage_fails_the_record_until_the_system_is_back_then_delivers_once(
    harness: Harness, tickets: StandIns, monkeypatch: pytest.MonkeyPatch
) -> None:
    change = submitted(harness, snowTicket="", jiraTicket="OPS-101")
    deliver_all(harness, change.id)
    number = stored(harness, change.id).snow_ticket
    harness.transition(change.id, "approved")
    tickets.servicenow.down = tickets.jira.down = True

    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setattr(app, "_backend", harness.backend)
    monkeypatch.setattr(app, "_entry", None)
    event = sqs_event([trigger_body("alpha", change.id, bucket=harness.bucket)])
    answer = app.handler(event, LambdaContext())  # type: ignore[arg-type]
    assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    retried = [a for a in DynamoChannelLog(TABLE).for_object(change.id) if a.outcome == "retry"]
    assert {a.channel for a in retried} == {"servicenow", "jira"} and {a.status for a in retried} == {503}
    assert len(retried) == 8  # four attempts each in the invocation, with backoff between them

    tickets.servicenow.down = tickets.jira.down = False
    assert app.handler(event, LambdaContext()) == {"batchItemFailures": []}  # type: ignore[arg-type]
    deliver_all(harness, change.id)

    assert tickets.record(number)["state"] == "-2"
    assert len(tickets.record(number)["work_notes_journal"]) == 1
    assert len(tickets.records.issues["OPS-101"]["comments"]) == 1


def test_a_refused_update_is_given_up_for_good_and_recorded(
    harness: Harness, tickets: StandIns, caplog: pytest.LogCaptureFixture
) -> None:
    change = submitted(harness, snowTicket="CHG0000404", jiraTicket="NOPE-1")
    harness.transition(change.id, "approved")

    deliver_all(harness, change.id)  # nothing to retry: the message succeeds

    failed = {(a.channel, a.status) for a in DynamoChannelLog(TABLE).for_object(change.id) if a.outcome == "failed"}
    assert failed == {("servicenow", 404), ("jira", 404)}


def test_credentials_never_reach_a_log_line_or_an_attempt(
    tmp_path: Path, tickets: StandIns, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    harness = build(tmp_path, tickets, monkeypatch)
    change = submitted(harness, snowTicket="", jiraTicket="OPS-101")
    deliver_all(harness, change.id)
    harness.transition(change.id, "approved")
    tickets.servicenow.down = True
    with pytest.raises(MessageFailed):
        harness.deliver("alpha", change.id)
    tickets.servicenow.credentials = lambda: ("ccm.integration", "rotated")  # ours are refused now: a 401
    tickets.servicenow.down = False

    deliver_all(harness, change.id)

    attempts = DynamoChannelLog(TABLE).for_object(change.id)
    assert any(a.status == 401 for a in attempts)
    # botocore's own wire log (SSM's answers) is off in every function: the functions raise only ccm's loggers.
    ours = [record for record in caplog.records if not record.name.startswith(("botocore", "boto3", "moto"))]
    logged = "\n".join(f"{record.getMessage()} {record.exc_text or ''}" for record in ours)
    recorded = "\n".join(str(a.as_document()) for a in attempts)
    for secret in SECRETS:
        assert secret not in logged and secret not in recorded
    assert "Basic " not in logged and "Bearer " not in logged
