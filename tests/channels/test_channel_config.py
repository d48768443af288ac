"""config.json's channels: refused at start with the file, the key and the reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ccm.config import load_config
from ccm.errors import ConfigError
from tests.conftest import CONFIG_PATH


def with_channels(tmp_path: Path, channels: list[dict[str, Any]], code: str = "bravo") -> Path:
    document = json.loads(CONFIG_PATH.read_text())
    document["customer_mappings"][code]["channels"] = channels
    path = tmp_path / "config.json"
    path.write_text(json.dumps(document))
    return path


def teams(name: str = "ops", **overrides: Any) -> dict[str, Any]:
    return {"name": name, "type": "teams", "url_parameter": f"/ccm/{name}/url", "events": ["approved"], **overrides}


def test_the_shipped_demo_configuration_gives_xray_every_kind_of_channel() -> None:
    xray = load_config(CONFIG_PATH).customer("xray")
    assert {channel.type for channel in xray.channels} == {"teams", "slack", "webhook"}


def test_a_valid_channel_list_loads(tmp_path: Path) -> None:
    hook = {"name": "itsm", "type": "webhook", "url_parameter": "/a", "secret_parameter": "/b", "events": ["cancelled"]}
    customer = load_config(with_channels(tmp_path, [teams(), hook])).customer("bravo")
    assert [channel.name for channel in customer.channels] == ["ops", "itsm"]
    assert customer.channel("itsm") is not None and customer.channel("nope") is None


@pytest.mark.parametrize(
    ("channels", "key", "reason"),
    [
        ([teams(type="discord")], "customer_mappings.bravo.channels[0].type", "'teams', 'slack' or 'webhook'"),
        ([teams(events=["approved", "exploded"])], "customer_mappings.bravo.channels[0].events[1]", "'approved'"),
        ([teams(events=[])], "customer_mappings.bravo.channels[0].events", "at least 1"),
        ([teams(), teams()], "customer_mappings.bravo.channels", "two channels are named 'ops'"),
        ([teams(name="Ops Room")], "customer_mappings.bravo.channels[0].name", "lower-case letters"),
        (
            [{"name": "itsm", "type": "webhook", "url_parameter": "/a", "events": ["approved"]}],
            "customer_mappings.bravo.channels[0]",
            "needs a secret_parameter",
        ),
        ([teams(secret_parameter="/s")], "customer_mappings.bravo.channels[0]", "not signed"),
        ([teams(url_parameter="has spaces in it")], "customer_mappings.bravo.channels[0].url_parameter", "not an SSM"),
    ],
)
def test_bad_channels_are_refused_with_file_key_and_reason(
    tmp_path: Path, channels: list[dict[str, Any]], key: str, reason: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        load_config(with_channels(tmp_path, channels))
    message = str(refused.value)
    assert message.startswith(f"config.json: {key}: "), message
    assert reason in message
