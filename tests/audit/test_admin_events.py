"""Administrative actions (standard change templates, delegations) become audit events from the table's stream,
once each, whatever the stream redelivers; other rows' records never reach the function."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from functions.api import app as api_module
from functions.audit import app as audit_module
from typer.testing import CliRunner

from ccm.audit.stream_records import passes_filter
from ccm.aws.clients import RETRY_CONFIG
from ccm.cli.main import app
from ccm.local.stream_poller import StreamPoller
from ccm.storage.delegations import DynamoDelegations
from ccm.storage.templates import DynamoTemplates
from tests.api.client import ADMIN, APPROVER, ApiClient
from tests.audit.conftest import AUDIT_BUCKET, AuditStack
from tests.backend_support import LambdaContext
from tests.conftest import TABLE

TEMPLATE = {
    "name": "Rotate TLS certificates",
    "changeTitle": "Rotate TLS certificates",
    "implementationPlan": "Deploy the new certificate bundle",
    "rollbackPlan": "Redeploy the previous bundle",
}
DEPUTY = "deputy@example.com"
PERIOD = {"delegate": DEPUTY, "from": "2030-03-02", "until": "2030-03-09"}


@dataclass
class AuditFunction:
    """The audit handler behind the stream poller, keeping each event it was handed."""

    events: list[dict[str, Any]] = field(default_factory=list)

    def invoke(self, event: dict[str, Any], request_id: str | None = None) -> Any:
        self.events.append(event)
        return self.handle(event)

    @staticmethod
    def handle(event: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = audit_module.handler(event, LambdaContext(function_name="ccm-audit"))  # type: ignore[arg-type]
        return result


@dataclass
class AdminStack:
    stack: AuditStack
    api: ApiClient
    function: AuditFunction
    poller: StreamPoller

    def drain_stream(self) -> None:
        while self.poller.poll_once():
            pass

    def admin_events(self) -> list[dict[str, Any]]:
        return [e for e in self.stack.events() if e["object_kind"] in {"template", "delegation"}]


@pytest.fixture
def admin(stack: AuditStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[AdminStack]:
    services = dataclasses.replace(
        stack.services, delegations=DynamoDelegations(TABLE), templates=DynamoTemplates(TABLE)
    )
    monkeypatch.setattr(api_module, "_services", services)
    arn = boto3.client("dynamodb").describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    function = AuditFunction()
    poller = StreamPoller(
        boto3.client("dynamodbstreams", config=RETRY_CONFIG), arn, function, from_start=True, wait_seconds=0
    )
    yield AdminStack(stack, stack.api, function, poller)


def administer(admin: AdminStack) -> str:
    """Create, edit and retire a template (admin); set, replace and end a delegation (approver)."""
    api, clock = admin.api, admin.stack.clock
    created = api.as_(ADMIN).post("/api/templates", TEMPLATE)
    assert created.status == 201, created.text
    template_id = str(created.json["id"])
    clock.advance(minutes=5)
    edited = api.as_(ADMIN).put(f"/api/templates/{template_id}", {**TEMPLATE, "testPlan": "curl the endpoint"})
    assert edited.status == 200, edited.text
    clock.advance(minutes=5)
    assert api.as_(ADMIN).post(f"/api/templates/{template_id}/retire").status == 200
    clock.advance(minutes=5)
    assert api.as_(APPROVER).put("/api/user/delegation", PERIOD).status == 200
    clock.advance(minutes=5)
    assert api.as_(APPROVER).put("/api/user/delegation", {**PERIOD, "until": "2030-03-12"}).status == 200
    clock.advance(minutes=5)
    assert api.as_(APPROVER).delete("/api/user/delegation").status == 200
    return template_id


def test_each_template_and_delegation_action_becomes_one_event_with_its_actor(admin: AdminStack) -> None:
    template_id = administer(admin)

    admin.drain_stream()

    events = admin.admin_events()
    delegation = f"delegation-{APPROVER.email}"
    # A delegation's version is when it was set, in seconds since 1970.
    set_first, set_again = (int(datetime(2030, 3, 2, 9, minute, tzinfo=UTC).timestamp()) for minute in (15, 20))
    assert [(e["object_id"], e["version"], e["event"], e["actor"], e["status"]) for e in events] == [
        (template_id, 1, "template_created", ADMIN.email, "active"),
        (template_id, 2, "template_updated", ADMIN.email, "active"),
        (template_id, 3, "template_retired", ADMIN.email, "retired"),
        (delegation, set_first, "delegation_set", APPROVER.email, "set"),
        (delegation, set_again, "delegation_set", APPROVER.email, "set"),
        (delegation, set_again, "delegation_removed", APPROVER.email, "removed"),
    ]
    assert [e["time"] for e in events] == [f"2030-03-02T09:{minute:02d}:00Z" for minute in (0, 5, 10, 15, 20, 25)]
    assert {"field": "testPlan", "before": '""', "after": '"curl the endpoint"'} in events[1]["changes"]
    assert {"field": "retired", "before": "false", "after": "true"} in events[2]["changes"]
    assert {"field": "ends", "before": '"2030-03-09"', "after": '"2030-03-12"'} in events[4]["changes"]
    assert {"field": "delegate", "before": f'"{DEPUTY}"', "after": None} in events[5]["changes"]
    assert events[0]["title"] == TEMPLATE["name"]
    assert events[3]["title"] == f"{APPROVER.email} delegates to {DEPUTY}"


def test_a_redelivered_stream_batch_writes_nothing_twice(admin: AdminStack) -> None:
    administer(admin)
    admin.drain_stream()
    keys = admin.stack.event_keys()
    versions = boto3.client("s3").list_object_versions(Bucket=AUDIT_BUCKET)

    for event in admin.function.events:
        assert AuditFunction.handle(event) == {"batchItemFailures": []}

    assert admin.stack.event_keys() == keys
    assert boto3.client("s3").list_object_versions(Bucket=AUDIT_BUCKET).get("Versions") == versions.get("Versions")
    assert len(admin.admin_events()) == 6


def test_only_template_and_delegation_rows_reach_the_function(admin: AdminStack) -> None:
    administer(admin)
    admin.api.as_(ADMIN).get("/api/templates")

    admin.drain_stream()

    handed = [record["dynamodb"]["Keys"] for event in admin.function.events for record in event["Records"]]
    partitions = {keys["pk"]["S"] for keys in handed}
    assert partitions == {"TEMPLATE", f"DELEGATION#{APPROVER.email}"}
    assert {keys["sk"]["S"] for keys in handed if keys["pk"]["S"] == "TEMPLATE"} == {"T#00000001"}
    # Every record Lambda hands over is shaped as Lambda shapes it.
    record = admin.function.events[0]["Records"][0]
    assert record["eventSource"] == "aws:dynamodb"
    assert record["eventSourceARN"].startswith("arn:aws:dynamodb:us-east-1:123456789012:table/")
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], float)
    names = [r["eventName"] for event in admin.function.events for r in event["Records"]]
    assert {"INSERT", "MODIFY", "REMOVE"} <= set(names)


@pytest.mark.parametrize(
    ("keys", "passes"),
    [
        ({"pk": {"S": "TEMPLATE"}, "sk": {"S": "T#00000003"}}, True),
        ({"pk": {"S": "TEMPLATE"}, "sk": {"S": "COUNTER"}}, False),
        ({"pk": {"S": "DELEGATION#cab@example.com"}, "sk": {"S": "CURRENT"}}, True),
        ({"pk": {"S": "OBJ#CHG-1"}, "sk": {"S": "SUMMARY"}}, False),
        ({"pk": {"S": "AUDIT#2030-03"}, "sk": {"S": "2030-03-02T09:00:00Z#T-1#v1#template_created"}}, False),
        ({"pk": {"S": "TERM#template"}, "sk": {"S": "x"}}, False),
    ],
)
def test_the_filter_passes_template_documents_and_delegations_only(keys: dict[str, Any], passes: bool) -> None:
    assert passes_filter({"eventName": "INSERT", "dynamodb": {"Keys": keys}}) is passes


def test_a_record_that_is_no_row_write_is_acknowledged_and_a_failed_one_is_reported(admin: AdminStack) -> None:
    arn = admin.poller.stream_arn
    broken = {"eventSource": "aws:dynamodb", "eventName": "INSERT", "eventSourceARN": arn, "dynamodb": {}}
    assert AuditFunction.handle({"Records": [broken]}) == {"batchItemFailures": []}

    document = {"id": {"S": "T-9"}, "createdAt": {"S": "not a time"}}
    record: dict[str, Any] = {
        "eventID": "1",
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "eventSourceARN": arn,
        "dynamodb": {
            "ApproximateCreationDateTime": 1898064000.0,
            "Keys": {"pk": {"S": "TEMPLATE"}, "sk": {"S": "T#00000009"}},
            "NewImage": {"pk": {"S": "TEMPLATE"}, "sk": {"S": "T#00000009"}, "document": {"M": document}},
            "SequenceNumber": "4200",
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }
    # A template document whose time cannot be read cannot be told: the record is reported failed, and Lambda
    # retries from its sequence number (then bisects, then names it in the dead-letter queue).
    assert AuditFunction.handle({"Records": [record]}) == {"batchItemFailures": [{"itemIdentifier": "4200"}]}


def test_admins_see_the_administrative_events_in_the_audit_trail(admin: AdminStack) -> None:
    template_id = administer(admin)
    admin.drain_stream()

    listed = admin.api.as_(ADMIN).get("/api/audit", query={"from": "2030-03-02", "to": "2030-03-02"})

    assert listed.status == 200, listed.text
    events = [(e["object_id"], e["event"], e["actor"]) for e in listed.json["events"]]
    assert (template_id, "template_retired", ADMIN.email) in events
    assert (f"delegation-{APPROVER.email}", "delegation_removed", APPROVER.email) in events


def test_ccm_audit_verify_checks_each_templates_current_version_and_names_a_missing_event(admin: AdminStack) -> None:
    template_id = administer(admin)
    admin.drain_stream()
    runner = CliRunner(env={"COLUMNS": "200"})
    period = ["audit", "verify", "--from", "2030-03-01", "--to", "2030-03-31", "--json"]

    complete = runner.invoke(app, period, catch_exceptions=False)
    assert complete.exit_code == 0, complete.output
    assert json.loads(complete.stdout)["gaps"] == []

    s3 = boto3.client("s3", config=RETRY_CONFIG)
    [retired] = [key for key in admin.stack.event_keys() if f"/{template_id}.v3.template_retired" in key]
    version = s3.head_object(Bucket=AUDIT_BUCKET, Key=retired)["VersionId"]
    s3.delete_object(Bucket=AUDIT_BUCKET, Key=retired, VersionId=version, BypassGovernanceRetention=True)

    gap = runner.invoke(app, period, catch_exceptions=False)
    assert gap.exit_code == 1
    [row] = json.loads(gap.stdout)["gaps"]
    assert row[:2] == [f"template {template_id}", "3"]
