"""The edge configuration's public part (everything but the cookie keys) has a JSON Schema too."""

from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from ccm.edge.edge_config import EdgeConfig
from tests.conftest import ROOT

SCHEMA = ROOT / "schemas" / "edge_config.public.schema.json"


def test_a_built_edge_configuration_without_its_keys_is_valid_and_every_key_is_in_the_schema(
    edge_config: EdgeConfig,
) -> None:
    schema = json.loads(SCHEMA.read_text())
    document = edge_config.to_document()
    del document["cookie_keys"]
    assert list(Draft202012Validator(schema).iter_errors(document)) == []
    assert set(schema["properties"]) - {"$schema"} == set(document)


def test_the_schema_never_describes_the_cookie_secrets(edge_config: EdgeConfig) -> None:
    schema = json.loads(SCHEMA.read_text())
    assert "cookie_keys" not in schema["properties"]
    assert list(Draft202012Validator(schema).iter_errors(edge_config.to_document())) != []
