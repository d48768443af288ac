"""A config.json with N customers: the one generator of many-customer configs.

``python -m ccm.local --customers 200`` (``make dev CUSTOMERS=200``) runs on it, and
``python -m ccm.local.demo_customers --customers 1000 --output build/config-1000.json`` writes it for anything else
that reads a config file (``make render CONFIG=...``, ``bench/scale.py``, the 1,000-customer render test). The
config's own customers come first, unchanged, so the demo data that names them still applies; the rest are generated
from fixed word lists, so the same N always gives the same customers: names like "Northwind Logistics", codes like
``northwind-logistics`` (a ``-dev``/``-stg`` suffix for the non-production twin of a company), a sector, region group
and tier as tags, and every customer in its own AWS account (the IAM grants a render writes name each account).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ccm.errors import ConfigError
from ccm.jsonfile import read_json

MAX_CUSTOMERS = 1250
DEFAULT_CONFIG = Path("config.json")

_COMPANIES = (
    "Northwind", "Bluebird", "Cedar", "Summit", "Harbor", "Granite", "Meadow", "Ironwood", "Silverline", "Redwood",
    "Lakeshore", "Pinecrest", "Sunrise", "Evergreen", "Copperfield", "Riverbend", "Highland", "Oakridge", "Starlight",
    "Westgate", "Brightwater", "Falcon", "Maple", "Horizon", "Crescent", "Aurora", "Beacon", "Stonebridge", "Vantage",
    "Willow", "Keystone", "Orchard", "Bayview", "Foxglove", "Juniper", "Larkspur", "Monarch", "Nimbus", "Pioneer",
    "Quarry",
)  # fmt: skip
_SECTORS = (
    ("Retail", "retail"), ("Logistics", "logistics"), ("Health", "health"), ("Media", "media"),
    ("Finance", "finance"), ("Energy", "energy"), ("Software", "software"), ("Travel", "travel"),
    ("Telecom", "telecom"), ("Insurance", "finance"), ("Foods", "retail"), ("Manufacturing", "manufacturing"),
    ("Education", "education"), ("Analytics", "software"), ("Freight", "logistics"), ("Pharma", "health"),
    ("Studios", "media"), ("Payments", "finance"), ("Robotics", "manufacturing"), ("Hotels", "travel"),
    ("Bank", "finance"), ("Games", "media"), ("Labs", "health"), ("Motors", "manufacturing"), ("Cloud", "software"),
)  # fmt: skip
_ENVIRONMENTS = (("prod", "", ""), ("nonprod", "-dev", " (dev)"), ("staging", "-stg", " (staging)"))
"""(environment, code suffix, name suffix): every company's production account, and some of them a twin."""
_REGION_GROUPS = ("us", "us", "eu", "eu", "apac")
_TIERS = ("tier-1", "tier-2", "tier-2", "tier-3", "tier-3", "tier-3")


def _companies() -> Iterator[tuple[str, str, list[str]]]:
    """(code, name, tags) of every generated company, in a fixed order that mixes sectors and environments."""
    for index in range(len(_COMPANIES) * len(_SECTORS)):
        # Each company in turn, its sector shifted by one every round: any first N mix every sector, and since
        # 41 is prime to 25 no (company, sector) pair comes twice.
        company = _COMPANIES[index % len(_COMPANIES)]
        sector, sector_tag = _SECTORS[(index + index // len(_COMPANIES)) % len(_SECTORS)]
        code = f"{company}-{sector}".lower()
        tags = [sector_tag, _REGION_GROUPS[index % len(_REGION_GROUPS)], _TIERS[index % len(_TIERS)]]
        yield code, f"{company} {sector}", tags


def _generated(count: int, taken: set[str]) -> Iterator[dict[str, Any]]:
    made = 0
    account = 300000000000
    for position, (code, name, tags) in enumerate(_companies()):
        # One company in five also has a non-production account, one in fifteen a staging one as well.
        environments = _ENVIRONMENTS[: 1 + (position % 5 == 0) + (position % 15 == 0)]
        for environment, code_suffix, name_suffix in environments:
            full_code = code + code_suffix
            if full_code in taken:
                continue
            if made == count:
                return
            account += 1
            made += 1
            yield {
                "customer_code": full_code,
                "customer_name": name + name_suffix,
                "environment": environment,
                "tags": tags,
                "region": "us-east-1",
                "ses_role_arn": f"arn:aws:iam::{account}:role/ccm-ses-sender",
                "identity_center_role_arn": f"arn:aws:iam::{account + 100000000000}:role/ccm-contact-importer",
                # The demo's Teams meetings come from the local Graph; a share of the companies take ICS by email.
                "uses_teams": position % 4 != 3,
            }
    raise ConfigError(f"the demo customer lists run out before {count} generated customers")


def with_customers(document: dict[str, Any], count: int) -> dict[str, Any]:
    """``document`` (a config.json) with customers added after its own until there are ``count`` of them."""
    if not 1 <= count <= MAX_CUSTOMERS:
        raise ConfigError(f"--customers must be between 1 and {MAX_CUSTOMERS}; got {count}")
    mappings = document.get("customer_mappings")
    if not isinstance(mappings, dict):
        raise ConfigError("config.json: customer_mappings must be an object")
    if count < len(mappings):
        raise ConfigError(
            f"--customers {count} is fewer than the {len(mappings)} customers of the config; the demo data names "
            "them, so they are all kept: ask for at least that many"
        )
    result: dict[str, Any] = json.loads(json.dumps(document))
    added = {entry["customer_code"]: entry for entry in _generated(count - len(mappings), set(mappings))}
    result["customer_mappings"] = {**mappings, **added}
    return result


def demo_config(count: int, base: Path = DEFAULT_CONFIG) -> dict[str, Any]:
    """The config.json at ``base`` with generated customers after its own, ``count`` in all."""
    source = read_json(base)
    if not isinstance(source, dict):
        raise ConfigError(f"{base}: must be a JSON object")
    return with_customers(source, count)


def write_demo_config(count: int, output: Path, base: Path = DEFAULT_CONFIG) -> Path:
    """:func:`demo_config` written to ``output`` (its folder made if missing)."""
    document = demo_config(count, base)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ccm.local.demo_customers", description="Write a config.json with N demo customers."
    )
    parser.add_argument("--customers", type=int, required=True, help="how many customers in all")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="the config to start from")
    parser.add_argument("--output", type=Path, required=True, help="where to write the generated config")
    args = parser.parse_args(argv)
    try:
        write_demo_config(args.customers, args.output, args.config)
    except ConfigError as error:
        print(f"demo customers: {error}", file=sys.stderr)
        return 2
    print(f"{args.output}: {args.customers} customers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
