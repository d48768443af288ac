"""Which stack a deployment targets (from samconfig.toml) and what it produced (its outputs)."""

from __future__ import annotations

import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from ccm.aws.clients import RETRY_CONFIG

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient

SAMCONFIG = Path("samconfig.toml")
EDGE_REGION = "us-east-1"


class DeploymentError(Exception):
    """The deployment cannot go on; the message says what to fix."""


@dataclass(frozen=True)
class DeployTarget:
    stack_name: str
    region: str
    parameters: dict[str, Any]


def read_samconfig(path: Path = SAMCONFIG, environment: str = "default") -> DeployTarget:
    if not path.is_file():
        raise DeploymentError(
            f"{path} not found: copy samconfig.toml.example to samconfig.toml and fill in the stack name, "
            "the bucket name and the other parameters"
        )
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise DeploymentError(f"{path} is not valid TOML: {error}") from None
    section = document.get(environment, {})
    parameters = {**section.get("global", {}).get("parameters", {}), **section.get("deploy", {}).get("parameters", {})}
    stack_name = parameters.get("stack_name")
    if not stack_name:
        raise DeploymentError(f"{path}: [{environment}.deploy.parameters] needs stack_name")
    region = parameters.get("region", EDGE_REGION)
    if region != EDGE_REGION:
        raise DeploymentError(
            f"{path}: region is {region}; the stack holds Lambda@Edge functions, which CloudFront only takes "
            f"from {EDGE_REGION}"
        )
    return DeployTarget(str(stack_name), str(region), parameters)


def stack_outputs(
    stack_name: str, region: str = EDGE_REGION, cloudformation: CloudFormationClient | None = None
) -> dict[str, str]:
    client = cloudformation or boto3.client("cloudformation", region_name=region, config=RETRY_CONFIG)
    try:
        stacks = client.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        raise DeploymentError(f"stack {stack_name} in {region} cannot be read: {error}") from None
    outputs = stacks[0].get("Outputs", []) if stacks else []
    return {output["OutputKey"]: output["OutputValue"] for output in outputs}


def parameter_overrides(target: DeployTarget) -> dict[str, str]:
    """samconfig's parameter_overrides, written as one ``Key=Value Key=Value`` string or a list of them."""
    raw = target.parameters.get("parameter_overrides", [])
    items = shlex.split(raw) if isinstance(raw, str) else [str(item) for item in raw]
    overrides = {}
    for item in items:
        key, separator, value = item.partition("=")
        if separator:
            overrides[key.strip()] = value.strip().strip('"')
    return overrides
