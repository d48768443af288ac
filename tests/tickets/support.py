"""The ServiceNow and Jira stand-ins of the local stack, served on the loopback interface for a test, and a
config.json whose ``integrations`` point at them (with their credentials in moto's SSM)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import boto3

from ccm.config import AppConfig, load_config
from ccm.local.http import StartResponse, text_response
from ccm.local.ticket_systems import (
    DEMO_PARAMETERS,
    JIRA_PATH,
    SERVICENOW_PATH,
    JiraStandIn,
    ServiceNowStandIn,
    TicketRecords,
    demo_integrations,
)
from tests.conftest import CONFIG_PATH

SNOW_USER = "ccm.integration"
SNOW_PASSWORD = "sn-Pa55word-never-logged"
JIRA_EMAIL = "ccm-bot@example.com"
JIRA_TOKEN = "ATATT3xFfGF0-token-never-logged"
SECRETS = (SNOW_PASSWORD, JIRA_TOKEN)


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class StandIns:
    url: str
    records: TicketRecords
    servicenow: ServiceNowStandIn
    jira: JiraStandIn

    def created(self) -> list[dict[str, Any]]:
        """The change requests made by ccm (the stand-in starts with a few of its own)."""
        return [r for r in self.records.change_requests if r.get("correlation_id")]

    def record(self, number: str) -> dict[str, Any]:
        return next(r for r in self.records.change_requests if r["number"] == number)


def _mounted(stand_ins: StandIns) -> Any:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO") or "/")
        for prefix, mounted in ((SERVICENOW_PATH, stand_ins.servicenow), (JIRA_PATH, stand_ins.jira)):
            if path.startswith(prefix + "/"):
                environ["SCRIPT_NAME"], environ["PATH_INFO"] = prefix, path[len(prefix) :]
                return mounted(environ, start_response)
        return text_response(404, "not here\n").send(start_response)

    return app


@contextmanager
def stand_ins(data: Path | None = None) -> Iterator[StandIns]:
    records = TicketRecords.open(data / "tickets.json" if data is not None else None)
    holder: list[StandIns] = []
    server = make_server(
        "127.0.0.1", 0, lambda e, s: _mounted(holder[0])(e, s), server_class=_Server, handler_class=_QuietHandler
    )
    url = f"http://127.0.0.1:{server.server_port}"
    holder.append(
        StandIns(
            url,
            records,
            ServiceNowStandIn(records, lambda: (SNOW_USER, SNOW_PASSWORD)),
            JiraStandIn(records, f"{url}{JIRA_PATH}", lambda: (JIRA_EMAIL, JIRA_TOKEN)),
        )
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder[0]
    finally:
        server.shutdown()
        server.server_close()


def put_credentials(password: str = SNOW_PASSWORD, token: str = JIRA_TOKEN) -> None:
    ssm = boto3.client("ssm")
    for name, value in (
        (DEMO_PARAMETERS["servicenow_user"], SNOW_USER),
        (DEMO_PARAMETERS["servicenow_password"], password),
        (DEMO_PARAMETERS["jira_token"], token),
    ):
        ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)


def write_config(directory: Path, url: str, **servicenow: Any) -> Path:
    """config.json with the demo's integrations pointed at ``url`` (``servicenow`` overrides its keys)."""
    document = json.loads(CONFIG_PATH.read_text(encoding="utf-8"))
    document.pop("$schema", None)
    integrations = demo_integrations(url)
    integrations["servicenow"].update(servicenow)
    integrations["jira"]["email"] = JIRA_EMAIL
    document["integrations"] = integrations
    path = directory / "config.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def config_at(path: Path) -> AppConfig:
    return load_config(path)
