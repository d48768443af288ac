"""What the local stack runs with: its copy of config.json, CloudFront's behaviours as deployed, its options."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ccm.config import AppConfig
from ccm.devidp.provider import demo_users
from ccm.edge.behaviours import (
    API_PATH_PATTERNS,
    FEEDBACK_PATH_PATTERN,
    FEEDS_PATH_PATTERN,
    LEGACY_API_PATHS,
    is_api_path,
    is_saml_path,
)
from ccm.errors import ConfigError
from ccm.local.__main__ import banner, main, parse_options
from ccm.local.cloudfront import API_POLICY, FEEDBACK_POLICY, FEEDS_POLICY, SAML_POLICY
from ccm.local.demo_policies import demo_approval_policies
from ccm.local.local_config import GraphEndpoints, write_local_config
from ccm.local.stack import Started
from ccm.local.ticket_systems import demo_integrations
from infra import cfn_yaml
from infra.render import SOURCE, render
from tests.conftest import CONFIG_PATH


def test_the_local_config_points_emails_and_graph_here_and_keeps_everything_else(tmp_path: Path) -> None:
    shipped = CONFIG_PATH.read_text(encoding="utf-8")
    graph = GraphEndpoints("https://127.0.0.1:9443", "https://127.0.0.1:9443/v1.0")

    path, config = write_local_config(CONFIG_PATH, tmp_path, "http://localhost:8080", graph)

    assert path == tmp_path / "config.json" and CONFIG_PATH.read_text(encoding="utf-8") == shipped
    assert config.email_config.portal_base_url == "http://localhost:8080"
    assert config.graph_config is not None and config.graph_config.authority_host == "https://127.0.0.1:9443"
    written, original = json.loads(path.read_text()), json.loads(shipped)
    written["email_config"]["portal_base_url"] = original["email_config"]["portal_base_url"]
    for key in ("authority_host", "graph_base_url"):
        written["graph_config"].pop(key)
    # config.json names no approval policies: the demo's come in (a CAB, and Papa Payments' own approver).
    assert written.pop("approval_policies") == demo_approval_policies(original)
    assert config.approval_policies.group_names() == ["ccm-cab", "papa-owners"]
    assert original.pop("$schema") == "./schemas/config.schema.json" and "$schema" not in written
    demo_freezes = written.pop("change_calendar")["freeze_windows"]
    # The demo's reminders (an hour's beside the day's) when config.json names none.
    assert written.pop("reminders") == ["P1D", "PT1H"] and "reminders" not in original
    # The ServiceNow and Jira stand-ins behind the local edge (ccm.local.ticket_systems).
    assert written.pop("integrations") == demo_integrations("http://localhost:8080")
    assert written == original
    assert [freeze["name"] for freeze in demo_freezes] == ["Weekend trading freeze", "Year-end freeze"]
    assert [freeze.name for freeze in config.change_calendar.freeze_windows] == [f["name"] for f in demo_freezes]


def test_approval_policies_of_config_json_are_kept_as_they_are(tmp_path: Path) -> None:
    source = json.loads(CONFIG_PATH.read_text(encoding="utf-8"))
    source["approval_policies"] = {"base": {"label": "Duty managers", "groups": ["duty"], "required": 1}}
    (tmp_path / "source.json").write_text(json.dumps(source), encoding="utf-8")

    path, config = write_local_config(tmp_path / "source.json", tmp_path / "data", "http://localhost:8080")

    assert json.loads(path.read_text())["approval_policies"] == source["approval_policies"]
    assert config.approval_policies.group_names() == ["duty"]


def test_a_broken_source_config_is_reported_with_its_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"customer_mappings": {}}')

    with pytest.raises(ConfigError, match=r"config\.json"):
        write_local_config(broken, tmp_path / "data", "http://localhost:8080")


def test_cloudfront_is_played_with_the_behaviours_and_origin_policies_of_the_template(app_config: AppConfig) -> None:
    template = render(cfn_yaml.load(SOURCE), app_config)
    resources = template["Resources"]
    behaviours = resources["Distribution"]["Properties"]["DistributionConfig"]["CacheBehaviors"]
    api_patterns = [b["PathPattern"] for b in behaviours if b["TargetOriginId"] == "api"]

    def policy(reference: dict[str, str]) -> dict[str, Any]:
        config: dict[str, Any] = resources[reference["Ref"]]["Properties"]["OriginRequestPolicyConfig"]
        return config

    api = policy(next(b for b in behaviours if b["PathPattern"] == "/api/*")["OriginRequestPolicyId"])
    saml = policy(next(b for b in behaviours if b["PathPattern"] == "/saml/*")["OriginRequestPolicyId"])
    feeds = policy(next(b for b in behaviours if b["PathPattern"] == FEEDS_PATH_PATTERN)["OriginRequestPolicyId"])
    feedback = policy(next(b for b in behaviours if b["PathPattern"] == FEEDBACK_PATH_PATTERN)["OriginRequestPolicyId"])
    assert sorted(api_patterns) == sorted([*API_PATH_PATTERNS, FEEDS_PATH_PATTERN, FEEDBACK_PATH_PATTERN])
    for local, deployed in ((API_POLICY, api), (SAML_POLICY, saml), (FEEDS_POLICY, feeds), (FEEDBACK_POLICY, feedback)):
        assert {name.lower() for name in deployed["HeadersConfig"].get("Headers", [])} == local.headers
        assert (deployed["CookiesConfig"]["CookieBehavior"] == "all") is local.cookies
        query = deployed["QueryStringsConfig"]
        if query["QueryStringBehavior"] == "whitelist":
            assert local.query_strings == frozenset(query["QueryStrings"])
        else:
            assert (query["QueryStringBehavior"] == "all") is local.query_strings
    # The local edge sends the web bucket's 404s, and only those, through the gatekeeper again, as the template's
    # origin-response association on the default behaviour does.
    default = resources["Distribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert [a["EventType"] for a in default["LambdaFunctionAssociations"]] == ["viewer-request", "origin-response"]


@pytest.mark.parametrize(
    ("path", "api"),
    [
        ("/api/changes", True),
        ("/api", False),
        ("/changes", True),
        ("/changes/CHG-1/approve", True),
        ("/changes.html", False),
        ("/my-changes", True),
        ("/my-changes.html", False),
        ("/upload", True),
        ("/index.html", False),
    ],
)
def test_paths_reach_the_api_exactly_where_cloudfront_sends_them(path: str, api: bool) -> None:
    assert is_api_path(path) is api
    assert is_saml_path(path) is False
    assert set(LEGACY_API_PATHS) < set(API_PATH_PATTERNS)


def test_the_banner_names_the_one_address_to_open_the_demo_users_and_the_way_to_start_afresh(
    app_config: AppConfig,
) -> None:
    started = Started(
        "http://localhost:8080",
        "http://127.0.0.1:4566",
        demo_users(app_config.authorization),
        7.25,
        "first run",
        Path(".local-data"),
    )

    text = banner(started)

    assert text.count("Open http://localhost:8080/") == 1
    assert all(user.email in text for user in started.users) and "ccm-approvers" in text
    assert "http://localhost:8080/dev/outbox" in text and "make dev-reset" in text
    assert text.rstrip().endswith("Ready in 7.2 s. Press Ctrl-C to stop.")


def test_ports_and_data_folder_come_from_flags_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCM_LOCAL_PORT", "9090")
    monkeypatch.setenv("CCM_LOCAL_DATA", "/tmp/ccm-data")

    from_environment = parse_options([])
    from_flags = parse_options(["--port", "0", "--aws-port", "0", "--data", "elsewhere"])

    assert (from_environment.port, from_environment.data_dir) == (9090, Path("/tmp/ccm-data"))
    assert (from_flags.port, from_flags.aws_port, from_flags.data_dir) == (0, 0, Path("elsewhere"))


def test_a_visibility_timeout_too_short_for_the_backend_stops_the_start_with_a_sentence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--visibility-timeout", "20", "--port", "0", "--aws-port", "0"]) == 2
    assert "--visibility-timeout must be at least 40 seconds" in capsys.readouterr().err
