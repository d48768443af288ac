"""The audit trail: GET /api/audit (admins, paged, JSON or CSV), ``ccm audit export``, ``ccm audit verify``, and
``ccm report``, all over what the audit function recorded."""

from __future__ import annotations

import csv
import io
import json

import boto3
from typer.testing import CliRunner, Result

from ccm.aws.clients import RETRY_CONFIG
from ccm.cli.main import app
from tests.api.client import ADMIN, APPROVER
from tests.audit.conftest import AUDIT_BUCKET, AuditStack
from tests.audit.seed import seed

DAYS = {"from": "2030-01-01", "to": "2030-03-31"}


def ccm(*args: str) -> Result:
    return CliRunner(env={"COLUMNS": "200"}).invoke(app, list(args), catch_exceptions=False)


def seeded(stack: AuditStack) -> dict[str, str]:
    ids = seed(stack.services)
    stack.drain()
    return ids


def test_admins_page_through_every_transition_and_decision_of_a_period(stack: AuditStack) -> None:
    ids = seeded(stack)
    api = stack.api.as_(ADMIN)

    events, cursor, pages = [], None, 0
    while True:
        query = {**DAYS, "limit": "4", **({"cursor": cursor} if cursor else {})}
        response = api.get("/api/audit", query=query)
        assert response.status == 200, response.text
        events.extend(response.json["events"])
        cursor, pages = response.json["cursor"], pages + 1
        if cursor is None:
            break

    assert pages > 3
    assert [e["time"] for e in events] == sorted(e["time"] for e in events)
    approvals = [e for e in events if e["event_type"] == "approved"]
    assert {e["object_id"] for e in approvals} == {ids["C1"], ids["C2"], ids["C3"], ids["C4"]}
    rolled_back = next(e for e in events if e["object_id"] == ids["C2"] and e["event_type"] == "completed")
    assert (rolled_back["actor"], rolled_back["comment"], rolled_back["outcome"]) == (
        "requester@example.com",
        "Replication lag",
        "rolled_back",
    )
    assert len(events) == len({(e["object_id"], e["version"], e["event"]) for e in events})


def test_the_trail_as_csv_is_for_admins_only_and_refuses_a_bad_period(stack: AuditStack) -> None:
    seeded(stack)

    response = stack.api.as_(ADMIN).get("/api/audit", query={**DAYS, "format": "csv", "limit": "1000"})

    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["object", "version", "event", "who", "on behalf of", "when", "comment", "customers", "outcome"]
    assert any(row[2] == "completed" and row[6] == "Vendor outage" for row in rows[1:])
    assert stack.api.as_(APPROVER).get("/api/audit", query=DAYS).status == 403
    assert stack.api.as_(ADMIN).get("/api/audit", query={"from": "2030-03-31", "to": "2030-01-01"}).status == 422
    assert stack.api.as_(ADMIN).get("/api/audit", query={**DAYS, "cursor": "not-a-cursor"}).status == 422


def test_ccm_audit_export_writes_the_same_events_as_csv(stack: AuditStack) -> None:
    seeded(stack)
    from_api = stack.api.as_(ADMIN).get("/api/audit", query={**DAYS, "limit": "1000"}).json["events"]

    result = ccm("audit", "export", "--from", DAYS["from"], "--to", DAYS["to"], "--format", "csv")

    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert [(row[0], row[2]) for row in rows[1:]] == [(e["object_id"], e["event"]) for e in from_api]


def test_ccm_audit_verify_finds_nothing_missing_then_names_the_gap(stack: AuditStack) -> None:
    seeded(stack)
    year_start = "2026-01-01"

    complete = ccm("audit", "verify", "--from", year_start, "--to", "2099-12-31", "--json")
    assert complete.exit_code == 0, complete.output
    report = json.loads(complete.stdout)
    assert report["complete"] and report["writes"] == 6 and report["gaps"] == []

    s3 = boto3.client("s3", config=RETRY_CONFIG)
    victim = next(
        item["Key"] for item in s3.list_objects_v2(Bucket=AUDIT_BUCKET)["Contents"] if ".approved." in item["Key"]
    )
    # Only an administrator bypassing governance retention can remove an event; verify notices.
    version = s3.head_object(Bucket=AUDIT_BUCKET, Key=victim)["VersionId"]
    s3.delete_object(Bucket=AUDIT_BUCKET, Key=victim, VersionId=version, BypassGovernanceRetention=True)

    gap = ccm("audit", "verify", "--from", year_start, "--to", "2099-12-31", "--json")
    assert gap.exit_code == 1
    assert [row[3] for row in json.loads(gap.stdout)["gaps"]] == [victim]


def test_ccm_report_prints_the_same_numbers_as_the_api(stack: AuditStack) -> None:
    seeded(stack)
    from_api = stack.api.as_(APPROVER).get("/api/reports/summary", query={"from": "2030-01", "to": "2030-03"}).json

    as_json = ccm("report", "--from", "2030-01", "--to", "2030-03", "--format", "json")
    as_csv = ccm("report", "--from", "2030-01", "--to", "2030-03", "--format", "csv", "--table", "outcomes")
    as_table = ccm("report", "--from", "2030-01", "--to", "2030-03", "-c", "alpha")

    assert json.loads(as_json.stdout) == from_api
    assert list(csv.reader(io.StringIO(as_csv.stdout)))[1:] == [
        ["alpha", "1", "0", "1", "0", "2"],
        ["bravo", "0", "0", "1", "1", "2"],
    ]
    assert "2030-01 to 2030-03 for alpha: 4 changes, 1 emergencies (25.0%)" in as_table.stdout
    assert ccm("report", "--from", "2030-01", "--to", "2030-03", "--format", "xml").exit_code == 2

    least = ccm("report", "--from", "2030-01", "--to", "2030-03", "--listed", "1")
    assert "changes with less notice than the minimum (the 1 with the least of 2; more with --listed)" in " ".join(
        least.stdout.split()
    )
    too_many = ccm("report", "--from", "2030-01", "--to", "2030-03", "--listed", "0")
    assert too_many.exit_code != 0
    assert "list between 1 and 10000 changes" in too_many.stdout + too_many.stderr
