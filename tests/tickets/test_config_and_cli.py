"""config.json's integrations are validated with file, key and reason; ``ccm integrations check`` says whether each
configured system answers and accepts ccm's credentials."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ccm.config import load_config
from ccm.errors import ConfigError
from tests.cli.conftest import Ccm, ccm, watch  # noqa: F401 (fixtures of the CLI tests)
from tests.conftest import CONFIG_PATH
from tests.tickets.support import StandIns, put_credentials, stand_ins, write_config

SNOW = {"instance_url": "https://example.service-now.com", "username_parameter": "/u", "password_parameter": "/p"}
JIRA = {"base_url": "https://example.atlassian.net", "email": "bot@example.com", "api_token_parameter": "/t"}


def with_integrations(tmp_path: Path, integrations: dict[str, Any]) -> Path:
    document = json.loads(CONFIG_PATH.read_text(encoding="utf-8"))
    document["integrations"] = integrations
    path = tmp_path / "config.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_today_s_config_without_integrations_still_loads() -> None:
    integrations = load_config(CONFIG_PATH).integrations
    assert (integrations.servicenow, integrations.jira, integrations.parameters) == (None, None, [])


def test_the_defaults_are_the_standard_change_model_s(tmp_path: Path) -> None:
    snow = load_config(with_integrations(tmp_path, {"servicenow": SNOW, "jira": JIRA})).integrations.servicenow
    assert snow is not None
    assert (snow.states.approved, snow.states.completed, snow.states.closed, snow.states.cancelled) == (
        "-2",
        "0",
        "3",
        "4",
    )
    assert (snow.create_change_requests, snow.validate_ticket_numbers) == (False, False)
    assert snow.follow_events == ["approved", "completed", "cancelled"]


@pytest.mark.parametrize(
    ("integrations", "key", "reason"),
    [
        (
            {"servicenow": {**SNOW, "instance_url": "http://example.service-now.com"}},
            "integrations.servicenow.instance_url",
            "https://",
        ),
        (
            {"servicenow": {**SNOW, "instance_url": "https://u:p@example.service-now.com"}},
            "integrations.servicenow.instance_url",
            "without credentials",
        ),
        (
            {"servicenow": {**SNOW, "client_id_parameter": "/c", "client_secret_parameter": "/s"}},
            "integrations.servicenow",
            "either",
        ),
        ({"servicenow": {**SNOW, "password_parameter": None}}, "integrations.servicenow", "either"),
        ({"servicenow": {**SNOW, "follow_events": ["rejected"]}}, "integrations.servicenow.follow_events[0]", ""),
        (
            {"jira": {**JIRA, "api_token_parameter": "has spaces"}},
            "integrations.jira.api_token_parameter",
            "not an SSM",
        ),
        ({"jira": {key: value for key, value in JIRA.items() if key != "email"}}, "integrations.jira.email", ""),
    ],
)
def test_bad_integrations_are_refused_with_file_key_and_reason(
    tmp_path: Path, integrations: dict[str, Any], key: str, reason: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        load_config(with_integrations(tmp_path, integrations))
    message = str(refused.value)
    assert message.startswith(f"config.json: {key}"), message
    assert reason in message


@pytest.fixture
def tickets(aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIns]:
    with stand_ins(tmp_path) as running:
        put_credentials()
        monkeypatch.setenv("CCM_CONFIG", str(write_config(tmp_path, running.url)))
        yield running


def test_the_check_reports_both_systems_reachable_and_authorised(ccm: Ccm, tickets: StandIns) -> None:  # noqa: F811
    results = ccm.json("integrations", "check")

    assert [(r["system"], r["ok"]) for r in results] == [("servicenow", True), ("jira", True)]
    assert results[1]["detail"] == "reachable; signed in as ccm integration"
    human = ccm("integrations", "check")
    assert human.exit_code == 0 and "servicenow" in human.stdout


def test_the_check_fails_naming_what_went_wrong(ccm: Ccm, tickets: StandIns) -> None:  # noqa: F811
    tickets.servicenow.down = True
    tickets.jira.credentials = lambda: ("ccm-bot@example.com", "another-token")

    results = ccm.json("integrations", "check", expect_exit=1)

    assert results[0]["detail"] == "ServiceNow is unreachable: HTTP 503"
    assert results[1]["detail"] == "Jira answered HTTP 401"


def test_without_integrations_the_check_says_so(ccm: Ccm, aws: None) -> None:  # noqa: F811
    result = ccm("integrations", "check")
    assert result.exit_code == 1 and "no integration is configured" in result.output
