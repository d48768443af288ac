"""The demo SubscriptionConfig.json on the running local stack: the shared NOC mailbox hears of a demo change.

The stack applies the file at its first start; a change for three customers is then approved through the portal,
and the outbox shows the approval email and the calendar invitation reaching the NOC mailbox for each of them.
Running ``ccm ses subscriptions apply --all`` against the stack afterwards finds nothing to do.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ccm.config import AppConfig
from tests.api.helpers import change_input
from tests.conftest import ROOT
from tests.local.stack_process import Browser, LocalStackProcess, free_environment, subscribers
from tests.local.test_local_stack_e2e import delivered, meetings_of, wait_for

pytestmark = pytest.mark.e2e

NOC = "noc@example.com"
CUSTOMERS = ["alpha", "bravo", "xray"]
ICS_CUSTOMER = "xray"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[LocalStackProcess]:
    process = LocalStackProcess(tmp_path / "local-data")
    try:
        yield process.start("--snapshot-interval", "0")
    finally:
        process.kill()


def stack_environment(stack: LocalStackProcess) -> dict[str, str]:
    """What ``source .local-data/env`` gives a shell: the emulator, its credentials, the local files."""
    environment = free_environment()
    for line in (stack.data_dir / "env").read_text().splitlines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            environment[name] = shlex.split(value)[0] if value else ""
    return environment


def the_noc_heard(change_id: str, title: str) -> Any:
    def check(outbox: dict[str, Any]) -> bool:
        approved = delivered(outbox, change_id, "approved")
        invited = delivered(outbox, change_id, "meeting_request")
        return (
            all(NOC in approved.get(code, []) for code in CUSTOMERS)
            and NOC in invited.get(ICS_CUSTOMER, [])
            and bool(meetings_of(outbox, title, "created"))
        )

    return check


def test_the_noc_mailbox_of_the_demo_subscription_file_receives_the_approval_emails_of_a_demo_change(
    stack: LocalStackProcess, app_config: AppConfig
) -> None:
    endpoint = next(line for line in stack.output if "AWS emulator:" in line).split()[2]
    for code in CUSTOMERS:
        assert NOC in subscribers(endpoint, app_config, code, "aws-announce"), code
        assert NOC in subscribers(endpoint, app_config, code, "aws-calendar"), code
    requester, approver = Browser(stack.url), Browser(stack.url)
    requester.sign_in("requester@example.com")
    approver.sign_in("approver@example.com")

    title = f"Rotate the NOC's pager certificates {time.time_ns()}"
    created = requester.api(
        "POST", "/api/changes", change_input(customers=CUSTOMERS, changeTitle=title, include_meeting=True)
    )
    assert created.status_code == 201, created.text
    change_id = created.json()["object"]["changeId"]
    approval = approver.api("POST", f"/api/changes/{change_id}/approve")
    assert approval.status_code == 200, approval.text
    outbox = wait_for(approver, the_noc_heard(change_id, title), "the NOC mailbox's approval emails")

    approved = delivered(outbox, change_id, "approved")
    assert all(approved[code].count(NOC) == 1 for code in CUSTOMERS), "once per customer, however often delivered"
    [meeting] = meetings_of(outbox, title, "created")
    assert NOC in meeting["attendees"]

    reapplied = subprocess.run(
        [
            str(Path(sys.executable).with_name("ccm")),
            "ses",
            "subscriptions",
            "apply",
            "--all",
            "--json",
            "--ses-rps",
            "0",
        ],
        cwd=ROOT,
        env={**stack_environment(stack), "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert reapplied.returncode == 0, reapplied.stderr
    results = json.loads(reapplied.stdout)["results"]
    assert len(results) == len(app_config.customer_codes)
    assert all((r["created"], r["updated"], r["removed"]) == (0, 0, 0) for r in results), results
