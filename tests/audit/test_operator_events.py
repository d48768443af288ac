"""What operators do to customers' contact lists from the command line (and the contact import's runs) reaches the
audit log through the table's stream: one event per customer changed, naming the operator, once under redelivery."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from ccm.audit.stream_records import passes_filter
from ccm.cli.main import app
from tests.api.client import ADMIN
from tests.audit.conftest import AdminStack, AuditFunction

NO_LIMIT = ("--ses-rps", "0")


def ccm(*args: str) -> None:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, [*args, *NO_LIMIT, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output


def operate() -> None:
    ccm("ses", "lists", "create", "-c", "bravo")
    ccm("ses", "contacts", "add", "-c", "bravo", "-e", "ops@example.com", "--topics", "aws-calendar")
    ccm("ses", "contacts", "add", "-c", "bravo", "-e", "ops@example.com", "--topics", "aws-calendar")  # no change
    ccm("ses", "contacts", "remove", "-c", "bravo", "-e", "ops@example.com")


def contact_list_events(admin: AdminStack) -> list[dict[str, Any]]:
    return [e for e in admin.stack.events() if e["object_kind"] == "contact_list"]


def test_each_contact_list_action_becomes_one_event_naming_the_operator(admin: AdminStack) -> None:
    operate()

    admin.drain_stream()

    events = sorted(contact_list_events(admin), key=lambda e: (e["version"], e["event"]))
    operator = boto3.client("sts").get_caller_identity()["Arn"]
    assert [(e["object_id"], e["event_type"], e["actor"], e["customers"]) for e in events] == [
        ("contacts-bravo", "contact_list_created", operator, ["bravo"]),
        ("contacts-bravo", "contacts_added", operator, ["bravo"]),
        ("contacts-bravo", "contacts_removed", operator, ["bravo"]),
    ]
    added = events[1]
    assert {"field": "contacts", "before": None, "after": json.dumps({"ops@example.com": "created"})} in added[
        "changes"
    ]
    assert {"field": "topics", "before": None, "after": '["aws-calendar"]'} in added["changes"]
    assert added["time"].startswith(f"{datetime.now(UTC):%Y-%m-%d}T")


def test_a_redelivered_batch_of_operator_rows_writes_nothing_twice(admin: AdminStack) -> None:
    operate()
    admin.drain_stream()
    keys = admin.stack.event_keys()

    for event in admin.function.events:
        assert AuditFunction.handle(event) == {"batchItemFailures": []}

    assert admin.stack.event_keys() == keys
    assert len(contact_list_events(admin)) == 3


def test_admins_find_operator_actions_in_the_audit_trail(admin: AdminStack) -> None:
    operate()
    admin.drain_stream()
    today = f"{datetime.now(UTC):%Y-%m-%d}"

    listed = admin.api.as_(ADMIN).get("/api/audit", query={"from": today, "to": today})

    assert listed.status == 200, listed.text
    assert {"contacts_added", "contacts_removed"} <= {
        e["event_type"] for e in listed.json["events"] if e["object_id"] == "contacts-bravo"
    }


@pytest.mark.parametrize(
    ("event_name", "passes"),
    [("INSERT", True), ("MODIFY", False), ("REMOVE", False)],
)
def test_only_a_new_operator_row_reaches_the_function_not_its_expiry(event_name: str, passes: bool) -> None:
    keys = {"pk": {"S": "OPERATOR#2030-03-02"}, "sk": {"S": "2030-03-02T09:00:00.000000Z#abc"}}
    assert passes_filter({"eventName": event_name, "dynamodb": {"Keys": keys}}) is passes
