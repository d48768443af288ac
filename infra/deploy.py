"""Deploy with ``sam deploy`` and the settings of samconfig.toml: render and lint the template from config.json,
build every package with the edge configuration baked in, then hand both to SAM.

Usage: ``python -m infra.deploy --edge-config path/to/edge_config.json [-- extra sam deploy arguments]``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from ccm.errors import ConfigError
from infra.lint import cfn_lint
from infra.package import PackagingError, Target, WheelCache, build, packages, read_edge_config
from infra.render import BUILD, RenderError, render_files
from infra.stack import SAMCONFIG, DeploymentError, read_samconfig

INSTALL_SAM = """The AWS SAM CLI (sam) is not installed, or not on PATH.
Install it with AWS's installer for your system:
  https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html
or from PyPI into a virtual environment of its own (it pins its own dependencies):
  python3 -m venv ~/.aws-sam-cli && ~/.aws-sam-cli/bin/pip install aws-sam-cli
  export PATH="$HOME/.aws-sam-cli/bin:$PATH"
then run `make deploy` again (or point SAM=/path/to/sam at it)."""


def sam_arguments(template: Path, samconfig: Path, config_env: str, extra: Sequence[str]) -> list[str]:
    return [
        "deploy",
        "--template-file",
        str(template),
        "--config-file",
        str(samconfig.resolve()),
        "--config-env",
        config_env,
        *extra,
    ]


def prepare(stack_name: str, config: Path, edge_config: Path | None, output: Path = BUILD) -> Path:
    """Render and lint the template, then build every package next to it; returns the template to deploy."""
    template = output / "template.yaml"
    translated = output / "template.translated.json"
    rendered = render_files(config, template, translated, stack_name=stack_name)
    print(f"rendered {template}: {rendered.describe()}", flush=True)
    # The customers' nested stacks are written beside the parent; `sam deploy` uploads each TemplateURL path.
    lint = cfn_lint([template, translated, *(output / name for name in rendered.children)])
    if not lint.clean:
        raise DeploymentError(f"cfn-lint found problems in the rendered template:\n{lint.output}")
    cache = WheelCache()
    compiler = Target().byte_code_compiler()
    if compiler.warning:
        print(f"warning: {compiler.warning}", file=sys.stderr, flush=True)
    for package in packages().values():
        built = build(package, output / "packages", edge_config=edge_config, cache=cache)
        print(built.describe(), flush=True)
    return template


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.deploy", description=__doc__.splitlines()[0])
    parser.add_argument("--sam", default="sam", help="the SAM CLI executable")
    parser.add_argument("--samconfig", type=Path, default=SAMCONFIG)
    parser.add_argument("--config-env", default="default", help="the samconfig.toml environment")
    parser.add_argument("--config", type=Path, default=Path("config.json"))
    parser.add_argument("--edge-config", default="", help="the edge_config.json to bake into the edge packages")
    parser.add_argument("--output", type=Path, default=BUILD, help="where the template and packages are built")
    parser.add_argument("extra", nargs="*", help="further arguments for sam deploy (after --)")
    args = parser.parse_args(argv)
    sam = shutil.which(args.sam)
    if sam is None:
        print(INSTALL_SAM, file=sys.stderr)
        return 3
    try:
        target = read_samconfig(args.samconfig, args.config_env)
        edge_config = Path(args.edge_config) if args.edge_config else None
        for package in packages().values():
            if package.needs_edge_config:
                read_edge_config(edge_config, package)
        template = prepare(target.stack_name, args.config, edge_config, args.output)
    except (ConfigError, RenderError, PackagingError, DeploymentError) as error:
        print(f"cannot deploy: {error}", file=sys.stderr)
        return 2
    print(f"deploying stack {target.stack_name} to {target.region} with {sam}", flush=True)
    arguments = sam_arguments(template, args.samconfig, args.config_env, args.extra)
    completed = subprocess.run([sam, *arguments], check=False)
    return completed.returncode


if __name__ == "__main__":
    sys.exit(main())
