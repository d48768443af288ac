"""``/dev/outbox`` (a page) and ``/dev/outbox.json`` (for tests and scripts), mounted at ``/dev``.

Not behind sign-in, like a mail catcher: the local stack listens on the loopback interface only, and the outbox
is what a developer opens next to the portal. Each email's HTML is shown in a sandboxed ``iframe`` (no scripts,
no same-origin access), so a hostile title in an email cannot run anything in the page.

``/dev/outbox.json`` takes optional filters: ``object_id``, ``event``, ``customer``, ``recipient``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment, PackageLoader, select_autoescape

from ccm.local.http import StartResponse, text_response
from ccm.local.outbox import Outbox, OutboxEmail

FILTERS = ("object_id", "event", "customer")


@cache
def _templates() -> Environment:
    return Environment(loader=PackageLoader("ccm", "templates"), autoescape=select_autoescape(["html"]))


def _matches(email: OutboxEmail, wanted: dict[str, str]) -> bool:
    if any(wanted[name] != (getattr(email, name) or "") for name in FILTERS if name in wanted):
        return False
    return "recipient" not in wanted or wanted["recipient"].lower() in email.recipients


class OutboxApp:
    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO") or "/")
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        if method not in ("GET", "HEAD"):
            return text_response(405, "The outbox is read-only.\n").send(start_response, method)
        query = {name: values[0] for name, values in parse_qs(str(environ.get("QUERY_STRING", ""))).items()}
        if path == "/outbox.json":
            document = self.outbox.document()
            document["emails"] = [email for email in document["emails"] if _matches(OutboxEmail(**email), query)]
            body = json.dumps(document, indent=1)
            return text_response(200, body, "application/json").send(start_response, method)
        if path in ("/outbox", "/outbox/", "/"):
            emails = [email for email in reversed(self.outbox.emails()) if _matches(email, query)]
            html = (
                _templates()
                .get_template("local_outbox.html")
                .render(
                    emails=emails,
                    meetings=list(reversed(self.outbox.meetings())),
                    meetings_wired=self.outbox.meeting_source is not None,
                )
            )
            return text_response(200, html, "text/html; charset=utf-8").send(start_response, method)
        return text_response(404, f"No page /dev{path}: see /dev/outbox.\n").send(start_response, method)
