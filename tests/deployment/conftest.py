"""The rendered template of the demo configuration and its CloudFormation translation, shared by the tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ccm.config import AppConfig, load_config
from infra import cfn_yaml
from infra.render import SOURCE, render, render_children
from infra.translate import translate
from tests.conftest import CONFIG_PATH

Template = dict[str, Any]


@pytest.fixture(scope="session")
def demo_config() -> AppConfig:
    return load_config(CONFIG_PATH)


@pytest.fixture(scope="session")
def source_template() -> Template:
    return cfn_yaml.load(SOURCE)


@pytest.fixture(scope="session")
def rendered(source_template: Template, demo_config: AppConfig) -> Template:
    return render(source_template, demo_config)


@pytest.fixture(scope="session")
def children(source_template: Template, demo_config: AppConfig) -> dict[str, Template]:
    """The customers' nested stacks, by file name."""
    return render_children(demo_config, source_template)


@pytest.fixture(scope="session")
def translated(rendered: Template) -> Template:
    return translate(rendered)


def config_with(**changes: Any) -> AppConfig:
    """The demo configuration with top-level keys replaced."""
    document = json.loads(Path(CONFIG_PATH).read_text(encoding="utf-8"))
    document.update(changes)
    return AppConfig.model_validate(document)


def resources_of_type(template: Template, kind: str) -> dict[str, Any]:
    return {name: resource for name, resource in template["Resources"].items() if resource["Type"] == kind}


def policy_statements(role: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every statement of a role's inline policies (conditional policies included)."""
    for policy in role["Properties"].get("Policies", []):
        candidates = policy["Fn::If"][1:] if "Fn::If" in policy else [policy]
        for candidate in candidates:
            if isinstance(candidate, dict) and "PolicyDocument" in candidate:
                yield from candidate["PolicyDocument"]["Statement"]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements_allowing(role: dict[str, Any], action: str) -> list[dict[str, Any]]:
    service = action.split(":")[0]
    wanted = {action, f"{service}:*", "*"}
    return [s for s in policy_statements(role) if s["Effect"] == "Allow" and wanted & set(as_list(s["Action"]))]
