"""The local ServiceNow and Jira stand-ins: the local config points at them, their records outlive a restart, and
/dev/outbox shows the change requests with their work notes and the issues with their comments."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import boto3

from ccm.config import AppConfig
from ccm.local.local_config import local_config_document
from ccm.local.outbox import Outbox
from ccm.local.outbox_pages import OutboxApp
from ccm.local.ticket_systems import (
    DEMO_PARAMETERS,
    JIRA_PATH,
    SERVICENOW_PATH,
    TICKETS_FILE,
    TicketRecords,
    start_ticket_stand_ins,
)
from tests.conftest import CONFIG_PATH

PORTAL = "http://localhost:8080"


def local_config(source: dict[str, Any]) -> AppConfig:
    return AppConfig.model_validate(local_config_document(source, PORTAL, None))


def test_the_local_config_points_the_demo_integrations_at_the_stand_ins() -> None:
    integrations = local_config(json.loads(CONFIG_PATH.read_text())).integrations

    assert integrations.servicenow is not None and integrations.jira is not None
    assert integrations.servicenow.instance_url == f"{PORTAL}{SERVICENOW_PATH}"
    assert integrations.jira.base_url == f"{PORTAL}{JIRA_PATH}"
    assert integrations.servicenow.create_change_requests and integrations.servicenow.validate_ticket_numbers
    assert sorted(integrations.parameters) == sorted(DEMO_PARAMETERS.values())


def test_a_config_s_own_integrations_keep_their_settings_but_reach_the_stand_ins() -> None:
    source = json.loads(CONFIG_PATH.read_text())
    source["integrations"] = {
        "jira": {
            "base_url": "https://real.atlassian.net",
            "email": "bot@example.com",
            "api_token_parameter": "/real/token",
            "comment_on": ["completed"],
        }
    }
    integrations = local_config(source).integrations

    assert integrations.servicenow is None and integrations.jira is not None
    assert integrations.jira.base_url == f"{PORTAL}{JIRA_PATH}" and integrations.jira.comment_on == ["completed"]


def request(app: Any, method: str, path: str, body: Any = None, auth: tuple[str, str] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else b""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "CONTENT_LENGTH": str(len(data)),
        "wsgi.input": io.BytesIO(data),
    }
    if auth:
        environ["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    status: list[str] = []
    answer = b"".join(app(environ, lambda s, h: status.append(s)))
    return int(status[0].split()[0]), json.loads(answer)


def test_records_outlive_a_restart_and_show_in_the_outbox(aws: None, tmp_path: Path) -> None:
    config = local_config(json.loads(CONFIG_PATH.read_text()))
    ssm = boto3.client("ssm")
    first = start_ticket_stand_ins(config, tmp_path, PORTAL, ssm)
    snow_auth = (
        "ccm.integration",
        ssm.get_parameter(Name=DEMO_PARAMETERS["servicenow_password"], WithDecryption=True)["Parameter"]["Value"],
    )
    status, created = request(
        first.servicenow,
        "POST",
        "/api/now/table/change_request",
        {"short_description": "Resize the brokers"},
        snow_auth,
    )
    assert status == 201
    sys_id = created["result"]["sys_id"]
    assert (
        request(
            first.servicenow,
            "PATCH",
            f"/api/now/table/change_request/{sys_id}",
            {"work_notes": "Approved in ccm"},
            snow_auth,
        )[0]
        == 200
    )
    jira_auth = (
        "ccm-bot@example.com",
        ssm.get_parameter(Name=DEMO_PARAMETERS["jira_token"], WithDecryption=True)["Parameter"]["Value"],
    )
    comment = {
        "body": {
            "type": "doc",
            "version": 1,
            "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Completed in ccm"}]}],
        }
    }
    assert request(first.jira, "POST", "/rest/api/3/issue/OPS-102/comment", comment, jira_auth)[0] == 201
    assert request(first.jira, "GET", "/rest/api/3/issue/OPS-102", auth=("ccm-bot@example.com", "wrong"))[0] == 401

    again = TicketRecords.open(tmp_path / TICKETS_FILE)
    [record] = [r for r in again.change_requests if r["sys_id"] == sys_id]
    assert record["work_notes_journal"][0]["text"] == "Approved in ccm"
    assert again.issues["OPS-102"]["comments"][0]["body"] == comment["body"]

    outbox = Outbox({}, tickets=again.document)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/outbox", "QUERY_STRING": "", "wsgi.input": io.BytesIO()}
    page = b"".join(OutboxApp(outbox)(environ, lambda s, h: None)).decode()
    assert "ServiceNow and Jira" in page and record["number"] in page and "Approved in ccm" in page
    assert "Completed in ccm" in page
    assert outbox.document()["tickets"]["issues"]["OPS-102"]["comments"]
