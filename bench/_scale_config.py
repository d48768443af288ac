"""A config.json of N customers for the scale checks and benchmarks: the demo configuration's settings, its customers
replaced by ``c0001`` ... each in an account of its own (as a platform team's customer accounts are).

Usage: ``python -m bench._scale_config --customers 1000 --output build/config-1000.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENTS = ("prod", "nonprod", "dev")


def customer(number: int) -> dict[str, Any]:
    code = f"c{number:04d}"
    return {
        "customer_code": code,
        "customer_name": f"Customer {number:04d}",
        "environment": ENVIRONMENTS[number % len(ENVIRONMENTS)],
        "region": "us-east-1",
        "ses_role_arn": f"arn:aws:iam::{300_000_000_000 + number}:role/ccm-ses-sender",
        "identity_center_role_arn": f"arn:aws:iam::{400_000_000_000 + number}:role/ccm-contact-importer",
    }


def scale_config(customers: int, base: Path = ROOT / "config.json") -> dict[str, Any]:
    """The demo config.json with ``customers`` generated customers in place of its own."""
    document: dict[str, Any] = json.loads(base.read_text(encoding="utf-8"))
    document.pop("$schema", None)
    document["customer_mappings"] = {c["customer_code"]: c for c in map(customer, range(1, customers + 1))}
    return document


def write_scale_config(customers: int, output: Path) -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(scale_config(customers), indent=1) + "\n", encoding="utf-8")
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench._scale_config", description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, required=True, help="how many customers (1 or more)")
    parser.add_argument("--output", type=Path, required=True, help="where to write the config.json")
    args = parser.parse_args(argv)
    if args.customers < 1:
        print("--customers must be 1 or more", file=sys.stderr)
        return 2
    print(write_scale_config(args.customers, args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
