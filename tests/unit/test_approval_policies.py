"""Approval policies in config.json: what each object needs, and what cannot be evaluated is refused at start."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ccm.cli.main import app
from ccm.config import AppConfig, load_config
from ccm.domain.approval import ChangeType, Risk, Route
from ccm.domain.approval_policy import plan_for
from ccm.errors import ConfigError
from ccm.local.demo_policies import demo_approval_policies
from tests.api.policies import POLICIES, config_with
from tests.conftest import CONFIG_PATH, SES_CONFIG_PATH


def plan(config: AppConfig, change_type: ChangeType | None, risk: Risk | None, *customers: str) -> Any:
    return plan_for(
        config.approval_policies, config.authorization, change_type=change_type, risk=risk, customers=customers
    )


def needs(found: Any) -> list[tuple[str, str, int]]:
    return [(requirement.id, requirement.label, requirement.needed) for requirement in found]


def test_without_policies_one_member_of_the_approver_or_admin_group_approves_anything(app_config: AppConfig) -> None:
    found = plan(app_config, ChangeType.NORMAL, Risk.HIGH, "alpha", "papa")

    assert found.route is Route.POLICY
    [base] = found.requirements
    assert (base.label, base.groups, base.needed) == ("Approvers", ("ccm-approvers", "ccm-admins"), 1)


def test_the_risk_replaces_the_base_and_each_customer_adds_its_own() -> None:
    config = config_with()

    assert needs(plan(config, ChangeType.NORMAL, Risk.MEDIUM, "alpha").requirements) == [("base", "Approvers", 1)]
    assert needs(plan(config, ChangeType.NORMAL, Risk.HIGH, "alpha", "papa").requirements) == [
        ("risk-high-0", "CAB", 2),
        ("customer-papa-0", "Papa Payments account owners", 2),
    ]
    # An announcement has no type or risk: the base and its customers'.
    assert needs(plan(config, None, None, "papa").requirements) == [
        ("base", "Approvers", 1),
        ("customer-papa-0", "Papa Payments account owners", 2),
    ]


def test_an_emergency_needs_one_approver_now_and_the_normal_requirements_after_the_fact() -> None:
    found = plan(config_with(), ChangeType.EMERGENCY, Risk.HIGH, "papa")

    assert found.route is Route.EMERGENCY
    assert needs(found.requirements) == [("emergency", "Emergency approver", 1)]
    assert needs(found.review) == [("risk-high-0", "CAB", 2), ("customer-papa-0", "Papa Payments account owners", 2)]
    assert found.review_days == 3


def test_a_standard_change_needs_no_approver() -> None:
    found = plan(config_with(), ChangeType.STANDARD, Risk.HIGH, "papa")

    assert (found.route, found.requirements) == (Route.TEMPLATE, ())


def write_config(tmp_path: Path, policies: dict[str, Any]) -> Path:
    document = json.loads(CONFIG_PATH.read_text())
    document["approval_policies"] = policies
    path = tmp_path / "config.json"
    path.write_text(json.dumps(document))
    return path


@pytest.mark.parametrize(
    ("policies", "says"),
    [
        (
            {"risk": {"high": [{"label": "CAB", "groups": ["ccm-cab"], "required": "all"}]}},
            'approval_policies: risk.high[0]: required "all" needs the members of ccm-cab',
        ),
        (
            {
                "groups": {"ccm-cab": {"members": ["one@example.com"]}},
                "base": {"label": "CAB", "groups": ["ccm-cab"], "required": 2},
            },
            "approval_policies: base: requires 2 approvers but ccm-cab have only 1 members",
        ),
        (
            {"customers": {"nowhere": [{"label": "Owners", "groups": ["owners"]}]}},
            "approval_policies.customers names unknown customer(s): nowhere",
        ),
        ({"risk": {"high": [{"label": "CAB", "groups": []}]}}, "approval_policies.risk.high[0].groups"),
        (
            {"risk": {"high": [{"label": "CAB", "groups": ["x"], "required": 0}]}},
            'approval_policies.risk.high[0].required: 0 is not a number of approvers from 1 to 100, nor "all"',
        ),
        ({"change_types": {"standard": []}}, "approval_policies.change_types.standard"),
        (
            {"groups": {"ccm-cab": {"members": ["not an address"]}}},
            "approval_policies.groups.ccm-cab.members[0]: 'not an address' is not an email address",
        ),
    ],
)
def test_a_policy_that_cannot_be_evaluated_is_refused_naming_file_key_and_reason(
    tmp_path: Path, policies: dict[str, Any], says: str
) -> None:
    path = write_config(tmp_path, policies)

    with pytest.raises(ConfigError) as refused:
        load_config(path)
    assert str(refused.value).startswith("config.json: ")
    assert says in str(refused.value)

    result = CliRunner().invoke(
        app, ["config", "validate", "--config", str(path), "--ses-config", str(SES_CONFIG_PATH)]
    )
    assert result.exit_code == 1
    assert says in result.output.replace("\n", " ")


def test_the_test_policies_and_the_local_demo_policies_are_valid(tmp_path: Path) -> None:
    assert load_config(write_config(tmp_path, POLICIES)).approval_policies.group_names() == ["ccm-cab", "papa-owners"]
    demo = demo_approval_policies(json.loads(CONFIG_PATH.read_text()))
    loaded = load_config(write_config(tmp_path, demo)).approval_policies
    assert loaded.group_names() == ["ccm-cab", "papa-owners"]
    assert loaded.members_of(["ccm-cab"]) == frozenset({"cab-lead@example.com", "cab-member@example.com"})
