"""What an operator does to customers' contact lists from the command line is recorded, per customer changed, with
the operator's AWS identity: the row the table's stream carries to the audit log (tests/audit)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from ccm.config import AppConfig
from ccm.storage.dynamo import from_item
from ccm.storage.operator_actions import OperatorActionLog
from tests.cli.conftest import Ccm
from tests.cli.test_identity_import import import_bravo, one_customer
from tests.conftest import TABLE
from tests.fakes.identity_center import SeedUser

NO_LIMIT = ("--ses-rps", "0")


def operator_rows() -> list[dict[str, Any]]:
    """Today's operator rows, oldest first (a Query of the day's partition, to its end)."""
    ddb = boto3.client("dynamodb")
    rows: list[dict[str, Any]] = []
    arguments: dict[str, Any] = {
        "TableName": TABLE,
        "KeyConditionExpression": "pk = :day",
        "ExpressionAttributeValues": {":day": {"S": f"OPERATOR#{datetime.now(UTC):%Y-%m-%d}"}},
    }
    while True:
        page = ddb.query(**arguments)
        rows += [from_item(item) for item in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return rows
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def details(row: dict[str, Any]) -> Any:
    return json.loads(row["details"])


def test_each_customer_a_command_changes_gets_one_row_naming_the_operator(ccm: Ccm) -> None:
    ccm.json("ses", "lists", "create", "-c", "bravo", "-c", "charlie", *NO_LIMIT)
    ccm.json("ses", "contacts", "add", "-c", "bravo", "-c", "charlie", "-e", "ops@example.com", "--topics",
             "aws-calendar", *NO_LIMIT)  # fmt: skip

    rows = operator_rows()

    operator = boto3.client("sts").get_caller_identity()["Arn"]
    assert sorted((r["action"], r["customer"]) for r in rows) == [
        ("contact_list_created", "bravo"),
        ("contact_list_created", "charlie"),
        ("contacts_added", "bravo"),
        ("contacts_added", "charlie"),
    ]
    assert {r["actor"] for r in rows} == {operator}
    added = next(r for r in rows if r["action"] == "contacts_added" and r["customer"] == "bravo")
    assert details(added) == {"contacts": {"ops@example.com": "created"}, "topics": ["aws-calendar"]}
    assert added["status"] == "done"


def test_a_run_that_changes_nothing_and_a_dry_run_record_nothing(ccm: Ccm) -> None:
    ccm.json("ses", "lists", "create", "-c", "bravo", *NO_LIMIT)
    ccm.json("ses", "contacts", "add", "-c", "bravo", "-e", "ops@example.com", *NO_LIMIT)
    before = len(operator_rows())

    ccm.json("ses", "lists", "create", "-c", "bravo", *NO_LIMIT)  # the list is there: unchanged
    ccm.json("ses", "contacts", "remove", "-c", "bravo", "-e", "nobody@example.com", *NO_LIMIT)  # absent
    ccm.json("ses", "contacts", "remove", "-c", "bravo", "-e", "ops@example.com", "--dry-run", *NO_LIMIT)

    assert len(operator_rows()) == before
    ccm.json("ses", "contacts", "remove", "-c", "bravo", "-e", "ops@example.com", *NO_LIMIT)
    [removed] = [r for r in operator_rows() if r["action"] == "contacts_removed"]
    assert details(removed)["contacts"] == {"ops@example.com": "removed"}


def test_suppression_topics_and_unsubscribes_are_recorded_too(ccm: Ccm) -> None:
    ccm.json("ses", "lists", "create", "-c", "bravo", *NO_LIMIT)
    ccm.json("ses", "contacts", "add", "-c", "bravo", "-e", "ops@example.com", *NO_LIMIT)
    ccm.json("ses", "contacts", "unsubscribe", "-c", "bravo", "-e", "ops@example.com", "--topics", "aws-calendar",
             *NO_LIMIT)  # fmt: skip
    ccm.json("ses", "suppression", "add", "-c", "bravo", "-e", "gone@example.com", *NO_LIMIT)
    ccm.json("ses", "suppression", "remove", "-c", "bravo", "-e", "gone@example.com", *NO_LIMIT)

    actions = [r["action"] for r in sorted(operator_rows(), key=lambda r: r["sk"])]

    assert actions == [
        "contact_list_created",
        "contacts_added",
        "contacts_unsubscribed",
        "suppression_added",
        "suppression_removed",
    ]


def test_a_record_that_cannot_be_written_fails_the_command_after_its_summary(
    ccm: Ccm, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: OperatorActionLog, record: Any) -> None:
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "PutItem")

    monkeypatch.setattr(OperatorActionLog, "record", refuse)

    result = ccm("ses", "lists", "create", "-c", "bravo", *NO_LIMIT)

    assert result.exit_code == 1
    assert "1 ok, 0 failed" in result.stdout  # the summary says what was done
    assert "the changes were made, but their audit record could not be written" in result.output


def test_an_import_run_records_the_contacts_it_wrote_and_a_run_with_nothing_to_do_records_nothing(
    ccm: Ccm, bucket: str, app_config: AppConfig
) -> None:
    directory, _ = one_customer(
        app_config, [SeedUser("ana", "ana@example.com", []), SeedUser("ben", "ben@example.com", [])]
    )
    import_bravo(ccm)
    import_bravo(ccm)  # nothing changed in the directory
    directory.remove_user("ben")
    import_bravo(ccm)

    rows = sorted((r for r in operator_rows() if r["action"] == "contacts_imported"), key=lambda r: r["sk"])

    assert [r["customer"] for r in rows] == ["bravo", "bravo"]
    first, second = (details(r) for r in rows)
    assert sorted(first["contacts"]["create"]) == ["ana@example.com", "ben@example.com"]
    assert (first["created"], first["contact_list"]) == (2, "created")
    assert second["contacts"] == {"remove": ["ben@example.com"]}
    assert second["removed"] == 1
