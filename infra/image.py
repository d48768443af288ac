"""Build the ccm container image (the repository's Dockerfile) and push it to the stack's ECR repository.

The scheduled contact import runs ``<ImportRepositoryUri>:<ImportImageTag>``; the image is also tagged with
the git commit so a run can be traced to its code.

Usage: ``python -m infra.image [--samconfig samconfig.toml] [--config-env default]`` (after ``make deploy``).
"""

from __future__ import annotations

import argparse
import base64
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import boto3

from ccm.aws.clients import RETRY_CONFIG
from infra.interpreters import IMAGE
from infra.stack import SAMCONFIG, DeploymentError, parameter_overrides, read_samconfig, stack_outputs

if TYPE_CHECKING:
    from mypy_boto3_ecr import ECRClient

PROJECT = Path(__file__).resolve().parents[1]
DOCKER_PLATFORMS = {"X86_64": "linux/amd64", "ARM64": "linux/arm64"}

Runner = Callable[[Sequence[str], str | None], None]


def run(command: Sequence[str], stdin: str | None = None) -> None:
    completed = subprocess.run(list(command), input=stdin, text=True, check=False)
    if completed.returncode != 0:
        raise DeploymentError(f"{' '.join(command[:2])} failed with exit code {completed.returncode}")


def git_commit(project: Path = PROJECT) -> str | None:
    completed = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=project, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        return None
    return completed.stdout.strip() or None


@dataclass(frozen=True)
class ImagePlan:
    repository_uri: str
    tags: tuple[str, ...]
    platform: str

    @property
    def registry(self) -> str:
        return self.repository_uri.split("/", 1)[0]

    @property
    def references(self) -> list[str]:
        return [f"{self.repository_uri}:{tag}" for tag in self.tags]


def registry_password(ecr: ECRClient) -> str:
    token = ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    user, _, password = base64.b64decode(token).decode().partition(":")
    if user != "AWS" or not password:
        raise DeploymentError("ECR returned an authorization token of an unexpected shape")
    return password


def push(
    plan: ImagePlan, ecr: ECRClient, *, docker: str = "docker", context: Path = PROJECT, runner: Runner = run
) -> None:
    if not (context / "Dockerfile").is_file():
        raise DeploymentError(
            f"{context / 'Dockerfile'} not found: the image is built from the repository's Dockerfile"
        )
    tag_arguments = [argument for reference in plan.references for argument in ("--tag", reference)]
    python = ["--build-arg", f"PYTHON_VERSION={IMAGE}"]
    runner([docker, "build", "--platform", plan.platform, *python, *tag_arguments, str(context)], None)
    runner([docker, "login", "--username", "AWS", "--password-stdin", plan.registry], registry_password(ecr))
    for reference in plan.references:
        runner([docker, "push", reference], None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.image", description=__doc__.splitlines()[0])
    parser.add_argument("--samconfig", type=Path, default=SAMCONFIG)
    parser.add_argument("--config-env", default="default", help="the samconfig.toml environment")
    parser.add_argument("--docker", default="docker")
    args = parser.parse_args(argv)
    if shutil.which(args.docker) is None:
        print(
            "docker is not installed or not on PATH: the image is built with Docker (or pass --docker)", file=sys.stderr
        )
        return 3
    try:
        target = read_samconfig(args.samconfig, args.config_env)
        overrides = parameter_overrides(target)
        outputs = stack_outputs(target.stack_name, target.region)
        if "ImportRepositoryUri" not in outputs:
            raise DeploymentError(f"stack {target.stack_name} has no ImportRepositoryUri output: run make deploy first")
        architecture = overrides.get("ImportCpuArchitecture", "X86_64")
        if architecture not in DOCKER_PLATFORMS:
            raise DeploymentError(f"ImportCpuArchitecture {architecture!r} is not one of {', '.join(DOCKER_PLATFORMS)}")
        tags = tuple(dict.fromkeys(t for t in (overrides.get("ImportImageTag", "latest"), git_commit()) if t))
        plan = ImagePlan(outputs["ImportRepositoryUri"], tags, DOCKER_PLATFORMS[architecture])
        push(plan, boto3.client("ecr", region_name=target.region, config=RETRY_CONFIG), docker=args.docker)
    except DeploymentError as error:
        print(f"cannot publish the image: {error}", file=sys.stderr)
        return 2
    print(f"pushed {', '.join(plan.references)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
