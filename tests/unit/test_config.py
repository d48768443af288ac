from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccm.cli.main import app
from ccm.config import AppConfig, SesConfig, load_config, load_ses_config
from ccm.errors import ConfigError
from tests.conftest import CONFIG_PATH, SES_CONFIG_PATH


def test_the_demo_organisation_has_25_customers_each_in_its_own_ses_account(app_config: AppConfig) -> None:
    accounts = [mapping.account_id for mapping in app_config.customer_mappings.values()]
    assert len(accounts) >= 25
    assert len(set(accounts)) == len(accounts)


def test_the_demo_allows_example_com_and_names_an_approver_group(app_config: AppConfig) -> None:
    assert app_config.authorization.email_allowed("Someone@Example.com")
    assert not app_config.authorization.email_allowed("someone@example.org")
    assert app_config.authorization.approver_group
    assert not app_config.authorization.allow_self_approval


def test_topics_expand_group_prefixes(ses_config: SesConfig) -> None:
    names = ses_config.topic_names()
    assert names[:3] == ["aws-calendar", "aws-announce", "aws-approval"]
    calendar = ses_config.topic("aws-calendar")
    assert calendar is not None
    assert calendar.display_name == "AWS Calendar Invites"
    assert calendar.description.split()[1] == "AWS"
    assert {
        "announce-approval",
        "cic-announce",
        "finops-announce",
        "inner-announce",
        "general-updates",
    } <= set(names)


def _write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_more_than_twenty_topics_is_rejected(tmp_path: Path) -> None:
    topics = [{"TopicName": f"topic-{i}", "DisplayName": f"Topic {i}"} for i in range(21)]
    path = _write(tmp_path, "SESConfig.json", {"topics": topics})
    with pytest.raises(ConfigError) as caught:
        load_ses_config(path)
    assert "SESConfig.json" in str(caught.value)
    assert "at most 20" in str(caught.value)


def test_prefix_expansion_counts_towards_the_limit(tmp_path: Path) -> None:
    members = [{"TopicName": f"m{i}", "DisplayName": f"M {i}"} for i in range(7)]
    path = _write(
        tmp_path,
        "SESConfig.json",
        {"topic_group_prefix": ["aws", "wiz", "gcp"], "topic_group_members": members},
    )
    with pytest.raises(ConfigError, match="21 topics"):
        load_ses_config(path)


def test_a_bad_value_names_the_file_the_key_path_and_the_reason(tmp_path: Path) -> None:
    data = json.loads(CONFIG_PATH.read_text())
    data["customer_mappings"]["bravo"]["ses_role_arn"] = "not-an-arn"
    path = _write(tmp_path, "config.json", data)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith("config.json: customer_mappings.bravo.ses_role_arn: ")
    assert "not an IAM role ARN" in message


def test_a_customer_code_must_equal_its_key(tmp_path: Path) -> None:
    data = json.loads(CONFIG_PATH.read_text())
    data["customer_mappings"]["alpha"]["customer_code"] = "beta"
    with pytest.raises(ConfigError, match=r"customer_mappings\.alpha\.customer_code"):
        load_config(_write(tmp_path, "config.json", data))


def test_a_customer_tag_is_a_lower_case_label(tmp_path: Path) -> None:
    data = json.loads(CONFIG_PATH.read_text())
    data["customer_mappings"]["alpha"]["tags"] = ["retail", "EU West"]
    with pytest.raises(ConfigError, match=r"customer_mappings\.alpha\.tags: .*'EU West' must be 1-32 lower-case"):
        load_config(_write(tmp_path, "config.json", data))
    data["customer_mappings"]["alpha"]["tags"] = ["eu", "retail", "eu"]
    assert load_config(_write(tmp_path, "config.json", data)).customer("alpha").tags == ["eu", "retail"]


def test_broken_json_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "config.json", '{\n  "aws_region": "us-east-1",\n  oops\n}')
    with pytest.raises(ConfigError, match=r"config.json: line 3 column 3: not valid JSON"):
        load_config(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "absent.json")


def test_restricted_recipients_are_a_case_insensitive_allow_list(app_config: AppConfig) -> None:
    sandbox = app_config.customer("zulu")
    assert sandbox.allows_recipient(" Sandbox-Tester@EXAMPLE.com ")
    assert not sandbox.allows_recipient("someone.else@example.com")
    assert app_config.customer("alpha").allows_recipient("anyone@example.com")


runner = CliRunner()


def test_config_validate_reports_a_broken_file_as_a_sentence_and_exit_code(tmp_path: Path) -> None:
    data = json.loads(CONFIG_PATH.read_text())
    data["email_config"]["sender_address"] = "nobody"
    path = _write(tmp_path, "config.json", data)
    result = runner.invoke(app, ["config", "validate", "--config", str(path), "--ses-config", str(SES_CONFIG_PATH)])
    assert result.exit_code == 1
    assert "email_config.sender_address" in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_config_validate_accepts_the_shipped_files() -> None:
    result = runner.invoke(app, ["config", "validate", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["customers"] >= 25


def test_config_customers_lists_every_customer() -> None:
    result = runner.invoke(app, ["config", "customers", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {row["code"] for row in rows} >= {"alpha", "zulu"}
    assert next(row for row in rows if row["code"] == "xray")["meetings"] == "ics"
