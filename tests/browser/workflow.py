"""Objects for browser tests, made through the API as the signed-in user, and waiting for the backend's work."""

from __future__ import annotations

import time
from typing import Any

from playwright.sync_api import Page

from tests.api.helpers import change_input
from tests.browser.helpers import portal_api

CHANGE_TEXTS = {
    "changeReason": "Certificates expire next month",
    "implementationPlan": "Upload the new certificates, then switch the listeners",
    "testPlan": "Check the TLS handshake of every endpoint",
    "customerImpact": "None expected",
    "rollbackPlan": "Switch the listeners back",
}
"""What the change form asks for in its text fields, by field id."""


def submit_change(page: Page, **overrides: Any) -> dict[str, Any]:
    """A change submitted for approval by the user signed in on ``page``; its document as the API returns it."""
    response = portal_api(page, "POST", "/api/changes", change_input(**overrides))
    assert response.status == 201, response.text()
    document: dict[str, Any] = response.json()["object"]
    return document


def wait_until_processed(page: Page, path: str, customers: set[str], timeout: float = 60.0) -> dict[str, Any]:
    """Wait until the backend has recorded the current status as processed for every customer in ``customers``.

    The backend writes that record (and a meeting's details) into the object after a transition, which gives it
    a new ETag. The portal sends an edit once more over one such write (same version), but not over several
    landing while it does: tests wait for the backend to be done, so what they check does not race it.
    """
    deadline = time.monotonic() + timeout
    document: dict[str, Any] = {}
    while time.monotonic() < deadline:
        document = portal_api(page, "GET", path).json()
        history = document.get("modifications") or []
        transitions = [index for index, entry in enumerate(history) if entry["modification_type"] != "processed"]
        since = history[max(transitions) + 1 :] if transitions else history
        done = {entry.get("customer_code") for entry in since if entry["modification_type"] == "processed"}
        if customers <= done:
            return document
        time.sleep(0.25)
    raise AssertionError(f"{path} was not processed for {sorted(customers)} within {timeout:.0f} s: {document}")
