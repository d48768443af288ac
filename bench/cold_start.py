"""Cold start: how long a fresh interpreter takes to import each handler from its package, as Lambda would.

Builds the four packages as ``make package`` does (for this machine's architecture, byte code compiled by the
runtime's Python when this machine has it: see LAMBDA_PYTHON in docs/deploying.md), unpacks each into a directory
laid out as ``/var/task`` is, and imports the handler there in a new interpreter (``-I -S``: the package, the
standard library and, for the edge packages, the runtime's boto3), best of 5. The same run times a bare ``import
boto3`` from the api package, the yardstick the ratios are given against, and each handler again without its byte
code (what the packages shipped before they carried it).

Usage: ``python bench/cold_start.py`` (the first run downloads the wheels into .venv/lambda-wheels).
"""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from infra.interpreters import LAMBDA  # noqa: E402
from infra.package import (  # noqa: E402
    BuiltPackage,
    Target,
    WheelCache,
    build,
    find_compiler,
    packages,
    python_version_of,
    runtime_sdk,
)

RUNS = 5
EDGE_CONFIG = {
    "sp": {"entity_id": "https://portal.example.com/saml/metadata", "acs_url": "https://portal.example.com/saml/acs"},
    "cookie": {"keys": {"current": "bench-only-key"}},
    "table": {"name": "ccm-bench-table", "region": "us-east-1"},
}
ENVIRONMENT = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "CCM_BUCKET": "ccm-bench",
    "CCM_TABLE": "ccm-bench-table",
    "POWERTOOLS_METRICS_NAMESPACE": "CCM",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "PATH": "/usr/bin:/bin",
}
_IMPORT = """
import json, sys, time
sys.path[:0] = json.loads(sys.argv[1])
start = time.perf_counter()
for module in json.loads(sys.argv[2]):
    __import__(module)
print((time.perf_counter() - start) * 1000)
"""


@dataclass(frozen=True)
class Layout:
    """A package unpacked as /var/task, and the extra path entries Lambda would add (the runtime's boto3)."""

    root: Path
    path: list[str]


FIRST_REQUEST = {
    # The SAML handler imports python3-saml, Powertools and boto3 on its first request, not at module import.
    "edge-saml": ("ccm.edge.signin", "ccm.edge.replay", "aws_lambda_powertools", "boto3"),
}


def best_import_ms(python: str, layout: Layout, *modules: str) -> float:
    times = []
    for _ in range(RUNS):
        completed = subprocess.run(
            [python, "-I", "-S", "-c", _IMPORT, json.dumps(layout.path), json.dumps(modules)],
            capture_output=True,
            text=True,
            cwd=layout.root,
            env={**ENVIRONMENT, "LAMBDA_TASK_ROOT": str(layout.root)},
            check=False,
        )
        if completed.returncode != 0:
            raise SystemExit(f"importing {', '.join(modules)} failed:\n{completed.stderr}")
        times.append(float(completed.stdout.strip().splitlines()[-1]))
    return min(times)


def unpack(built: BuiltPackage, into: Path, sdk: Path) -> Layout:
    root = into / built.package.name
    with zipfile.ZipFile(built.path) as archive:
        archive.extractall(root)
    path = [str(root)] if built.package.bundles_sdk else [str(root), str(sdk)]
    return Layout(root, path)


def without_byte_code(layout: Layout, into: Path) -> Layout:
    copy = into / f"{layout.root.name}-source"
    shutil.copytree(layout.root, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return Layout(copy, [str(copy), *layout.path[1:]])


def main() -> int:
    version = str(LAMBDA)
    compiler = find_compiler(version)
    python = compiler.python or sys.executable
    python_version = python_version_of(python) or f"{sys.version_info.major}.{sys.version_info.minor}"
    if compiler.warning:
        print(f"note: {compiler.warning}; measuring with this machine's Python {python_version} instead")
    target = Target(python_version, f"manylinux_2_28_{platform.machine()}", compiler=python)
    cache = WheelCache()
    with tempfile.TemporaryDirectory(prefix="ccm-cold-start-") as scratch:
        work = Path(scratch)
        edge_config = work / "edge_config.json"
        edge_config.write_text(json.dumps(EDGE_CONFIG), encoding="utf-8")
        sdk = runtime_sdk(target.platform_tag or "", python_version, work / "runtime-sdk", cache)
        layouts = {}
        for name, package in packages().items():
            built = build(package, work / "zips", edge_config=edge_config, target=target, cache=cache)
            layouts[name] = (package, unpack(built, work / "task", sdk))

        baseline = best_import_ms(python, layouts["api"][1], "boto3")
        print(f"Python {python_version} ({python}), best of {RUNS} fresh interpreters per figure")
        print(f"{'package: what is imported':<58} {'byte code':>10} {'ratio':>6} {'source':>10} {'ratio':>6}")
        print(f"{'api: boto3 alone (the yardstick)':<58} {baseline:>8.0f}ms {1:>6.2f}")
        for name, (package, layout) in layouts.items():
            modules = (package.module, *FIRST_REQUEST.get(name, ()))
            shipped = best_import_ms(python, layout, *modules)
            source = best_import_ms(python, without_byte_code(layout, work / "source"), *modules)
            label = f"{name}: {package.module}" + (" + first request's" if name in FIRST_REQUEST else "")
            print(
                f"{label:<58} {shipped:>8.0f}ms {shipped / baseline:>6.2f} {source:>8.0f}ms {source / baseline:>6.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
