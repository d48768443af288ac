"""The JSON Schemas under schemas/ and the docs' configuration reference are generated from the config models."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from ccm.cli.main import app
from ccm.config_schemas import SCHEMA_FILES, schemas
from tests.conftest import CONFIG_PATH, ROOT, SES_CONFIG_PATH, SUBSCRIPTION_CONFIG_PATH

SCHEMAS = ROOT / "schemas"
REFERENCE = ROOT / "docs" / "reference" / "configuration.md"
REGENERATE = "run `make schemas` (ccm config schema --output schemas/ --reference docs/reference/configuration.md)"
SHIPPED = [CONFIG_PATH, SES_CONFIG_PATH, SUBSCRIPTION_CONFIG_PATH]


def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _errors(name: str, document: Any) -> list[str]:
    return [
        f"{'.'.join(map(str, error.absolute_path))}: {error.message}"
        for error in _validator(name).iter_errors(document)
    ]


def test_the_checked_in_schemas_and_reference_are_what_the_models_generate(tmp_path: Path) -> None:
    reference = tmp_path / "configuration.md"
    result = CliRunner().invoke(
        app, ["config", "schema", "--output", str(tmp_path / "schemas"), "--reference", str(reference), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["written"]) == len(SCHEMA_FILES) + 1
    for name in SCHEMA_FILES:
        checked_in = SCHEMAS / name
        assert checked_in.exists(), f"schemas/{name} is missing: {REGENERATE}"
        assert checked_in.read_text() == (tmp_path / "schemas" / name).read_text(), (
            f"schemas/{name} is stale: {REGENERATE}"
        )
    assert sorted(path.name for path in SCHEMAS.iterdir()) == sorted(SCHEMA_FILES)
    assert REFERENCE.read_text() == reference.read_text(), f"{REFERENCE.relative_to(ROOT)} is stale: {REGENERATE}"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_every_shipped_file_names_its_schema_and_is_valid_against_it(path: Path) -> None:
    document = json.loads(path.read_text())
    named = document["$schema"]
    assert (path.parent / named).resolve() == (SCHEMAS / f"{path.stem}.schema.json").resolve()
    assert _errors(Path(named).name, document) == []


def _properties(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        for key, prop in (node.get("properties") or {}).items():
            yield f"{where}.{key}", prop
        for key, inner in node.items():
            yield from _properties(inner, f"{where}.{key}" if key != "properties" else where)
    elif isinstance(node, list):
        for index, inner in enumerate(node):
            yield from _properties(inner, f"{where}[{index}]")


def test_every_setting_of_every_file_is_described() -> None:
    undescribed = [
        where
        for name, schema in schemas().items()
        for where, prop in _properties(schema, name)
        if not str(prop.get("description", "")).strip()
    ]
    assert undescribed == []
    assert all(schema["description"] for schema in schemas().values())


def test_the_schemas_catch_what_an_editor_should_flag_as_you_type() -> None:
    config = json.loads(CONFIG_PATH.read_text())
    alpha = config["customer_mappings"]["alpha"]
    alpha["ses_role_arn"] = "role/ccm-ses-sender"
    alpha["customer_code"] = "Alpha Retail"
    config["email_config"]["dmarc_policy"] = "block"
    del config["authorization"]["approver_group"]
    problems = _errors("config.schema.json", config)
    assert any(problem.startswith("customer_mappings.alpha.ses_role_arn:") for problem in problems), problems
    assert any(problem.startswith("customer_mappings.alpha.customer_code:") for problem in problems), problems
    assert any(problem.startswith("email_config.dmarc_policy:") for problem in problems), problems
    assert any("'approver_group' is a required property" in problem for problem in problems), problems

    topics = json.loads(SES_CONFIG_PATH.read_text())
    topics["topics"].append({"TopicName": "has space", "DisplayName": "X", "DefaultSubscriptionStatus": "MAYBE"})
    problems = _errors("SESConfig.schema.json", topics)
    assert len(problems) == 2, problems

    subscriptions = json.loads(SUBSCRIPTION_CONFIG_PATH.read_text())
    subscriptions["aws-calendar"].append("not an address")
    assert [problem.split(":")[0] for problem in _errors("SubscriptionConfig.schema.json", subscriptions)] == [
        "aws-calendar.1"
    ]
