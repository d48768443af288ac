"""The demo's SubscriptionConfig.json: applied after the demo import, and in agreement with both commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccm.aws.assume import RoleSessions
from ccm.cli.main import app
from ccm.config import AppConfig, SesConfig
from ccm.local.__main__ import main, parse_options
from ccm.local.demo import import_contacts, seed_directories
from ccm.local.demo_subscriptions import apply_subscriptions
from ccm.provision import Provisioner
from ccm.ses_admin.contacts import ContactList
from ccm.subscription_config import load_subscription_config
from tests.conftest import BUCKET, SUBSCRIPTION_CONFIG_PATH, TABLE

NOC = "noc@example.com"


@pytest.fixture
def few_customers(app_config: AppConfig) -> AppConfig:
    kept = {code: app_config.customer(code) for code in ("alpha", "xray", "zulu")}
    return app_config.model_copy(update={"customer_mappings": kept})


def opted_in(config: AppConfig, code: str) -> dict[str, set[str]]:
    customer = config.customer(code)
    contacts = ContactList.find(RoleSessions().session(customer.ses_role_arn, customer.region).client("sesv2"))
    return {
        contact.email: {topic for topic, status in contact.preferences.items() if status == "OPT_IN"}
        for contact in contacts.all_contacts().values()
    }


def test_the_first_start_subscribes_the_noc_mailbox_everywhere_and_neither_command_then_changes_anything(
    aws: None, few_customers: AppConfig, ses_config: SesConfig, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    Provisioner(few_customers, ses_config, BUCKET, TABLE).run()
    seed_directories(few_customers)
    import_contacts(few_customers, ses_config, BUCKET)
    subscriptions = load_subscription_config(SUBSCRIPTION_CONFIG_PATH, few_customers, ses_config)

    applied = apply_subscriptions(few_customers, ses_config, subscriptions, BUCKET)

    assert all(outcome.ok for outcome in applied)
    for code in few_customers.customer_codes:
        assert opted_in(few_customers, code)[NOC] >= {"aws-calendar", "aws-announce"}
    zulu = next(outcome.value for outcome in applied if outcome.key == "zulu")
    assert zulu is not None and zulu.not_mailed == [NOC], "zulu's allow-list keeps the failsafe visible"

    config_file = tmp_path / "config.json"
    config_file.write_text(few_customers.model_dump_json(by_alias=True))
    monkeypatch.setenv("CCM_CONFIG", str(config_file))
    runner = CliRunner()
    reapplied = runner.invoke(app, ["ses", "subscriptions", "apply", "--all", "--json", "--ses-rps", "0"])
    imported = runner.invoke(app, ["identity-center", "import", "--all", "--json", "--ses-rps", "0", "--prune"])
    assert reapplied.exit_code == 0, reapplied.output
    assert imported.exit_code == 0, imported.output
    for result in json.loads(reapplied.stdout)["results"] + json.loads(imported.stdout)["results"]:
        assert (result["created"], result["updated"], result["removed"]) == (0, 0, 0), result


def test_the_subscription_file_comes_from_a_flag_the_environment_or_is_left_out_when_absent(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert parse_options([]).subscription_config_path == SUBSCRIPTION_CONFIG_PATH  # CCM_SUBSCRIPTION_CONFIG
    assert parse_options(["--subscription-config", "other.json"]).subscription_config_path == Path("other.json")
    monkeypatch.delenv("CCM_SUBSCRIPTION_CONFIG")
    monkeypatch.chdir(tmp_path)
    assert parse_options([]).subscription_config_path is None


def test_a_named_subscription_file_that_is_missing_stops_the_start_with_a_sentence(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "SubscriptionConfig.json"
    assert main(["--subscription-config", str(missing), "--port", "0", "--aws-port", "0"]) == 2
    assert f"the subscription file {missing} does not exist" in capsys.readouterr().err
