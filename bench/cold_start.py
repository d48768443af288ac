"""Cold start: how long a fresh interpreter takes to import each handler from its package, as Lambda would.

Builds the four packages as ``make package`` does (for this machine's architecture, byte code compiled by the
runtime's Python when this machine has it: see LAMBDA_PYTHON in docs/deploying.md), unpacks each into a directory
laid out as ``/var/task`` is, and imports the handler there in a new interpreter (``-I -S``: the package, the
standard library and, for the edge packages, the runtime's boto3), best of 5. The same run times a bare ``import
boto3`` from the api package, the yardstick the ratios are given against, and each handler again without its byte
code (what the packages shipped before they carried it). Each figure is given as wall time and as the interpreter's
CPU time: on a machine shared with other work the CPU time is the steadier of the two.

The regional handlers import what a request needs when the first request comes (boto3, the services, the
templates): the "+ first request" rows add that work (the services built, the AWS clients created, without a call
to AWS), so they give the whole cold start a request waits for. The runs of each figure are interleaved with the
yardstick's, so that both see the same load.

Usage: ``python bench/cold_start.py [--project CHECKOUT]`` (the first run downloads the wheels into
.venv/lambda-wheels); ``--project`` packages another checkout's code (an older commit in a worktree, say) with
this bench, so that two versions are measured the same way.
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
    "PYDANTIC_DISABLE_PLUGINS": "__all__",  # as infra/template.yaml sets it for the regional functions
    "PATH": "/usr/bin:/bin",
}
_IMPORT = """
import json, sys, time
sys.path[:0] = json.loads(sys.argv[1])
start, cpu = time.perf_counter(), time.process_time()
for module in json.loads(sys.argv[2]):
    __import__(module)
exec(sys.argv[3])
print((time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000)
"""
FIRST_REQUEST_WORK = {
    # What the first request of the API builds before it reads anything: the services, then its two clients.
    "api": "m = sys.modules['functions.api.app']; r = m.services().repository; r.archive.s3; r.catalog.ddb",
    # The first message: the whole pipeline (templates compiled), then the S3 client its archive reads with.
    "backend": "m = sys.modules['functions.backend.app']; m.backend().repository.archive.s3",
}


@dataclass(frozen=True)
class Layout:
    """A package unpacked as /var/task, and the extra path entries Lambda would add (the runtime's boto3)."""

    root: Path
    path: list[str]


FIRST_REQUEST: dict[str, tuple[str, ...]] = {
    # The SAML handler imports python3-saml, Powertools and boto3 on its first request, not at module import.
    "edge-saml": ("ccm.edge.signin", "ccm.edge.replay", "aws_lambda_powertools", "boto3"),
}


@dataclass(frozen=True)
class Probe:
    layout: Layout
    modules: tuple[str, ...]
    work: str = "pass"


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float


def once(python: str, probe: Probe) -> Timing:
    layout = probe.layout
    completed = subprocess.run(
        # -B: nothing writes byte code, so the copy without it stays without it (as /var/task is read-only).
        [python, "-I", "-S", "-B", "-c", _IMPORT, json.dumps(layout.path), json.dumps(probe.modules), probe.work],
        capture_output=True,
        text=True,
        cwd=layout.root,
        env={**ENVIRONMENT, "LAMBDA_TASK_ROOT": str(layout.root)},
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"importing {', '.join(probe.modules)} failed:\n{completed.stderr}")
    wall, cpu = completed.stdout.strip().splitlines()[-1].split()
    return Timing(float(wall), float(cpu))


def best(python: str, probe: Probe, yardstick: Probe) -> tuple[Timing, Timing]:
    """Best of RUNS for the probe and for the yardstick, run alternately."""
    probes, sticks = [], []
    for _ in range(RUNS):
        probes.append(once(python, probe))
        sticks.append(once(python, yardstick))
    return (
        Timing(min(t.wall for t in probes), min(t.cpu for t in probes)),
        Timing(min(t.wall for t in sticks), min(t.cpu for t in sticks)),
    )


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


def main(argv: list[str]) -> int:
    project = Path(argv[argv.index("--project") + 1]).resolve() if "--project" in argv else ROOT
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
            built = build(package, work / "zips", project=project, edge_config=edge_config, target=target, cache=cache)
            layouts[name] = (package, unpack(built, work / "task", sdk))

        yardstick = Probe(layouts["api"][1], ("boto3",))
        print(f"{project}: Python {python_version} ({python}), best of {RUNS} fresh interpreters per figure")
        print(
            f"{'package: what is imported':<50} {'byte code':>9} {'ratio':>6} {'CPU':>7} {'ratio':>6}"
            f" {'source':>8} {'ratio':>6}   ratio: to a bare import boto3 run alternately"
        )
        for name, (package, layout) in layouts.items():
            source_layout = without_byte_code(layout, work / "source")
            modules = (package.module, *FIRST_REQUEST.get(name, ()))
            rows = [(f"{name}: {package.module}" + (" + first request's" if name in FIRST_REQUEST else ""), "pass")]
            if name in FIRST_REQUEST_WORK:
                rows.append((f"{name}: + first request", FIRST_REQUEST_WORK[name]))
            for label, first in rows:
                shipped, stick = best(python, Probe(layout, modules, first), yardstick)
                source, source_stick = best(python, Probe(source_layout, modules, first), yardstick)
                print(
                    f"{label:<50} {shipped.wall:>7.0f}ms {shipped.wall / stick.wall:>6.2f}"
                    f" {shipped.cpu:>5.0f}ms {shipped.cpu / stick.cpu:>6.2f}"
                    f" {source.wall:>6.0f}ms {source.wall / source_stick.wall:>6.2f}"
                )
            print(f"  (boto3 alone in the same runs: {stick.wall:.0f} ms, CPU {stick.cpu:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
