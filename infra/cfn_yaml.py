"""Read CloudFormation YAML (with its short-form tags such as ``!Ref`` and ``!Sub``) into plain dictionaries.

Short forms become the long forms CloudFormation and aws-sam-translator accept (``{"Fn::Sub": ...}``), so the
rendered template is written without tags and every tool reads it the same way.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

_FUNCTIONS = (
    "And",
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Not",
    "Or",
    "Select",
    "Split",
    "Sub",
    "Transform",
)


class _Loader(yaml.SafeLoader):
    """A safe loader that knows CloudFormation's tags and keeps dates as the strings CloudFormation sees."""


def _value(loader: _Loader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    assert isinstance(node, yaml.MappingNode)
    return loader.construct_mapping(node, deep=True)


def _intrinsic(name: str) -> Any:
    def construct(loader: _Loader, node: yaml.Node) -> dict[str, Any]:
        return {name: _value(loader, node)}

    return construct


def _get_att(loader: _Loader, node: yaml.Node) -> dict[str, Any]:
    value = _value(loader, node)
    if isinstance(value, str):
        resource, _, attribute = value.partition(".")
        value = [resource, attribute]
    return {"Fn::GetAtt": value}


def _plain_timestamp(loader: _Loader, node: yaml.Node) -> str:
    assert isinstance(node, yaml.ScalarNode)
    return str(node.value)


_Loader.add_constructor("!Ref", _intrinsic("Ref"))
_Loader.add_constructor("!Condition", _intrinsic("Condition"))
_Loader.add_constructor("!GetAtt", _get_att)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _plain_timestamp)
for _name in _FUNCTIONS:
    _Loader.add_constructor(f"!{_name}", _intrinsic(f"Fn::{_name}"))


def loads(text: str) -> dict[str, Any]:
    document = yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader
    if not isinstance(document, dict):
        raise ValueError("a CloudFormation template must be a mapping at the top level")
    return document


def load(path: Path) -> dict[str, Any]:
    return loads(path.read_text(encoding="utf-8"))


class _Dumper(yaml.SafeDumper):
    """Writes a value shared by two places twice: CloudFormation's YAML reader does not take anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dumps(template: dict[str, Any]) -> str:
    return yaml.dump(template, Dumper=_Dumper, sort_keys=False, width=120, allow_unicode=True)


def write(template: dict[str, Any], path: Path) -> None:
    """Write YAML for a ``.yaml``/``.yml`` path and JSON otherwise."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix in {".yaml", ".yml"}:
        path.write_text(dumps(template), encoding="utf-8")
    else:
        path.write_text(json.dumps(template, indent=1) + "\n", encoding="utf-8")
