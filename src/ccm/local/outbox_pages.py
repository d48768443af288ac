"""``/dev/outbox`` (a page) and ``/dev/outbox.json`` (for tests and scripts), mounted at ``/dev``.

Not behind sign-in, like a mail catcher: the local stack listens on the loopback interface only, and the outbox
is what a developer opens next to the portal. The page lists the emails (time, customer, event, subject,
recipients), newest first, a page at a time, with filters in the address; one email at a time is open
(``open=<message id>``) below the list, its HTML in a sandboxed ``iframe`` (no scripts, no same-origin access), so
a hostile title in an email cannot run anything in the page. Meetings are listed with their window in their zone.
The page needs no script, and names its own icon so the browser does not ask the (signed-in) portal for one.

``/dev/outbox.json`` takes the same optional filters: ``object_id``, ``event``, ``customer``, ``recipient``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, PackageLoader, select_autoescape

from ccm.local.http import HttpResponse, StartResponse, text_response
from ccm.local.outbox import Outbox, OutboxEmail

FILTERS = ("object_id", "event", "customer")
PAGE_SIZE = 50
ICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1e3a8a"/>'
    '<path d="M6 10h20v13H6z" fill="#fff"/><path d="M6 10l10 8 10-8" fill="none" stroke="#1e3a8a" stroke-width="2"/>'
    "</svg>"
)


@cache
def _templates() -> Environment:
    return Environment(loader=PackageLoader("ccm", "templates"), autoescape=select_autoescape(["html"]))


def _matches(email: OutboxEmail, wanted: Mapping[str, str]) -> bool:
    if any(wanted[name] != (getattr(email, name) or "") for name in FILTERS if wanted.get(name)):
        return False
    recipient = wanted.get("recipient", "").strip().lower()
    return not recipient or recipient in email.recipients


def _graph_time(value: str, zone: ZoneInfo | None) -> datetime | None:
    """Graph's wall-clock ``2026-12-16T09:30:00.0000000`` (seven fraction digits) in ``zone``."""
    try:
        moment = datetime.fromisoformat(value.split(".", 1)[0])
    except ValueError:
        return None
    return moment.replace(tzinfo=zone) if zone is not None and moment.tzinfo is None else moment


def zoned_window(start: str, end: str, zone_name: str) -> str:
    """A meeting's window as people read it: ``Wed 16 Dec 2026 09:30–11:00 CET (Europe/Berlin)``."""
    try:
        zone: ZoneInfo | None = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        zone = None  # a Windows zone name, say: shown as it came
    begins, ends = _graph_time(start, zone), _graph_time(end, zone)
    if begins is None or ends is None:
        return f"{start} – {end} ({zone_name or 'no zone'})"
    first = f"{begins:%a} {begins.day} {begins:%b %Y %H:%M}"
    last = f"{ends:%H:%M}" if ends.date() == begins.date() else f"{ends:%a} {ends.day} {ends:%b %Y %H:%M}"
    abbreviation = begins.tzname() or ""
    return f"{first}–{last} {abbreviation} ({zone_name})".replace("  ", " ")


def accepted_label(value: str) -> str:
    """``2026-12-04T21:00:11.120Z`` as ``4 Dec 21:00:11 UTC``."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return f"{moment.day} {moment:%b %H:%M:%S} UTC"


@dataclass(frozen=True)
class EmailRow:
    email: OutboxEmail
    when: str
    href: str
    is_open: bool


@dataclass(frozen=True)
class PostRow:
    post: Mapping[str, Any]
    when: str
    summary: str


def post_summary(post: Mapping[str, Any]) -> str:
    """What a post says, in a line: a webhook's event type and subject, a card's or a Slack message's headline."""
    try:
        body = json.loads(str(post.get("body", "")))
    except ValueError:
        return str(post.get("body", ""))[:120]
    if not isinstance(body, dict):
        return ""
    if "specversion" in body:
        return f"{body.get('type', '')} {body.get('subject', '')}".strip()
    if isinstance(body.get("text"), str):
        return str(body["text"])
    for attachment in body.get("attachments") or []:
        for block in (attachment.get("content") or {}).get("body") or []:
            if block.get("type") == "TextBlock":
                return str(block.get("text", ""))
    return ""


@dataclass(frozen=True)
class MeetingRow:
    meeting: Mapping[str, Any]
    when: str
    window: str


def _query(filters: Mapping[str, str], **extra: str | int) -> str:
    values = {**{name: value for name, value in filters.items() if value}, **{k: str(v) for k, v in extra.items()}}
    return "?" + urlencode(values) if values else "?"


def _choices(emails: Sequence[OutboxEmail], name: str) -> list[str]:
    return sorted({str(getattr(email, name)) for email in emails if getattr(email, name)})


def _page_number(text: str | None, pages: int) -> int:
    try:
        return min(max(int(text or 1), 1), pages)
    except ValueError:
        return 1


def render_page(outbox: Outbox, query: Mapping[str, str]) -> str:
    everything = list(reversed(outbox.emails()))
    filters = {name: query.get(name, "").strip() for name in (*FILTERS, "recipient")}
    matching = [email for email in everything if _matches(email, filters)]
    pages = max(1, -(-len(matching) // PAGE_SIZE))
    page = _page_number(query.get("page"), pages)
    shown = matching[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    wanted = query.get("open", "")
    opened = next((email for email in matching if email.message_id == wanted), None)
    rows = [
        EmailRow(
            email,
            accepted_label(email.accepted_at),
            _query(filters, page=page, open=email.message_id) + "#message",
            email is opened,
        )
        for email in shown
    ]
    meetings = [
        MeetingRow(
            meeting,
            accepted_label(str(meeting.get("at", ""))),
            zoned_window(str(meeting.get("start", "")), str(meeting.get("end", "")), str(meeting.get("time_zone", ""))),
        )
        for meeting in reversed(outbox.meetings())
    ]
    return (
        _templates()
        .get_template("local_outbox.html")
        .render(
            rows=rows,
            opened=opened,
            total=len(everything),
            matching=len(matching),
            filters=filters,
            customers=_choices(everything, "customer"),
            events=_choices(everything, "event"),
            objects=_choices(everything, "object_id"),
            page=page,
            pages=pages,
            previous_page=_query(filters, page=page - 1) if page > 1 else None,
            next_page=_query(filters, page=page + 1) if page < pages else None,
            meetings=meetings,
            meetings_wired=outbox.meeting_source is not None,
            posts=[
                PostRow(post, accepted_label(str(post.get("at", ""))), post_summary(post))
                for post in reversed(outbox.posts())
            ],
            posts_wired=outbox.post_source is not None,
            tickets=outbox.tickets(),
            tickets_wired=outbox.ticket_source is not None,
        )
    )


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
            html = render_page(self.outbox, query)
            return text_response(200, html, "text/html; charset=utf-8").send(start_response, method)
        if path == "/favicon.svg":
            icon = HttpResponse(200, [("Content-Type", "image/svg+xml"), ("Cache-Control", "max-age=86400")])
            icon.body = ICON.encode("ascii")
            return icon.send(start_response, method)
        return text_response(404, f"No page /dev{path}: see /dev/outbox.\n").send(start_response, method)
