"""SubscriptionConfig.json: the shape, and every mistake named with file, key and reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ccm.cli.main import app
from ccm.config import AppConfig, SesConfig
from ccm.errors import ConfigError
from ccm.subscription_config import Listed, SubscriptionConfig, load_subscription_config
from tests.conftest import SUBSCRIPTION_CONFIG_PATH

runner = CliRunner()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "SubscriptionConfig.json"
    path.write_text(text)
    return path


def problems(tmp_path: Path, text: str, app_config: AppConfig, ses_config: SesConfig) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_subscription_config(write(tmp_path, text), app_config, ses_config)
    return str(caught.value).splitlines()


def test_the_shipped_file_subscribes_a_noc_mailbox_to_calendar_and_announcements_for_every_customer(
    app_config: AppConfig, ses_config: SesConfig
) -> None:
    subscriptions = load_subscription_config(SUBSCRIPTION_CONFIG_PATH, app_config, ses_config)

    for code in app_config.customer_codes:
        noc = subscriptions.listed_for(code)["noc@example.com"]
        assert set(noc.topics) >= {"aws-calendar", "aws-announce"}


def test_global_entries_apply_to_every_customer_and_a_customer_section_only_to_its_own(
    tmp_path: Path, app_config: AppConfig, ses_config: SesConfig
) -> None:
    text = json.dumps(
        {
            "aws-calendar": ["NOC@example.com"],
            "aws-announce": ["noc@example.com", "desk@example.com"],
            "customers": {"alpha": {"finops-announce": ["noc@example.com", "finance@alpha.example.com"]}},
        }
    )
    subscriptions = load_subscription_config(write(tmp_path, text), app_config, ses_config)

    assert subscriptions.listed_for("alpha") == {
        "noc@example.com": Listed("NOC@example.com", ("aws-calendar", "aws-announce", "finops-announce")),
        "desk@example.com": Listed("desk@example.com", ("aws-announce",)),
        "finance@alpha.example.com": Listed("finance@alpha.example.com", ("finops-announce",)),
    }
    assert set(subscriptions.listed_for("bravo")) == {"noc@example.com", "desk@example.com"}
    assert subscriptions.address_count() == 3


def test_every_mistake_of_the_file_is_named_with_its_key_and_reason(
    tmp_path: Path, app_config: AppConfig, ses_config: SesConfig
) -> None:
    text = json.dumps(
        {
            "aws-calender": ["noc@example.com"],
            "aws-announce": ["noc@example.com", "NOC@Example.com", "noc-at-example.com"],
            "customers": {
                "alhpa": {"aws-calendar": ["a@example.com"]},
                "bravo": {"aws-announce": ["desk@example.com", "Noc@example.com"], "cic": ["x@example.com"]},
            },
        }
    )

    found = problems(tmp_path, text, app_config, ses_config)

    assert set(found) == {
        "SubscriptionConfig.json: aws-announce[2]: 'noc-at-example.com' is not an email address",
        "SubscriptionConfig.json: customers.alhpa: 'alhpa' is not a customer of config.json",
        "SubscriptionConfig.json: aws-calender: unknown topic 'aws-calender'; SESConfig.json has "
        + ", ".join(ses_config.topic_names()),
        "SubscriptionConfig.json: customers.bravo.cic: unknown topic 'cic'; SESConfig.json has "
        + ", ".join(ses_config.topic_names()),
        "SubscriptionConfig.json: aws-announce[1]: 'NOC@Example.com' is listed twice under aws-announce "
        "(addresses ignore case)",
        "SubscriptionConfig.json: customers.bravo.aws-announce[1]: 'Noc@example.com' is already listed under "
        "aws-announce for every customer",
    }


def test_a_key_written_twice_in_one_object_is_refused_rather_than_losing_the_first_list(
    tmp_path: Path, app_config: AppConfig, ses_config: SesConfig
) -> None:
    text = '{"customers": {"alpha": {"aws-calendar": ["a@example.com"], "aws-calendar": ["b@example.com"]}}}'

    assert problems(tmp_path, text, app_config, ses_config) == [
        "SubscriptionConfig.json: customers.alpha.aws-calendar: written more than once in the same object; "
        "JSON keeps only the last, so merge them into one"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('["noc@example.com"]', "SubscriptionConfig.json: (top level): must be a JSON object"),
        ('{"aws-calendar": "noc@example.com"}', "SubscriptionConfig.json: aws-calendar: Input should be a valid list"),
        ('{"customers": ["alpha"]}', "SubscriptionConfig.json: customers: Input should be a valid dictionary"),
        ('{"aws-calendar": [}', "SubscriptionConfig.json: line 1 column 19: not valid JSON: Expecting value"),
    ],
)
def test_a_file_of_the_wrong_shape_says_where(
    tmp_path: Path, app_config: AppConfig, ses_config: SesConfig, text: str, expected: str
) -> None:
    assert problems(tmp_path, text, app_config, ses_config) == [expected]


def test_the_model_alone_checks_addresses_and_duplicates_but_needs_the_other_files_for_topics() -> None:
    loose = SubscriptionConfig.model_validate({"any-topic": ["a@example.com"]})
    assert loose.listed_for("anyone") == {"a@example.com": Listed("a@example.com", ("any-topic",))}


def test_config_validate_checks_the_subscription_file_too(tmp_path: Path) -> None:
    bad = write(tmp_path, json.dumps({"aws-calendar": ["noc@example"]}))

    shipped = runner.invoke(app, ["config", "validate", "--json"])
    broken = runner.invoke(app, ["config", "validate", "--subscription-config", str(bad)])

    assert shipped.exit_code == 0, shipped.output
    assert json.loads(shipped.stdout)["subscription_config"] == str(SUBSCRIPTION_CONFIG_PATH)
    assert broken.exit_code == 1
    assert "SubscriptionConfig.json: aws-calendar[0]: 'noc@example' is not an email address" in broken.output
    assert "Traceback" not in broken.output


def test_the_subscription_file_is_optional_for_config_validate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCM_SUBSCRIPTION_CONFIG", str(tmp_path / "absent.json"))

    result = runner.invoke(app, ["config", "validate", "--json"])
    missing = runner.invoke(app, ["config", "validate", "--subscription-config", str(tmp_path / "absent.json")])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["subscription_config"] is None
    assert missing.exit_code == 1 and "absent.json: file not found" in missing.output
