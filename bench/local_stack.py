"""``make dev``: seconds to "Ready" (first start and restart), and from an approval to the last email delivered.

Runs ``make dev`` itself (the venv already made) on free ports with a data folder of its own, signs in as the
requester and the approver through the development identity provider, creates a change with a meeting for three
customers (two with Teams, ``xray`` with invitations by email), approves it and waits until the outbox shows the
approval email for every subscriber and the invitation for every calendar subscriber of ``xray``. The local SES
sends one email per second per customer account, which bounds the second number.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.api.helpers import change_input
from tests.conftest import ROOT
from tests.local.stack_process import Browser, LocalStackProcess, subscribers

from ccm.config import load_config

CUSTOMERS = ["alpha", "bravo", "xray"]


def approval_to_last_email(stack: LocalStackProcess) -> tuple[float, int]:
    requester, approver = Browser(stack.url), Browser(stack.url)
    requester.sign_in("requester@example.com")
    approver.sign_in("approver@example.com")
    document = change_input(customers=CUSTOMERS, changeTitle="Bench change", include_meeting=True)
    created = requester.api("POST", "/api/changes", document)
    change_id = created.json()["object"]["changeId"]
    endpoint = next(line for line in stack.output if "AWS emulator:" in line).split()[2]
    config = load_config(ROOT / "config.json")
    announced = sum(len(subscribers(endpoint, config, code, "aws-announce")) for code in CUSTOMERS)
    invited = len(subscribers(endpoint, config, "xray", "aws-calendar"))
    started = time.monotonic()
    approver.api("POST", f"/api/changes/{change_id}/approve").raise_for_status()
    while time.monotonic() - started < 120:
        emails = approver.get(approver.url(f"/dev/outbox.json?object_id={change_id}"), timeout=30).json()["emails"]
        count = sum(len(e["recipients"]) for e in emails if e["event"] in ("approved", "meeting_request"))
        if count >= announced + invited:
            return time.monotonic() - started, count
        time.sleep(0.1)
    raise SystemExit("the approval emails did not all arrive within two minutes")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "local-data"
        first = LocalStackProcess(data, command=["make", "--no-print-directory", "dev"])
        try:
            first.start()
            seconds, emails = approval_to_last_email(first)
            first.stop(interrupt=True)
        finally:
            first.kill()
        again = LocalStackProcess(data, command=["make", "--no-print-directory", "dev"])
        try:
            again.start()
            again.stop(interrupt=True)
        finally:
            again.kill()
    print(f"{'make dev -> Ready, first start (demo data made)':<52} {first.ready_seconds:6.1f} s")
    print(f"{'make dev -> Ready, restart (state restored)':<52} {again.ready_seconds:6.1f} s")
    print(
        f"{'approve -> last email (announcements, invitations)':<52} {seconds:6.1f} s  ({emails} emails, 3 customers)"
    )


if __name__ == "__main__":
    main()
