"""What browser tests share besides fixtures: the outbox, API calls as the signed-in user, accessibility."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import APIResponse, Page

from tests.conftest import ROOT

AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
Outbox = dict[str, Any]


def wait_for_outbox(stack_url: str, condition: Callable[[Outbox], bool], what: str, timeout: float = 60.0) -> Outbox:
    """Poll the local stack's outbox (``/dev/outbox.json``) until ``condition`` holds."""
    session = requests.Session()
    session.trust_env = False
    deadline = time.monotonic() + timeout
    outbox: Outbox = {"emails": [], "meetings": []}
    while time.monotonic() < deadline:
        outbox = session.get(f"{stack_url}/dev/outbox.json", timeout=30).json()
        if condition(outbox):
            return outbox
        time.sleep(0.25)
    raise AssertionError(f"{what} did not happen within {timeout:.0f} s; the outbox holds {len(outbox['emails'])}")


def emails_about(outbox: Outbox, object_id: str, event: str) -> list[dict[str, Any]]:
    return [email for email in outbox["emails"] if email["object_id"] == object_id and email["event"] == event]


def portal_api(page: Page, method: str, path: str, body: Any = None) -> APIResponse:
    """The API as the signed-in user of ``page`` calls it, with the body hash origin access control needs."""
    data = b"" if body is None else json.dumps(body).encode("utf-8")
    headers = {"Accept": "application/json", "x-amz-content-sha256": hashlib.sha256(data).hexdigest()}
    if body is not None:
        headers["Content-Type"] = "application/json"
    return page.request.fetch(path, method=method, headers=headers, data=data if body is not None else None)


def assert_accessible(page: Page, context: str) -> None:
    """axe-core's WCAG 2 A and AA rules on the page as it is now: no serious or critical violation."""
    # Evaluated in the page's own world, which the page's CSP does not restrict (an injected <script> would be).
    page.evaluate(Path(AXE).read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})"
    )
    problems = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in result["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]
    assert problems == [], f"accessibility of {context}:\n" + "\n".join(problems)


def assert_no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"the page is {width} px wide in a {viewport} px window"
