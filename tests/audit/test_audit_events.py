"""Every archive write becomes its audit events in the audit bucket, once, whatever S3 and SQS redeliver."""

from __future__ import annotations

import json
from typing import Any

import boto3

from ccm.aws.clients import RETRY_CONFIG
from tests.api.client import ADMIN, APPROVER
from tests.api.helpers import change_input
from tests.audit.conftest import AUDIT_BUCKET, AuditStack

WINDOW = {"implementationStart": "2030-03-20T22:00:00Z", "implementationEnd": "2030-03-20T23:00:00Z"}


def lifecycle(stack: AuditStack) -> str:
    """Draft, submit, edit, approve, deliver to both customers, complete rolled back."""
    api = stack.api
    draft = api.post("/api/drafts", change_input(**WINDOW, changeTitle="Rotate keys")).json
    change_id = draft["changeId"]
    stack.clock.advance(minutes=5)
    assert api.post(f"/api/changes/{change_id}/submit").status == 200
    stack.clock.advance(minutes=5)
    assert api.put(f"/api/changes/{change_id}", {"changeTitle": "Rotate signing keys"}).status == 200
    stack.clock.advance(hours=3)
    assert api.as_(APPROVER).post(f"/api/changes/{change_id}/approve").status == 200
    stack.clock.advance(minutes=1)
    stack.record_delivery(change_id, "alpha")
    stack.record_delivery(change_id, "bravo")
    stack.clock.advance(days=20)
    completed = api.as_(APPROVER).post(f"/api/changes/{change_id}/complete", {"outcome": "rolled_back", "note": "HSM"})
    assert completed.status == 200, completed.text
    return str(change_id)


def test_every_transition_edit_decision_and_delivery_summary_becomes_one_event(stack: AuditStack) -> None:
    change_id = lifecycle(stack)

    stack.drain()

    events = [event for event in stack.events() if event["object_id"] == change_id]
    assert [(e["event"], e["version"], e["actor"]) for e in events] == [
        ("created", 1, "requester@example.com"),
        ("submitted", 1, "requester@example.com"),
        ("updated", 2, "requester@example.com"),
        # The approver's decision and the approval it completed, both in the one write of version 3.
        ("approval_decision", 3, "approver@example.com"),
        ("approved", 3, "approver@example.com"),
        ("processed.alpha", 3, "backend"),
        ("processed.bravo", 3, "backend"),
        ("completed", 4, "approver@example.com"),
    ]
    edit = events[2]
    assert {"field": "changeTitle", "before": '"Rotate keys"', "after": '"Rotate signing keys"'} in edit["changes"]
    assert all(event["request_id"] for event in events if event["actor"] != "backend")
    assert {event["customers"] == ["alpha", "bravo"] for event in events} == {True}
    completed = events[-1]
    assert (completed["outcome"], completed["comment"], completed["status"]) == ("rolled_back", "HSM", "completed")
    assert {"field": "status", "before": '"approved"', "after": '"completed"'} in completed["changes"]
    assert events[5]["customer"] == "alpha"
    assert stack.event_keys()[0].startswith("events/year=2030/month=03/day=02/")


def test_a_redelivered_or_reordered_write_writes_nothing_twice(stack: AuditStack) -> None:
    lifecycle(stack)
    bodies = stack.drain(order=lambda bodies: list(reversed(bodies)))
    keys = stack.event_keys()
    versions_before = _versions()

    stack.handle(bodies)
    stack.handle(bodies[:3])

    assert stack.event_keys() == keys
    assert _versions() == versions_before


def test_an_event_cannot_be_deleted_from_the_locked_bucket(stack: AuditStack) -> None:
    lifecycle(stack)
    stack.drain()
    s3 = boto3.client("s3", config=RETRY_CONFIG)
    key = stack.event_keys()[0]
    version = s3.head_object(Bucket=AUDIT_BUCKET, Key=key)["VersionId"]

    try:
        s3.delete_object(Bucket=AUDIT_BUCKET, Key=key, VersionId=version)
    except s3.exceptions.ClientError as error:
        assert error.response["Error"]["Code"] == "AccessDenied"
    else:
        raise AssertionError("Object Lock let a locked event version be deleted")
    head = s3.head_object(Bucket=AUDIT_BUCKET, Key=key, VersionId=version)
    assert head["ObjectLockMode"] == "GOVERNANCE"
    assert head["ObjectLockRetainUntilDate"].year >= 2033


def test_deleting_a_cancelled_change_is_an_event_by_whoever_deleted_it(stack: AuditStack) -> None:
    change_id = stack.api.post("/api/changes", change_input(**WINDOW)).json["object"]["changeId"]
    stack.clock.advance(minutes=1)
    assert stack.api.post(f"/api/changes/{change_id}/cancel").status == 200
    stack.clock.advance(minutes=1)
    assert stack.api.as_(ADMIN).delete(f"/api/changes/{change_id}").status == 200

    stack.drain()

    events = [(e["event"], e["actor"]) for e in stack.events() if e["object_id"] == change_id]
    assert events[-2:] == [("cancelled", "requester@example.com"), ("deleted", "admin@example.com")]


def test_announcements_are_audited_too(stack: AuditStack) -> None:
    body: dict[str, Any] = {"title": "Community day", "announcement_type": "cic", "customers": ["alpha"]}
    created = stack.api.post("/api/announcements", {**body, "summary": "Talks", "content": "Demos"})
    assert created.status == 201, created.text

    stack.drain()

    kinds = {(e["object_kind"], e["event"]) for e in stack.events()}
    assert {("announcement", "created"), ("announcement", "submitted")} <= kinds


def _versions() -> list[str]:
    s3 = boto3.client("s3", config=RETRY_CONFIG)
    listing = s3.list_object_versions(Bucket=AUDIT_BUCKET)
    return sorted(json.dumps([v["Key"], v["VersionId"]]) for v in listing.get("Versions", []))
