"""JSON Schemas of the configuration files, generated from the models that validate them.

The models' field descriptions are the one place a setting is documented: ``ccm config schema`` writes the
schemas (checked in under ``schemas/``, named by ``"$schema"`` in the shipped files so that editors check and
complete as you type) and the configuration reference of the docs site from the same models.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ccm.config import AppConfig, SesConfig
from ccm.edge.edge_config import EMAIL_NAME_ID, FORMAT_VERSION
from ccm.subscription_config import CUSTOMERS_KEY, SubscriptionConfig

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_KEY = "$schema"
SCHEMA_KEY_DESCRIPTION = "Where editors find this file's JSON Schema; ccm ignores it."


class EdgeIdp(BaseModel):
    """The identity provider the edge trusts."""

    entity_id: str = Field(description="The identity provider's SAML entity id (issuer).")
    sso_url: str = Field(description="Single sign-on URL, HTTP-Redirect binding.")
    slo_url: str | None = Field(default=None, description="Single logout URL; none: sign-out is local only.")
    certificates: list[str] = Field(
        min_length=1, description="Signing certificates (PEM bodies); two during a certificate rollover."
    )


class EdgeSession(BaseModel):
    """How long a session lives."""

    idle_seconds: int = Field(description="A session not used for this long ends.")
    absolute_seconds: int = Field(description="A session ends this long after sign-in, used or not.")
    refresh_after_fraction: float = Field(description="Share of the idle time after which a request renews it.")


class EdgeReplayTable(BaseModel):
    """The DynamoDB table that remembers accepted assertion ids, so a captured SAML response cannot be replayed."""

    name: str = Field(description="Table name.")
    region: str = Field(description="Region of the table.")


class EdgeConfigPublic(BaseModel):
    """edge_config.json without its cookie keys: what `ccm edge-config build` bakes into the sign-in functions."""

    model_config = ConfigDict(extra="forbid")

    format: int = Field(description="Version of this file's layout.", json_schema_extra={"const": FORMAT_VERSION})
    public_base_url: str = Field(description="Origin of the portal, without a path (https://ccm.example.com).")
    sp_entity_id: str = Field(description="The portal's SAML entity id (audience); default: the public base URL.")
    acs_path: str = Field(description="Path of the assertion consumer service (/saml/acs).")
    idp: EdgeIdp = Field(description="The identity provider.")
    name_id_format: str = Field(
        default=EMAIL_NAME_ID, description="NameID format requested from the identity provider."
    )
    email_attribute: str | None = Field(
        default=None, description="SAML attribute that carries the email; none: the NameID is the email."
    )
    groups_attribute: str | None = Field(default="groups", description="SAML attribute that carries the groups.")
    allowed_email_domains: list[str] = Field(description="Email domains allowed to sign in.")
    session_groups: list[str] = Field(
        default_factory=list, description="Groups kept in the session; empty: every group the assertion names."
    )
    allow_idp_initiated: bool = Field(default=True, description="False refuses sign-ins started at the provider.")
    clock_skew_seconds: int = Field(default=120, description="Tolerance for the assertion's time window.")
    session: EdgeSession = Field(description="Session lifetime.")
    replay_table: EdgeReplayTable = Field(description="The replay cache.")


_FILES: tuple[tuple[str, type[BaseModel], str, str], ...] = (
    ("config.schema.json", AppConfig, "config.json", "Customers, sender, portal and who may do what."),
    ("SESConfig.schema.json", SesConfig, "SESConfig.json", "The topics of every customer's SES contact list."),
    (
        "SubscriptionConfig.schema.json",
        SubscriptionConfig,
        "SubscriptionConfig.json",
        "Addresses subscribed in bulk: an expanded topic name -> addresses, for every customer; "
        f"{CUSTOMERS_KEY!r} adds entries per customer code.",
    ),
    (
        "edge_config.public.schema.json",
        EdgeConfigPublic,
        "edge_config.json (public part)",
        "The edge sign-in configuration without its cookie keys (built by `ccm edge-config build`).",
    ),
)
SCHEMA_FILES = tuple(name for name, *_ in _FILES)


def schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema, for every configuration file."""
    result: dict[str, dict[str, Any]] = {}
    for name, model, title, description in _FILES:
        generated = model.model_json_schema(by_alias=True, mode="validation")
        properties = {SCHEMA_KEY: {"type": "string", "description": SCHEMA_KEY_DESCRIPTION}}
        properties.update(generated.pop("properties", {}))
        result[name] = {
            "$schema": DIALECT,
            "title": title,
            "description": description,
            **{key: value for key, value in generated.items() if key not in ("title", "description")},
            "properties": properties,
        }
    return result


def render(schema: Mapping[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_schemas(output: Path) -> list[Path]:
    output.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schemas().items():
        path = output / name
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    return written


def _type(prop: Mapping[str, Any]) -> str:
    if "$ref" in prop:
        return str(prop["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in prop:
        return " or ".join(_type(option) for option in prop["anyOf"])
    if "enum" in prop:
        return " \\| ".join(f"`{value}`" for value in prop["enum"])
    kind = prop.get("type", "any")
    if kind == "array":
        return f"list of {_type(prop.get('items', {}))}"
    if kind == "object" and isinstance(prop.get("additionalProperties"), dict):
        return f"map of {_type(prop['additionalProperties'])}"
    return str(kind)


def _default(prop: Mapping[str, Any], required: bool) -> str:
    if required:
        return "required"
    if "default" in prop:
        return f"`{json.dumps(prop['default'])}`"
    # A default made by a factory is not in the schema: an empty collection, or a nested object's own defaults.
    return {"array": "`[]`", "object": "`{}`"}.get(prop.get("type", ""), "its defaults" if "$ref" in prop else "")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(schema: Mapping[str, Any]) -> Iterator[str]:
    required = set(schema.get("required", []))
    yield "| Key | Type | Default | Description |"
    yield "|---|---|---|---|"
    for key, prop in schema.get("properties", {}).items():
        cells = (f"`{key}`", _type(prop), _default(prop, key in required), prop.get("description", ""))
        yield "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def reference_markdown() -> str:
    """The configuration reference page of the docs site: one table per file and per nested object."""
    lines = [
        "# Configuration reference",
        "",
        "<!-- Generated by `ccm config schema --output schemas/ --reference docs/reference/configuration.md` "
        "from the models' field descriptions; tests/unit/test_config_schemas.py fails when it is stale. -->",
        "",
        "Every key of the configuration files, generated from the models that validate them. The same text is "
        'in the JSON Schemas under `schemas/`, which the shipped files name in `"$schema"`, so an editor '
        "shows it as you type. `ccm config validate` checks everything the schemas cannot (customer codes "
        "equal to their keys, topics known to SESConfig.json, duplicates).",
    ]
    for name, schema in schemas().items():
        lines += ["", f"## {schema['title']}", "", schema["description"], "", f"Schema: `schemas/{name}`", ""]
        lines += _table(schema)
        if schema.get("additionalProperties") not in (None, False, True):
            lines += ["", f"Any other key: {_type(schema['additionalProperties'])}."]
        for definition, nested in schema.get("$defs", {}).items():
            if nested.get("type") != "object":
                continue
            lines += ["", f"### {definition}", ""]
            if nested.get("description"):
                lines += [nested["description"], ""]
            lines += _table(nested)
    return "\n".join(lines) + "\n"
