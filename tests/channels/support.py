"""What the channel tests share: a message, channel configs, and a small HTTP server on the loopback interface."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ccm.channels.message import ChannelMessage
from ccm.config import ChannelConfig

NOW = datetime(2030, 1, 6, 12, 0, tzinfo=UTC)
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
EVERY_EVENT = ["approval_request", "approved", "updated", "rescheduled", "reminder", "completed", "cancelled"]


def message(**overrides: object) -> ChannelMessage:
    values: dict[str, object] = {
        "event": "approved",
        "headline": "Approved: Renew the <edge> certificates & keys",
        "object_id": "CHG-2030-0001",
        "kind": "change",
        "version": 3,
        "title": "Renew the <edge> certificates & keys",
        "status": "approved",
        "customer_code": "xray",
        "customer_name": "Xray Imaging",
        "portal_url": "https://portal.example.com/edit-change.html?changeId=CHG-2030-0001",
        "summary": "No downtime expected <!channel>",
        "window": "Mon 7 Jan 2030 10:00 – 12:00 CET (09:00 – 11:00 UTC)",
        "window_start": datetime(2030, 1, 7, 9, 0, tzinfo=UTC),
        "window_end": datetime(2030, 1, 7, 11, 0, tzinfo=UTC),
        "join_url": "https://teams.microsoft.com/l/meetup-join/abc",
    }
    values.update(overrides)
    return ChannelMessage(**values)  # type: ignore[arg-type]


def channel(name: str, kind: str = "webhook", events: list[str] | None = None) -> ChannelConfig:
    document: dict[str, object] = {
        "name": name,
        "type": kind,
        "url_parameter": f"/test/{name}/url",
        "events": events or EVERY_EVENT,
    }
    if kind == "webhook":
        document["secret_parameter"] = f"/test/{name}/secret"
    return ChannelConfig.model_validate(document)


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Answers each POST with the next planned answer (the last one repeats) and records what came."""

    answers: list[Answer]
    received: list[Received] = field(default_factory=list)
    url: str = ""
    on_request: Callable[[], object] | None = None
    failing: set[str] = field(default_factory=set)
    """Paths that answer 500 whatever is planned."""

    def next_answer(self, path: str) -> Answer:
        if path in self.failing:
            return Answer(500, body=b"unavailable")
        index = min(len(self.received) - 1, len(self.answers) - 1)
        return self.answers[index]


@contextmanager
def receiver(*answers: Answer, on_request: Callable[[], object] | None = None) -> Iterator[Receiver]:
    state = Receiver(list(answers), on_request=on_request)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            state.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            if state.on_request is not None:
                state.on_request()
            answer = state.next_answer(self.path)
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
