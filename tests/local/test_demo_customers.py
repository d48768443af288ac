"""The generated demo config: N customers after config.json's own, the same every time, valid as a config."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from ccm.config import AppConfig, load_config
from ccm.errors import ConfigError
from ccm.local.__main__ import parse_options
from ccm.local.demo_customers import MAX_CUSTOMERS, main, with_customers
from ccm.local.local_config import write_local_config
from tests.conftest import ROOT


def shipped() -> dict[str, object]:
    document = json.loads((ROOT / "config.json").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def test_a_thousand_customers_keep_the_demo_ones_first_and_validate() -> None:
    source = shipped()
    document = with_customers(source, 1000)
    config = AppConfig.model_validate(document)
    codes = list(config.customer_mappings)
    assert len(codes) == 1000
    assert codes[:26] == list(source["customer_mappings"])  # type: ignore[call-overload]
    assert config.customer("alpha").customer_name == "Alpha Retail"
    accounts = {mapping.account_id for mapping in config.customer_mappings.values()}
    assert len(accounts) == 1000, "every customer has its own SES account"
    environments = Counter(mapping.environment for mapping in config.customer_mappings.values())
    assert set(environments) == {"prod", "nonprod", "staging"} and environments["prod"] > 700
    tags = Counter(tag for mapping in config.customer_mappings.values() for tag in mapping.tags)
    assert {"retail", "finance", "eu", "apac", "tier-1"} <= set(tags)
    assert config.customer("northwind-retail-dev").customer_name == "Northwind Retail (dev)"


def test_the_same_count_gives_the_same_customers() -> None:
    assert with_customers(shipped(), 200) == with_customers(shipped(), 200)
    assert (
        list(with_customers(shipped(), 200)["customer_mappings"])
        == list(with_customers(shipped(), 300)["customer_mappings"])[:200]
    )


@pytest.mark.parametrize("count", [0, 25, MAX_CUSTOMERS + 1])
def test_a_count_outside_the_range_is_refused_with_a_sentence(count: int) -> None:
    with pytest.raises(ConfigError, match="--customers"):
        with_customers(shipped(), count)


def test_the_script_writes_a_config_the_loader_reads(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "big.json"
    assert main(["--customers", "1000", "--config", str(ROOT / "config.json"), "--output", str(target)]) == 0
    assert len(load_config(target).customer_mappings) == 1000
    assert "1000 customers" in capsys.readouterr().out
    assert main(["--customers", "3", "--config", str(ROOT / "config.json"), "--output", str(target)]) == 2
    assert "fewer than the 26 customers" in capsys.readouterr().err


def test_the_script_makes_the_output_folder_as_the_docs_use_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # `--config` defaults to the working directory's config.json
    target = tmp_path / "build" / "config-1000.json"

    assert main(["--customers", "1000", "--output", str(target)]) == 0

    config = load_config(target)
    assert len({mapping.account_id for mapping in config.customer_mappings.values()}) == 1000


def test_the_local_stack_option_writes_the_generated_config(tmp_path: Path) -> None:
    options = parse_options(["--customers", "200", "--data", str(tmp_path)])
    assert options.customers == 200
    path, config = write_local_config(
        options.config_path, tmp_path, "http://127.0.0.1:8080", customers=options.customers
    )
    assert len(config.customer_mappings) == 200
    assert len(load_config(path).customer_mappings) == 200
    assert parse_options([]).customers is None
