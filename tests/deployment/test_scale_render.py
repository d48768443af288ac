"""A thousand customers in one deployment: `make render` and `make check-template` with a generated config.json.

Every stack (the parent and each customers' nested stack) stays under CloudFormation's 500 resources and its
template size limit, cfn-lint is clean on the parent's SAM translation and on each nested stack, and IAM's policy
limits hold for the roles that name customers' resources.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ccm.config import AppConfig
from ccm.local.demo_customers import demo_config, write_demo_config
from infra import cfn_yaml
from infra.lint import cfn_lint
from infra.render import (
    MAX_MANAGED_POLICY_CHARACTERS,
    MAX_RESOURCES,
    MAX_TEMPLATE_BYTES,
    Rendered,
    main,
    render_files,
)
from tests.conftest import CONFIG_PATH
from tests.deployment.conftest import resources_of_type, statements_allowing
from tests.deployment.iam_policy import evaluate, statements_of
from tests.deployment.iam_requests import AuthorizationRequest

CUSTOMERS = 1000


@pytest.fixture(scope="module")
def thousand(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Rendered]:
    folder = tmp_path_factory.mktemp("scale")
    config = write_demo_config(CUSTOMERS, folder / "config.json", CONFIG_PATH)
    rendered = render_files(config, folder / "build" / "template.yaml", folder / "build" / "template.translated.json")
    return folder / "build", rendered


def test_every_stack_stays_under_the_resource_and_template_size_limits(thousand: tuple[Path, Rendered]) -> None:
    build, rendered = thousand
    assert rendered.customers == CUSTOMERS
    assert len(rendered.translated["Resources"]) < MAX_RESOURCES
    files = [build / "template.yaml", *(build / name for name in rendered.children)]
    assert all(path.stat().st_size < MAX_TEMPLATE_BYTES for path in files)
    assert all(len(child["Resources"]) < MAX_RESOURCES for child in rendered.children.values())
    queues = sum(len(resources_of_type(child, "AWS::SQS::Queue")) for child in rendered.children.values())
    assert queues == 2 * CUSTOMERS


def test_cfn_lint_is_clean_on_the_translation_and_every_nested_stack(thousand: tuple[Path, Rendered]) -> None:
    build, rendered = thousand

    result = cfn_lint(
        [build / "template.yaml", build / "template.translated.json", *(build / n for n in rendered.children)]
    )

    assert result.clean, result.output[-4000:]


def test_the_bucket_has_one_trigger_notification_whatever_the_customers(thousand: tuple[Path, Rendered]) -> None:
    _, rendered = thousand
    bucket = rendered.translated["Resources"]["DataBucket"]["Properties"]
    assert len(bucket["NotificationConfiguration"]["QueueConfigurations"]) == 3


def _grants(rendered: Rendered, role: str) -> list[dict[str, Any]]:
    resources = rendered.template["Resources"]
    documents = [p["PolicyDocument"] for p in resources[role]["Properties"]["Policies"] if "PolicyDocument" in p]
    documents += [
        r["Properties"]["PolicyDocument"]
        for r in resources_of_type(rendered.template, "AWS::IAM::ManagedPolicy").values()
        if {"Ref": role} in r["Properties"]["Roles"]
    ]
    return statements_of(documents)


@pytest.mark.parametrize("role", ["BackendRole", "ApiRole", "ImportTaskRole"])
def test_the_roles_may_assume_exactly_the_customers_roles_through_managed_policies(
    thousand: tuple[Path, Rendered], role: str
) -> None:
    _, rendered = thousand
    config = AppConfig.model_validate(demo_config(CUSTOMERS, CONFIG_PATH))
    customers = list(config.customer_mappings.values())
    wanted = {c.ses_role_arn for c in customers}
    if role == "ImportTaskRole":
        wanted |= {c.identity_center_role_arn for c in customers if c.identity_center_role_arn}
    others = {"arn:aws:iam::999999999999:role/ccm-ses-sender", "arn:aws:iam::300000000001:role/admin"}
    statements = _grants(rendered, role)

    def allowed(arn: str) -> bool:
        account = arn.split(":")[4]
        request = AuthorizationRequest("sts AssumeRole", "sts:AssumeRole", arn, (("aws:ResourceAccount", (account,)),))
        return evaluate(statements, request).allowed

    assert all(allowed(arn) for arn in wanted)
    assert not any(allowed(arn) for arn in others)
    assert statements_allowing(rendered.template["Resources"][role], "sts:AssumeRole") == []
    managed = resources_of_type(rendered.template, "AWS::IAM::ManagedPolicy").values()
    mine = [m for m in managed if {"Ref": role} in m["Properties"]["Roles"]]
    assert 0 < len(mine) <= 9, "with X-Ray's, at most IAM's default 10 managed policies per role"
    assert all(
        len(json.dumps(m["Properties"]["PolicyDocument"], separators=(",", ":"))) <= MAX_MANAGED_POLICY_CHARACTERS
        for m in mine
    )


def test_make_render_takes_a_generated_config_and_names_the_nested_stacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_demo_config(200, tmp_path / "config.json", CONFIG_PATH)
    output = tmp_path / "build" / "template.yaml"

    assert main(["--config", str(config), "--output", str(output)]) == 0

    said = capsys.readouterr().out
    assert "200 customers" in said and "customers' stacks of" in said
    stacks = resources_of_type(cfn_yaml.load(output), "AWS::CloudFormation::Stack").values()
    assert all((output.parent / s["Properties"]["TemplateURL"]).is_file() for s in stacks)
