"""``make dev`` end to end: an administrator's edit of a standard change template, which only the table holds,
reaches the audit trail through the table's stream, the local poller and the audit function."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.local.stack_process import Browser, LocalStackProcess

pytestmark = pytest.mark.e2e

WAIT_SECONDS = 60.0
EDITABLE = (
    "name",
    "description",
    "changeTitle",
    "changeReason",
    "implementationPlan",
    "testPlan",
    "rollbackPlan",
    "customerImpact",
    "risk",
)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStackProcess]:
    process = LocalStackProcess(tmp_path / "local-data")
    try:
        yield process.start("--snapshot-interval", "0")
    finally:
        process.kill()


def trail_of(admin: Browser, object_id: str) -> list[dict[str, Any]]:
    today = datetime.now(UTC).date().isoformat()
    answer = admin.api("GET", f"/api/audit?from={today}&to={today}&limit=1000")
    assert answer.status_code == 200, answer.text
    return [event for event in answer.json()["events"] if event["object_id"] == object_id]


def test_a_template_edited_through_the_api_appears_in_the_audit_trail(stack: LocalStackProcess) -> None:
    admin = Browser(stack.url)
    admin.sign_in("admin@example.com")
    [template] = admin.api("GET", "/api/templates").json()["items"]
    body = {name: template[name] for name in EDITABLE}
    edited = admin.api(
        "PUT", f"/api/templates/{template['id']}?version={template['version']}", {**body, "testPlan": "Check it"}
    )
    assert edited.status_code == 200, edited.text

    deadline = time.monotonic() + WAIT_SECONDS
    events: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        events = trail_of(admin, template["id"])
        if any(event["event"] == "template_updated" for event in events):
            break
        time.sleep(0.5)

    assert [(e["event"], e["version"], e["actor"]) for e in events] == [
        ("template_created", 1, "admin@example.com"),
        ("template_updated", 2, "admin@example.com"),
    ], "the demo template's creation (first start) and the edit, each once"
